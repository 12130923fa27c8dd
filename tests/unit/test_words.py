"""Numbers in words: plural forms from the catalogues, durations and days from Babel's CLDR data, in each
reader's language ("for 1 minutes" and "claimed 0.0 hours ago" are what this replaced)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.platform.i18n import days, duration, translate_n

ONE, MANY = ("🏠 You are under home monitoring for {days}, until {date}.\nReason: {reason}\n\nWhat this means: please "
             "stay at home, and report your temperature and how you feel once a day, at {times}. You will get a "
             "reminder each time; a report takes a few seconds (“🌡 Health report”). If you feel worse, report at "
             "once. In an emergency call {number}.",
             "🏠 You are under home monitoring for {days}, until {date}.\nReason: {reason}\n\nWhat this means: please "
             "stay at home, and report your temperature and how you feel {n} times a day, at {times}. You will get a "
             "reminder each time; a report takes a few seconds (“🌡 Health report”). If you feel worse, report at "
             "once. In an emergency call {number}.")
PARAMS = {"days": "7", "date": "03-10", "reason": "r", "times": "08:00", "number": "120"}


@pytest.mark.parametrize(("locale", "n", "expected"), [
    ("en", 1, "once a day"), ("en", 3, "3 times a day"), ("zh_Hans", 1, "每天 1 次"), ("zh_Hans", 3, "每天 3 次"),
    ("zh_Hant", 1, "每天 1 次"), ("zh_Hant", 3, "每天 3 次")])
def test_times_a_day_follow_the_number_of_report_times(locale: str, n: int, expected: str) -> None:
    assert expected in translate_n(locale, ONE, MANY, n, **PARAMS)


def test_durations_and_days_in_words() -> None:
    assert duration("en", timedelta(minutes=1)) == "1 minute"
    assert duration("en", timedelta(minutes=31)) == "31 minutes"
    assert duration("zh_Hans", timedelta(hours=3)) == "3小时"
    assert duration("zh_Hant", timedelta(hours=3)) == "3 小時"
    assert (days("en", 1), days("en", 14), days("zh_Hans", 14), days("zh_Hant", 14)) == ("1 day", "14 days", "14天",
                                                                                         "14 天")


@pytest.mark.parametrize("locale", ["zh_Hans", "zh_Hant", "en"])
def test_a_changed_time_and_a_changed_text_read_differently(locale: str) -> None:
    from bot.platform.i18n import translate

    time_changed = translate(locale, "Notice #{id} is now scheduled: {when}.", id=4, when="18:30")
    text_changed = translate(locale, "Notice #{id} now reads:\n{text}", id=4, text="…")
    assert time_changed.split("：")[0].split(":")[0] != text_changed.split("：")[0].split(":")[0]


def test_traditional_chinese_reads_as_taiwan_and_hong_kong_write() -> None:
    """Words a mainland reader writes but Taiwan/Hong Kong readers do not (converted characters are not
    enough): the zh_Hant catalogue uses 資料/資訊, 儲存, 志工, 回報, 群組, 私訊, 匯出, 聯絡, 帳號."""
    import polib

    from tests.conftest import ROOT

    po = polib.pofile(str(ROOT / "locales/zh_Hant/LC_MESSAGES/messages.po"))
    texts = [e.msgstr for e in po] + [s for e in po for s in e.msgstr_plural.values()]
    for mainland in ("信息", "保存", "志願者", "上報", "群聊", "私聊", "導出", "聯繫", "錄入", "賬號", "視頻", "軟件",
                     "網絡", "質量", "默認", "設置"):
        assert not [t for t in texts if mainland in t], mainland

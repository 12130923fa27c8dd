"""Notice rules without Telegram: priorities, quiet hours, typed times and repeats, text limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.kernel.errors import DomainError
from bot.notices.rules import (
    after_quiet_hours,
    clean_text,
    next_occurrence,
    parse_hours,
    parse_until,
    parse_when,
    priority_for,
    waits_for_morning,
)
from models.delivery import HIGH, ROUTINE, URGENT
from models.notices import Notice

SH = "Asia/Shanghai"
NOW = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
QUIET = parse_hours("22:00-07:00")


def sh(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


def test_levels_priorities_and_quiet_hours() -> None:
    assert [priority_for(lv) for lv in ("info", "blue", "yellow", "orange", "red")] == \
        [ROUTINE, ROUTINE, HIGH, URGENT, URGENT]
    assert [waits_for_morning(lv) for lv in ("info", "blue", "yellow", "orange", "red")] == \
        [True, True, False, False, False]


@pytest.mark.parametrize(("at", "expected"), [
    (sh(1, 21, 59), sh(1, 21, 59)),  # before the quiet hours: at once
    (sh(1, 22, 0), sh(2, 7, 0)),
    (sh(1, 23, 30), sh(2, 7, 0)),
    (sh(2, 3, 0), sh(2, 7, 0)),  # after midnight: the same morning
    (sh(2, 7, 0), sh(2, 7, 0)),
])
def test_after_quiet_hours(at: datetime, expected: datetime) -> None:
    assert after_quiet_hours(at, QUIET, SH) == expected


def test_quiet_hours_within_one_day() -> None:
    assert after_quiet_hours(sh(1, 13, 0), parse_hours("12:00-14:00"), SH) == sh(1, 14, 0)
    assert after_quiet_hours(sh(1, 15, 0), parse_hours("12:00-14:00"), SH) == sh(1, 15, 0)


@pytest.mark.parametrize(("text", "expected"), [
    ("09:00", sh(1, 9)), ("07:30", sh(2, 7, 30)), ("03-02 18:30", sh(2, 18, 30)),
    ("2026-03-05 06:00", sh(5, 6)), ("３/２ 18:30", sh(2, 18, 30)),
])
def test_typed_times(text: str, expected: datetime) -> None:
    assert parse_when(text, NOW, SH) == expected


@pytest.mark.parametrize(("text", "code"), [
    ("soon", "when_format"), ("25:00", "when_format"), ("02-30 09:00", "when_format"), ("", "when_format"),
    ("2026-02-01 09:00", "when_past"), ("2028-01-01 09:00", "when_far"),
])
def test_bad_times(text: str, code: str) -> None:
    with pytest.raises(DomainError) as e:
        parse_when(text, NOW, SH)
    assert e.value.code == code


def test_a_date_without_a_year_that_has_passed_means_next_year() -> None:
    assert parse_when("02-28 09:00", NOW, SH).year == 2027


def test_repeats_stop_after_the_last_day() -> None:
    first = sh(2, 8)
    until = parse_until("03-04", first, SH)
    n = Notice(community_id=1, text="x", first_at=first, repeat="daily", repeat_until=until, timezone=SH)
    sends = [first]
    while (following := next_occurrence(n, sends[-1])) is not None:
        sends.append(following)
    assert sends == [sh(2, 8), sh(3, 8), sh(4, 8)]
    weekly = Notice(community_id=1, text="x", first_at=first, repeat="weekly",
                    repeat_until=parse_until("03-20", first, SH), timezone=SH)
    assert next_occurrence(weekly, first) == sh(9, 8)
    assert next_occurrence(Notice(community_id=1, text="x", first_at=first, timezone=SH), first) is None


@pytest.mark.parametrize(("text", "code"), [("12-40", "until_format"), ("tomorrow", "until_format"),
                                            ("2026-03-01", "until_before")])
def test_bad_last_days(text: str, code: str) -> None:
    with pytest.raises(DomainError) as e:
        parse_until(text, sh(2, 8), SH)
    assert e.value.code == code


def test_text_limits() -> None:
    assert clean_text("  Water off  ") == "Water off"
    for text, caption, code in (("   ", False, "notice_empty"), ("x" * 3501, False, "notice_too_long"),
                                ("x" * 901, True, "notice_too_long")):
        with pytest.raises(DomainError) as e:
            clean_text(text, caption=caption)
        assert e.value.code == code

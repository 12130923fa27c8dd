"""Someone to talk to: the crisis path from the button and from words, in each language."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from bot.support.rules import is_crisis
from models import OutboxMessage
from models.delivery import URGENT
from models.support import CrisisAlert, Screening, SupportRequest
from tests.flows.helpers import ADMIN_ID, consent, deliver, make_invite, register, texts_to


@pytest.mark.parametrize(("text", "crisis"), [
    ("我不想活了", True), ("我真的活不下去了", True), ("我想自殺", True), ("我想自杀", True),
    ("I want to kill myself", True), ("I DON’T WANT TO LIVE anymore", True), ("ｓｕｉｃｉｄｅ", True),
    ("笑死我了", False), ("this heat is killing me", False), ("电梯又坏了", False), ("I'm dying to see you", False),
    ("死亡人数又增加了", False), ("", False),
])
def test_clear_crisis_expressions_and_everyday_sentences(text: str, crisis: bool) -> None:
    assert is_crisis(text) is crisis


async def helpers_world(user_factory):
    admin = user_factory(user_id=ADMIN_ID)
    await register(admin, unit="9-901")
    counsellor, worker, other_grid = (user_factory(first_name="Kim"), user_factory(first_name="Lin"),
                                      user_factory(first_name="Ming"))
    await consent(counsellor, await make_invite(admin, "counsellor", "All of Yangguang"))
    await consent(worker, await make_invite(admin, "community worker", "Grid 1"))
    await consent(other_grid, await make_invite(admin, "community worker", "Grid 2"))
    return counsellor, worker, other_grid


async def test_the_crisis_button_gives_the_numbers_at_once_and_alerts_counsellor_and_duty_staff(bot, user_factory,
                                                                                               tg, session):
    counsellor, worker, other_grid = await helpers_world(user_factory)
    mei = user_factory(first_name="Mei")
    await register(mei, phone="+8613812345678")
    r = await mei.send("💬 Someone to talk to")
    assert "12356" in r.text
    r = await mei.press("I might hurt myself")
    assert "call 120" in r.text and "12356" in r.text and "will contact you soon" in r.text
    await deliver(bot)
    for helper in (counsellor, worker):
        alert = [t for t in texts_to(tg, helper) if "🆘" in t]
        assert alert and "Mei" in alert[-1] and "+86 138 1234 5678" in alert[-1]
    assert not any("🆘" in t for t in texts_to(tg, other_grid))
    session.expire_all()
    rows = (await session.exec(select(OutboxMessage).where(OutboxMessage.cause == "crisis"))).all()
    assert len(rows) == 2 and {r.priority for r in rows} == {URGENT}  # the counsellor and the grid's worker


async def test_words_of_crisis_are_answered_first_in_any_conversation_and_the_conversation_stays(bot, user_factory,
                                                                                                tg, session):
    counsellor, _worker, _other = await helpers_world(user_factory)
    mei, ka = user_factory(first_name="Mei"), user_factory(first_name="Ka")
    await register(mei)
    await register(ka, unit="3-301")
    await ka.send("/language")
    await ka.press("繁體中文")
    await mei.send("🌡 Health report")
    await mei.press("Full report")
    r = await mei.send("honestly I want to die")  # typed where the temperature is asked
    assert "call 120" in r.text
    r = await mei.send("36.8")  # the report goes on where it was
    assert "36.8 °C. Any of these?" in r.text
    r = await ka.send("我覺得活不下去了")
    assert "12356" in r.text and "120" in r.text
    r = await ka.send("我不想活了")  # again soon after: the numbers again, no second alarm
    assert "12356" in r.text
    await deliver(bot)
    alerts = [t for t in texts_to(tg, counsellor) if "🆘" in t]
    assert len(alerts) == 2  # one for Mei, one for Ka
    session.expire_all()
    rows = (await session.exec(select(CrisisAlert))).all()
    assert len(rows) == 2 and {r.source for r in rows} == {"words"}
    r = await mei.send("/deleteme")
    await mei.press("Yes, delete my data")
    session.expire_all()
    assert len((await session.exec(select(CrisisAlert))).all()) == 1


async def screen(user, answers: tuple[str, str, str, str]):
    await user.send("💬 Someone to talk to")
    r = await user.press("A short check on how I feel")
    assert "Over the last 2 weeks" in r.text and "1/4" in r.text
    for a in answers:
        r = await user.press(a)
    return r


async def test_the_screening_offers_a_counsellor_from_a_score_of_three_only_to_counsellors(bot, user_factory, tg,
                                                                                         session):
    counsellor, worker, _other = await helpers_world(user_factory)
    vol = user_factory(first_name="Vol")
    await consent(vol, await make_invite(user_factory(user_id=ADMIN_ID), "volunteer", "Grid 1"))
    mei, jun = user_factory(first_name="Mei"), user_factory(first_name="Jun")
    await register(mei, phone="+8613812345678")
    await register(jun, unit="3-301")
    # 1 + 1 and 1 + 1: below 3 on both, no offer.
    r = await screen(jun, ("Several days", "Several days", "Several days", "Several days"))
    assert "do not suggest you need more help" in r.text
    # 2 + 1 = 3 on PHQ-2: the offer.
    r = await screen(mei, ("More than half the days", "Several days", "Not at all", "Not at all"))
    assert "Would you like a counsellor" in r.text
    r = await mei.press("Yes, please call me")
    assert "you will be told who will call you" in r.text
    await deliver(bot)
    asks = [t for t in texts_to(tg, counsellor) if "asks for a counsellor's call" in t]
    assert asks and "PHQ-2: 3, GAD-2: 0" in asks[-1] and "Mei" not in asks[-1]  # who: only to the one who takes it
    for not_a_counsellor in (worker, vol, jun):
        assert not any("asks for a counsellor's call" in t for t in texts_to(tg, not_a_counsellor))
        assert "permission" in (await not_a_counsellor.press_data("cb:take:1")).alert  # forged
    r = await counsellor.press("I'll call")
    assert "Please call Mei" in r.text and "+86 138 1234 5678" in r.text
    assert "already taken this call" in (await counsellor.press_data("cb:take:1")).alert  # their own second tap
    await deliver(bot)
    assert any("a counsellor of your community, will call you" in t for t in texts_to(tg, mei))
    r = await counsellor.press("We talked")
    assert "Closed" in r.text
    session.expire_all()
    assert sorted((s.phq2, s.gad2) for s in (await session.exec(select(Screening))).all()) == [(2, 2), (3, 0)]
    req = (await session.exec(select(SupportRequest))).one()
    assert (req.status, req.outcome) == ("closed", "talked")
    await mei.send("/mydata")
    data = json.loads(tg.files["my-data.json"])
    assert data["screenings"][0]["phq2"] == 3 and data["support_requests"][0]["outcome"] == "talked"


async def test_self_help_in_each_language_and_the_breathing_exercise_paced(bot, user_factory, tg, clock, session):
    mei, ka, wu = user_factory(first_name="Mei"), user_factory(first_name="Ka"), user_factory(first_name="Wu")
    for u, unit, lang in ((mei, "2-502", "简体中文"), (ka, "3-301", "繁體中文"), (wu, "1-101", None)):
        await register(u, unit=unit)
        if lang:
            await u.send("/language")
            await u.press(lang)
    await mei.send("💬 找人聊聊")
    r = await mei.press("睡不好")
    assert "同一时间起床" in r.text
    await ka.send("💬 找人聊聊")
    r = await ka.press("照顧家裡的長輩")
    assert "志工" in r.text
    await wu.send("💬 Someone to talk to")
    r = await wu.press("Talking with children")
    assert "Tell the truth" in r.text
    await wu.press("Breathe slowly with me")
    session.expire_all()
    waiting = (await session.exec(select(OutboxMessage).where(OutboxMessage.cause == "breathing")
                                  .order_by(OutboxMessage.not_before))).all()
    gaps = [(m.not_before - clock.now()).total_seconds() for m in waiting]
    assert gaps == [0, 8, 16, 24, 32, 40, 48]  # a pause between steps, kept in the database
    clock.advance(seconds=60)
    await deliver(bot)
    steps = [t for t in texts_to(tg, wu) if t in {m.text for m in waiting}]
    assert steps[0].startswith("Sit or lie down") and steps[-1].startswith("Well done") and len(steps) == 7

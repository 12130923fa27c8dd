"""The self-help texts, rewritten from the chat by a community's counsellors and admins: residents of that
community read them in their language at once; the other languages and the shipped text stay; going back."""

from __future__ import annotations

from sqlmodel import select

from models import OutboxMessage
from tests.features.support.test_flow import helpers_world
from tests.flows.helpers import register


async def test_a_counsellor_rewrites_a_topic_and_the_breathing_steps_for_the_community(bot, user_factory, tg,
                                                                                      session):
    counsellor, worker, _other = await helpers_world(user_factory)
    mei, li = user_factory(first_name="Mei"), user_factory(first_name="Li")
    await register(mei)
    await register(li, unit="3-301")
    await li.send("/language")
    await li.press("简体中文")
    r = await counsellor.send("/selfhelp")
    assert "Which self-help text" in r.text
    await counsellor.press("Sleeping badly")
    r = await counsellor.press("English")
    assert any("Get up and go to bed at the same times" in t for t in r.texts)  # what residents read now
    r = await counsellor.send("x" * 3501)
    assert "at most 3500 characters" in r.text
    r = await counsellor.send("Our clinic runs a sleep class on Tuesdays at 19:00, room 2. Call 6543 2100.")
    assert "Saved" in r.text
    await mei.send("💬 Someone to talk to")
    r = await mei.press("Sleeping badly")
    assert "sleep class on Tuesdays" in r.text
    await li.send("💬 找人聊聊")
    r = await li.press("睡不好")
    assert "每天尽量同一时间起床" in r.text  # the Chinese text was not rewritten

    await counsellor.send("/selfhelp")
    await counsellor.press("Breathe slowly")
    await counsellor.press("简体中文")
    r = await counsellor.send("only one step")
    assert "2 to 15 steps" in r.text
    await counsellor.send("慢慢吸气\n\n慢慢呼气\n很好")
    await li.send("💬 找人聊聊")
    await li.press("一起慢慢呼吸")
    session.expire_all()
    steps = [o.text for o in (await session.exec(select(OutboxMessage).where(OutboxMessage.cause == "breathing")))
             .all()]
    assert steps == ["慢慢吸气", "慢慢呼气", "很好"]

    await counsellor.send("/selfhelp")
    await counsellor.press("Sleeping badly")
    await counsellor.press("English")
    r = await counsellor.press("Use the shipped text again")
    assert "shipped text again" in r.alert
    await mei.send("💬 Someone to talk to")
    r = await mei.press("Sleeping badly")
    assert "Get up and go to bed at the same times" in r.text

    r = await worker.send("/selfhelp")  # a community worker is not a counsellor or an admin
    assert "permission" in r.text
    r = await mei.press_data("sp:editlang:sleep|en")  # forged
    assert "Saved" not in r.text and r.alert

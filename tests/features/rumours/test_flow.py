"""'Is it true?' as residents use it, through the fake Bot API."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.rumours.rules import import_library_file
from models.rumours import RumourQuestion
from tests.flows.helpers import ADMIN_ID, consent, deliver, make_invite, register, texts_to

STARTER = Path(__file__).resolve().parents[3] / "examples" / "rumours.yaml"


async def library(bot) -> None:
    async with bot.app.sessionmaker() as s:
        await import_library_file(s, STARTER, bot.app.clock.now())


async def test_asking_in_each_language_and_script(bot, user_factory):
    await library(bot)
    mei, ka, wu = user_factory(first_name="Mei"), user_factory(first_name="Ka"), user_factory(first_name="Wu")
    for u, unit in ((mei, "2-502"), (ka, "3-301"), (wu, "1-101")):
        await register(u, unit=unit)
    r = await wu.send("❓ Is it true?")
    assert "forward the message here" in r.text
    r = await wu.send("Is it true that drinking hot water kills the virus?")
    assert "Here is what the authorities say" in r.text and "❌ False" in r.text
    assert "Hot water does not kill the virus" in r.text and "World Health Organization" in r.text
    await mei.send("/language")
    await mei.press("简体中文")
    r = await mei.send("/check 听说戴口罩时间长了会二氧化碳中毒？")
    assert "❌ 错误" in r.text and "不会造成二氧化碳中毒" in r.text
    await ka.send("/language")
    await ka.press("繁體中文")
    await ka.send("❓ 消息是真的嗎？")
    forwarded = ("【轉發】各位鄰居注意！！聽說明天開始整棟樓都要封了，大家趕快去超市囤米囤油，晚了就買不到了🙏🙏 "
                 "請轉給家人朋友")
    r = await ka.send(forwarded)
    assert "未經證實" in r.text and "以社區居委會的正式通知為準" in r.text


async def test_what_the_library_cannot_answer_waits_for_staff(bot, user_factory, session):
    await library(bot)
    mei = user_factory(first_name="Mei")
    await register(mei)
    r = await mei.send("/check Is the new bakery on Fifth Street open on Sundays?")
    assert "I do not know this one yet" in r.text and "You will be told when they answer" in r.text
    r = await mei.send("/check")
    assert "forward the message here" in r.text
    r = await mei.send("/menu")  # a command leaves the question unasked
    session.expire_all()
    questions = (await session.exec(select(RumourQuestion))).all()
    assert [(q.text, q.status) for q in questions] == [
        ("Is the new bakery on Fifth Street open on Sundays?", "open")]


async def test_staff_answer_a_question_and_everyone_who_asked_it_is_told(bot, user_factory, tg, session):
    await library(bot)
    admin = user_factory(user_id=ADMIN_ID)
    await register(admin, unit="9-901")
    lin = user_factory(first_name="Lin")
    await consent(lin, await make_invite(admin, "community worker", "All of Yangguang"))
    grid_worker = user_factory(first_name="Gao")
    await consent(grid_worker, await make_invite(admin, "community worker", "Grid 1"))
    mei, ka, wu = user_factory(first_name="Mei"), user_factory(first_name="Ka"), user_factory(first_name="Wu")
    for u, unit in ((mei, "2-502"), (ka, "3-301"), (wu, "1-101")):
        await register(u, unit=unit)
    await ka.send("/language")
    await ka.press("繁體中文")
    await mei.send("/check The water in building 3 is poisoned, don't drink it")
    await ka.send("/check 聽說三號樓的水有毒不能喝")
    await wu.send("/check Is the water in building 3 poisoned?")
    r = await lin.send("/rumours")
    assert "Waiting for an answer: 3." in r.texts[0]
    assert "permission" in (await grid_worker.press_data("rq:write:1:0:")).alert  # not community-wide
    assert "don't have permission" in (await mei.send("/rumours")).text
    assert "permission" in (await mei.press_data("rq:close:1:0:")).alert  # forged by a resident
    await lin.press_data("rq:write:1:0:")
    await lin.press("False")
    r = await lin.send("The water was tested this morning and is safe to drink.")
    assert "Name the source" in r.text
    r = await lin.send("Yangguang neighbourhood committee, water test of 3 December https://example.org/water")
    assert "Saved in the library. 2 people" in r.text  # Mei's and Wu's alike; Ka's in Chinese is not
    await deliver(bot)
    for u in (mei, wu):
        told = texts_to(tg, u)[-1]
        assert "The community staff have answered" in told and "tested this morning and is safe" in told
        assert "https://example.org/water" in told
    assert not any("answered" in t for t in texts_to(tg, ka))
    r = await lin.send("/rumours")
    assert "Waiting for an answer: 1." in r.texts[0]
    await lin.press("Link an entry")
    r = await lin.press("0.")  # the closest: the entry just written
    assert "Answered. 1 people" in r.text
    await deliver(bot)
    assert "社區工作人員已答覆" in texts_to(tg, ka)[-1]
    assert "already been handled" in (await lin.press_data("rq:close:1:0:")).alert
    session.expire_all()
    assert {q.status for q in (await session.exec(select(RumourQuestion))).all()} == {"answered"}


GROUP = -100777


async def test_the_group_watch_corrects_a_rumour_once_a_day_and_leaves_everything_else_alone(bot, user_factory, tg,
                                                                                          clock):
    await library(bot)
    admin = user_factory(user_id=ADMIN_ID)
    await register(admin, unit="9-901")
    lin = user_factory(first_name="Lin")
    await consent(lin, await make_invite(admin, "community worker", "Grid 1"))
    mei, jun = user_factory(first_name="Mei"), user_factory(first_name="Jun")
    await register(mei)
    await register(jun, unit="3-301")
    r = await lin.send_in_group(GROUP, "/rumourwatch on")
    assert "not bound" in r.text
    await lin.send_in_group(GROUP, "/bind")
    await lin.press_in_group(GROUP, "Building 1")
    r = await mei.send_in_group(GROUP, "/rumourwatch on")
    assert "Only community staff" in r.text
    rumour = "Drinking hot water kills the coronavirus, pass it on!!"
    assert (await mei.send_in_group(GROUP, rumour)).calls == []  # the watch is off: silence
    r = await lin.send_in_group(GROUP, "/rumourwatch on")
    assert "Rumour watch is on" in r.text
    r = await mei.send_in_group(GROUP, rumour)
    reply = r.calls[-1]
    assert "❌" in reply.text and "Hot water does not kill the virus" in reply.text
    assert reply.params.get("reply_parameters") or reply.params.get("reply_to_message_id")
    assert (await jun.send_in_group(GROUP, "Drinking hot water kills the coronavirus")).calls == []  # once a day
    for chatter in ("who has a spare charger", "the lift is broken again", "电梯又坏了", "谢谢大家"):
        assert (await jun.send_in_group(GROUP, chatter)).calls == [], chatter
    assert (await lin.send_in_group(GROUP, "Smokers are less likely to catch COVID-19")).calls == []  # staff
    r = await jun.send_in_group(GROUP, "Smokers are less likely to catch COVID-19, light up!")
    assert "Smoking does not protect" in r.text
    clock.advance(hours=24)
    r = await jun.send_in_group(GROUP, rumour)  # the next day: once more
    assert "Hot water does not kill the virus" in r.text
    r = await lin.send_in_group(GROUP, "/rumourwatch off")
    assert "Rumour watch is off" in r.text
    assert (await mei.send_in_group(GROUP, "Smokers are less likely to catch COVID-19")).calls == []


async def test_staff_keep_the_library_and_publish_a_correction(bot, user_factory, tg, session, clock):
    from bot.platform.scheduling.due import DueWorkRunner
    from bot.platform.scheduling.registry import HANDLERS
    from models.rumours import RumourEntry

    await library(bot)
    admin = user_factory(user_id=ADMIN_ID)
    await register(admin, unit="9-901")
    lin, gao = user_factory(first_name="Lin"), user_factory(first_name="Gao")
    await consent(lin, await make_invite(admin, "community worker", "All of Yangguang"))
    await consent(gao, await make_invite(admin, "community worker", "Grid 1"))
    mei, wu = user_factory(first_name="Mei"), user_factory(first_name="Wu")
    await register(mei)
    await register(wu, unit="1-101")
    far = user_factory(first_name="Far")
    await register(far, grid="Grid 2", building="Building 5", unit="1-101")
    # A community entry, written from a question.
    await wu.send("/check The water in building 3 is poisoned, don't drink it")
    await lin.send("/rumours")
    await lin.press_data("rq:write:1:0:")
    await lin.press("False")
    await lin.send("The water was tested this morning and is safe to drink.")
    await lin.send("Yangguang neighbourhood committee")
    entry = (await session.exec(select(RumourEntry).where(RumourEntry.community_id.is_not(None)))).one()
    r = await lin.send("/rumours tap water poisoned")
    assert f"#{entry.id}" in " ".join(r.inline_buttons())
    r = await lin.press(f"#{entry.id}")
    assert "Another phrasing" in " ".join(r.inline_buttons())
    r = await gao.send("/rumours tap water poisoned")  # a grid worker may look, not keep
    await gao.press(f"#{entry.id}")
    assert "Another phrasing" not in " ".join(gao.buttons_on_screen())
    assert "permission" in (await gao.press_data(f"re:withdraw:{entry.id}:0")).alert
    assert "permission" in (await lin.press_data("re:withdraw:1:0")).alert  # everyone's entry: the bot's admins'
    await lin.press_data(f"re:phrase:{entry.id}:0")
    r = await lin.send("Don't drink the tap water, it is contaminated")
    assert "recognised when people say it that way" in r.text
    r = await mei.send("/check is the tap water contaminated? don't drink it")
    assert "safe to drink" in r.text
    # Published later: the time is asked, a bad one asked again, then the notice goes out at that time.
    r = await lin.press_data(f"re:later:{entry.id}:0")
    assert "To whom?" in r.text and "Building 1" in " ".join(r.inline_buttons())
    await lin.press("Building 1")
    r = await lin.send("yesterday")
    assert "like 18:30" in r.text
    r = await lin.send((clock.now() + timedelta(hours=2)).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%H:%M"))
    assert "is scheduled" in r.text
    runner = DueWorkRunner(bot.app.sessionmaker, bot.app.clock, HANDLERS)
    clock.advance(hours=2, minutes=1)
    await runner.sweep()
    await deliver(bot)
    assert any("safe to drink" in t and "❌" in t for t in texts_to(tg, mei))  # Building 1
    assert not any("safe to drink" in t for t in texts_to(tg, far))  # Building 5: not in the audience
    r = await lin.press_data(f"re:publish:{entry.id}:0")
    r = await lin.press("My whole area")
    assert "Published as notice" in r.text
    # Withdrawn: it answers nobody any more.
    await lin.press_data(f"re:withdraw:{entry.id}:0")
    r = await lin.press("Yes")
    assert "withdrawn" in r.text
    r = await mei.send("/check Don't drink the tap water, it is contaminated")
    assert "safe to drink" not in r.text


async def test_the_weekly_digest_reaches_who_asked_for_it_and_the_bound_groups(bot, user_factory, tg, clock,
                                                                               session):
    from bot.platform.scheduling.due import DueWorkRunner
    from bot.platform.scheduling.registry import HANDLERS
    from models import DueWork

    await library(bot)
    admin = user_factory(user_id=ADMIN_ID)
    await register(admin, unit="9-901")
    lin = user_factory(first_name="Lin")
    await consent(lin, await make_invite(admin, "community worker", "Grid 1"))
    mei, jun, wu = user_factory(first_name="Mei"), user_factory(first_name="Jun"), user_factory(first_name="Wu")
    for u, unit in ((mei, "2-502"), (jun, "3-301"), (wu, "1-101")):
        await register(u, unit=unit)
    await lin.send_in_group(GROUP, "/bind")
    await lin.press_in_group(GROUP, "Building 1")
    await mei.send("❓ Is it true?")
    r = await mei.press("Send me the weekly digest")
    assert "You will get the weekly digest" in r.alert
    assert "Stop the weekly digest" in " ".join(mei.buttons_on_screen())
    assert "no longer active" not in (await mei.press_data("rd:1")).alert  # pressed twice: still on, once
    await jun.send("❓ Is it true?")
    await jun.press("Send me the weekly digest")
    await jun.press("Stop the weekly digest")
    await wu.send("/check Is it true that drinking hot water kills the virus?")
    await wu.send("/check hot water kills covid right")
    await wu.send("/check do masks cause carbon dioxide poisoning")
    session.expire_all()
    booked = (await session.exec(select(DueWork).where(DueWork.kind == "rumour_digest"))).all()
    assert len(booked) == 1  # one per community, however many ask
    runner = DueWorkRunner(bot.app.sessionmaker, bot.app.clock, HANDLERS)
    local = booked[0].due_at.astimezone(ZoneInfo("Asia/Shanghai"))
    assert (local.weekday(), local.strftime("%H:%M")) == (0, "09:00")  # Monday 09:00, the community's time
    clock.advance(seconds=(booked[0].due_at - clock.now()).total_seconds() + 60)
    await runner.sweep()
    await deliver(bot)
    digest = [t for t in texts_to(tg, mei) if "This week's rumours, checked" in t]
    assert len(digest) == 1
    assert digest[0].index("Hot water does not kill") < digest[0].index("carbon dioxide poisoning")  # most asked
    assert "(asked 2 times this week)" in digest[0]
    assert any("This week's rumours, checked" in t for t in texts_to(tg, GROUP))  # the group: bound in English
    assert not any("This week's rumours" in t for t in texts_to(tg, jun))  # opted out
    assert not any("This week's rumours" in t for t in texts_to(tg, wu))  # never asked for it
    session.expire_all()
    pending = (await session.exec(select(DueWork).where(DueWork.kind == "rumour_digest",
                                                        DueWork.status == "pending"))).all()
    assert len(pending) == 1 and pending[0].due_at > clock.now()  # next week's booked

"""Nothing waits unseen: escalation, reminders and auto-confirmation, with a controllable clock."""

from __future__ import annotations

from sqlmodel import select

from bot.platform.scheduling.due import DueWorkRunner
from bot.platform.scheduling.registry import HANDLERS
from models import Task
from tests.flows.helpers import ADMIN_ID, ask, consent, deliver, go_on_duty, make_invite, register, texts_to


async def setup(bot, user_factory, *, urgency: str = "Normal"):
    admin = user_factory(user_id=ADMIN_ID)
    await register(admin, unit="9-901")
    vol_g1 = await make_invite(admin, "volunteer", "Grid 1", uses="Up to 10 people")
    vol_g2 = await make_invite(admin, "volunteer", "Grid 2", uses="Up to 10 people")
    staff_g1 = await make_invite(admin, "community worker", "Grid 1")
    wei, lan, boss = user_factory(first_name="Wei"), user_factory(first_name="Lan"), user_factory(first_name="Boss")
    await consent(wei, vol_g1)
    await consent(lan, vol_g2)
    await consent(boss, staff_g1)
    for v in (wei, lan):
        await go_on_duty(v)
    granny = user_factory(first_name="Granny")
    await register(granny)
    await ask(granny, "rice", urgency=urgency)
    await deliver(bot)
    runner = DueWorkRunner(bot.app.sessionmaker, bot.app.clock, HANDLERS)
    return wei, lan, boss, granny, runner



async def test_unclaimed_work_goes_community_wide_and_to_grid_staff(bot, user_factory, tg, clock):
    wei, lan, boss, _granny, runner = await setup(bot, user_factory)
    assert any("New task" in t for t in texts_to(tg, wei))
    assert not any("New task" in t for t in texts_to(tg, lan))  # another grid: not yet
    clock.advance(minutes=29)
    assert (await runner.sweep()).done == 0
    clock.advance(minutes=2)
    assert (await runner.sweep()).done == 1
    await deliver(bot)
    assert any("New task" in t for t in texts_to(tg, lan))
    assert any("has not been taken by any volunteer for 31 minutes" in t for t in texts_to(tg, boss))
    assert sum("New task" in t for t in texts_to(tg, wei)) == 1  # not offered twice
    r = await lan.press("I'll take it")
    assert "You took S-0001" in r.text


async def test_urgent_requests_escalate_after_ten_minutes(bot, user_factory, tg, clock):
    _wei, lan, boss, _granny, runner = await setup(bot, user_factory, urgency="Urgent")
    clock.advance(minutes=11)
    assert (await runner.sweep()).done == 1
    await deliver(bot)
    assert any("New task" in t for t in texts_to(tg, lan))
    assert any("11 minutes" in t for t in texts_to(tg, boss))


async def test_claimed_but_not_picked_up_reminds_then_alerts_staff(bot, user_factory, tg, clock):
    wei, _lan, boss, _granny, runner = await setup(bot, user_factory)
    await wei.press("I'll take it")
    await deliver(bot)
    clock.advance(hours=2, minutes=1)
    await runner.sweep()  # the unclaimed check finds it claimed (nothing), the reminder goes out
    await deliver(bot)
    assert any("Reminder: S-0001 is waiting to be picked up" in t for t in texts_to(tg, wei))
    assert not any("has not been picked up" in t for t in texts_to(tg, boss))
    clock.advance(minutes=31)
    await runner.sweep()
    await deliver(bot)
    assert any("S-0001 was claimed 3 hours ago but has not been picked up" in t for t in texts_to(tg, boss))


async def test_picking_up_in_time_means_no_staff_alert(bot, user_factory, tg, clock):
    wei, _lan, boss, _granny, runner = await setup(bot, user_factory)
    await wei.press("I'll take it")
    clock.advance(hours=2, minutes=1)
    await runner.sweep()
    await wei.press("Picked up")
    clock.advance(minutes=31)
    await runner.sweep()
    await deliver(bot)
    assert not any("has not been picked up" in t for t in texts_to(tg, boss))


async def test_delivery_is_confirmed_automatically_after_a_day(bot, user_factory, tg, clock):
    wei, _lan, _boss, _granny, runner = await setup(bot, user_factory)
    await wei.press("I'll take it")
    await wei.press("Picked up")
    await wei.press("Delivered")
    clock.advance(hours=23)
    await runner.sweep()
    async with bot.app.sessionmaker() as s:
        assert (await s.exec(select(Task))).one().status == "delivered"
    clock.advance(hours=2)
    await runner.sweep()
    async with bot.app.sessionmaker() as s:
        assert (await s.exec(select(Task))).one().status == "confirmed"

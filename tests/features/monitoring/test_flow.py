"""Home monitoring through the real stack, time driven by the fake clock (it starts at 08:00 in Shanghai):
start it, reminders at 20:00, a second one at 22:00, a check-in call at 23:00, outcomes, a late report,
the end of the period, early stop, restarts, and the daily check-in for everyone."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlmodel import select

from bot.platform.scheduling.due import DueWorkRunner
from bot.platform.scheduling.registry import HANDLERS
from models import DueWork, Monitoring, Task
from tests.flows.helpers import ADMIN_ID, consent, deliver, full_report, go_on_duty, make_invite, register, texts_to


async def world(bot, user_factory):
    """Admin; the doctor of grid 1; a worker of grid 2; a phone volunteer of grid 1 on duty; Mei in grid 1."""
    admin = user_factory(user_id=ADMIN_ID)
    await register(admin, unit="9-901")
    doctor, other, vol = (user_factory(first_name=n) for n in ("Doc", "Other", "Vol"))
    await consent(doctor, await make_invite(admin, "community doctor", "Grid 1"))
    await consent(other, await make_invite(admin, "community worker", "Grid 2"))
    await consent(vol, await make_invite(admin, "volunteer", "Grid 1"))
    await go_on_duty(vol)
    await vol.press("Phone follow-up")
    mei = user_factory(first_name="Mei")
    await register(mei)
    runner = DueWorkRunner(bot.app.sessionmaker, bot.app.clock, HANDLERS)
    return admin, doctor, other, vol, mei, runner


async def start_monitoring(doctor, *, unit: str = "2-502", who: str = "Mei Li", days: str = "14",
                           reason: str = "close contact of a confirmed case"):
    r = await doctor.send("/monitor")
    assert "Under home monitoring in your area" in r.text
    await doctor.press("Start home monitoring")
    await doctor.press("Building 1")
    await doctor.send(unit)
    await doctor.press(who)
    await doctor.press(days) if days in ("7", "14", "21") else await doctor.send(days)
    await doctor.send(reason)
    return await doctor.press("Start")


async def test_a_doctor_puts_a_resident_under_monitoring_and_the_resident_is_told(bot, user_factory, tg, session):
    _admin, doctor, other, _vol, mei, _runner = await world(bot, user_factory)
    r = await doctor.send("/monitor")
    assert "Under home monitoring in your area: 0" in r.text
    await doctor.press("Start home monitoring")
    r = await doctor.press("Building 1")
    assert "type the unit and room" in r.text
    r = await doctor.send("7-707")
    assert "Nobody is registered at unit 7-707" in r.text  # asked again, nothing lost
    r = await doctor.send("2-502")
    assert "Who is to be monitored?" in r.text
    await doctor.press("Mei Li")
    for bad, expected in [("0", "from 1 to 60"), ("two weeks", "whole number of days"), ("99", "from 1 to 60")]:
        r = await doctor.send(bad)
        assert expected in r.text, (bad, r.text)
    r = await doctor.send("10")
    assert "Why?" in r.text
    r = await doctor.send("   ")
    assert "short reason" in r.text
    r = await doctor.send("close contact of a confirmed case")
    assert "Days: 10" in r.text and "Reminders at: 08:00 / 20:00" in r.text
    r = await doctor.press("Start")
    assert "Home monitoring started for Mei Li until 2026-03-11" in r.text
    await deliver(bot)
    told = [t for t in texts_to(tg, mei) if "home monitoring for 10 days" in t]
    assert told and "close contact" in told[0] and "08:00 / 20:00" in told[0] and "120" in told[0]
    assert "2 times a day, at 08:00 / 20:00" in told[0]  # from the settings, not a fixed "twice"
    m = (await session.exec(select(Monitoring))).one()
    assert m.status == "active" and m.days == 10
    slots = (await session.exec(select(DueWork).where(DueWork.kind == "mon_slot"))).all()
    assert len(slots) == 19  # started at 08:00: 20:00 today ... 20:00 on day 10; it ends at 08:00 on day 11
    r = await doctor.send("/monitor")
    assert "Under home monitoring in your area: 1" in r.text and "Mei Li" in r.text and "2-502" in r.text
    # Again: refused politely as soon as she is chosen. Another grid's worker sees nobody and cannot stop it.
    await doctor.send("/monitor")
    await doctor.press("Start home monitoring")
    await doctor.press("Building 1")
    await doctor.send("2-502")
    r = await doctor.press("Mei Li")
    assert "Already under home monitoring" in r.alert
    assert "in your area: 0" in (await other.send("/monitor")).text
    r = await other.press_data(f"mon:stop:{m.id}")
    assert "permission" in r.alert
    assert "permission" in (await mei.send("/monitor")).text


async def test_a_building_of_another_grid_is_refused_even_if_forged(bot, user_factory, session):
    _admin, _doctor, other, _vol, _mei, _runner = await world(bot, user_factory)
    await other.send("/monitor")
    r = await other.press("Start home monitoring")
    assert "Building 1" not in r.inline_buttons() and "Building 5" in r.inline_buttons()
    r = await other.press_data("mon:b:1")  # Building 1 is in grid 1
    assert "permission" in r.alert


async def test_a_silent_slot_reminds_twice_then_a_volunteer_calls(bot, user_factory, tg, clock, session):
    _admin, doctor, other, vol, mei, runner = await world(bot, user_factory)
    await start_monitoring(doctor)
    clock.advance(hours=11, minutes=59)  # 19:59
    assert (await runner.sweep()).done == 0
    clock.advance(minutes=1)  # 20:00
    await runner.sweep()
    await deliver(bot)
    assert sum("Time for the 20:00 health report" in t for t in texts_to(tg, mei)) == 1
    clock.advance(hours=2)  # 22:00
    await runner.sweep()
    await deliver(bot)
    assert sum("Second reminder: the 20:00 health report" in t for t in texts_to(tg, mei)) == 1
    assert not any("check-in call" in t for t in texts_to(tg, vol))
    clock.advance(hours=1)  # 23:00
    await runner.sweep()
    await deliver(bot)
    offer = [t for t in texts_to(tg, vol) if "check-in call" in t]
    assert offer and "no health report from Building 1, unit 2-502 since 20:00" in offer[0]
    assert not any("check-in call" in t for t in texts_to(tg, other))  # another grid
    r = await doctor.send("/health")
    assert "Under home monitoring: 1. Missed report times today: 1." in r.text
    assert "Mei Li: no report for 20:00" in r.text and "C-0001 Mei Li — nobody has taken the call yet" in r.text
    r = await vol.press("I'll take it")
    assert "You took C-0001" in r.text and "Mei Li" in r.text
    r = await mei.press_data("task:unreached:1")  # forged by the resident
    assert "permission" in r.alert
    r = await vol.press("Could not reach")
    assert "C-0001 closed: could not reach them" in r.text
    await deliver(bot)
    assert any("could not reach Mei Li (Building 1, 2-502)" in t for t in texts_to(tg, doctor))
    r = await vol.press_data("task:reached:1")  # pressed twice
    assert "already been handled" in r.alert
    task = (await session.exec(select(Task).where(Task.kind == "checkin"))).one()
    assert task.outcome == "unreached"
    # Nothing more for that slot.
    clock.advance(hours=3)
    await runner.sweep()
    await deliver(bot)
    assert sum("20:00 health report" in t for t in texts_to(tg, mei)) == 2
    assert "C-0001" not in (await doctor.send("/health")).text


async def test_a_report_in_time_means_no_reminder_and_a_late_one_calls_off_the_call(bot, user_factory, tg, clock):
    _admin, doctor, _other, vol, mei, runner = await world(bot, user_factory)
    await start_monitoring(doctor)
    clock.advance(hours=11, minutes=30)  # 19:30: half an hour early counts for 20:00
    await mei.send("🌡 Health report")
    await mei.press("I'm well today")
    clock.advance(hours=4)  # past the whole evening slot
    for _ in range(3):
        await runner.sweep()
    await deliver(bot)
    assert not any("health report (home monitoring)" in t or "Second reminder" in t for t in texts_to(tg, mei))
    assert not any("check-in call" in t for t in texts_to(tg, vol))
    # Next morning: silent at 08:00 -> 11:00 a call is offered; then Mei answers the reminder.
    clock.advance(hours=8, minutes=30)  # 08:00
    await runner.sweep()
    await deliver(bot)
    r = await mei.press("Report now")
    assert "What is the temperature?" in r.text
    clock.advance(hours=3)
    for _ in range(3):
        await runner.sweep()
    await deliver(bot)
    assert any("since 08:00" in t for t in texts_to(tg, vol))
    r = await full_report(mei, "36.6", start=False)
    assert "Saved" in r.text
    await deliver(bot)
    assert any("C-0001: the resident has just sent their health report, so no call is needed" in t
               for t in texts_to(tg, vol))
    r = await vol.press_data("task:claim:1")
    assert "already been handled" in r.alert or "already taken" in r.alert


async def test_a_relative_is_reminded_for_a_member_without_telegram(bot, user_factory, tg, clock):
    _admin, doctor, _other, _vol, _mei, runner = await world(bot, user_factory)
    son = user_factory(first_name="Son")
    await register(son, unit="3-301")
    await son.send("🏠 My household")
    await son.press("Add a member without Telegram")
    await son.send("Grandma Wang")
    await start_monitoring(doctor, unit="3-301", who="Grandma Wang")
    await deliver(bot)
    assert any(t.startswith("For Grandma Wang:") and "home monitoring" in t for t in texts_to(tg, son))
    clock.advance(hours=12)
    await runner.sweep()
    await deliver(bot)
    assert any("For Grandma Wang: ⏰ Time for the 20:00 health report" in t for t in texts_to(tg, son))
    r = await son.press("Report now")
    assert "Reporting for Grandma Wang" in r.text


async def test_monitoring_ends_by_itself_and_can_be_ended_early(bot, user_factory, tg, clock, session):
    _admin, doctor, _other, _vol, mei, runner = await world(bot, user_factory)
    jun = user_factory(first_name="Jun")
    await register(jun, unit="3-303")
    await start_monitoring(doctor, days="1")
    await start_monitoring(doctor, unit="3-303", who="Jun Li", days="7")
    await deliver(bot)
    clock.advance(days=1, minutes=1)
    # A report each slot: the only messages are the end.
    await mei.send("🌡 Health report")
    await mei.press("I'm well today")
    for _ in range(4):
        await runner.sweep()
    await deliver(bot)
    assert any("Your home monitoring (1 day) is over" in t for t in texts_to(tg, mei))
    # Early stop of Jun's, with confirmation; he is told; no reminder comes after.
    r = await doctor.send("/monitor")
    assert "in your area: 1" in r.text and "Jun Li" in r.text
    r = await doctor.press("End early: Jun Li")
    assert "End home monitoring for Jun Li now?" in r.text
    r = await doctor.press("Yes, end it")
    assert "Home monitoring for Jun Li has ended" in r.text
    r = await doctor.press_data("mon:stopok:2")  # pressed twice
    assert "already been handled" in r.alert
    await deliver(bot)
    assert any("The community has ended your home monitoring" in t for t in texts_to(tg, jun))
    before = len(texts_to(tg, jun))
    clock.advance(days=2)
    for _ in range(3):
        await runner.sweep()
    await deliver(bot)
    assert len(texts_to(tg, jun)) == before
    pending = (await session.exec(select(DueWork).where(DueWork.status == "pending",
                                                        DueWork.kind.in_(("mon_slot", "mon_end"))))).all()
    assert pending == []


async def test_the_doctor_starts_monitoring_from_a_health_follow_up(bot, user_factory, tg, session):
    _admin, doctor, _other, _vol, mei, _runner = await world(bot, user_factory)
    await full_report(mei, "38.2", test="Antigen test: positive")
    await deliver(bot)
    await doctor.press("I'll call them")
    r = await doctor.press("Home monitoring")
    assert "For how many days?" in r.text
    await doctor.press("14")
    await doctor.send("antigen positive")
    r = await doctor.press("Start")
    assert "Home monitoring started for Mei Li" in r.text
    r = await doctor.press("Home monitoring")  # the follow-up's button, pressed again
    assert "Already under home monitoring" in r.alert
    r = await mei.press_data(f"mon:person:{(await session.exec(select(Monitoring))).one().person_id}")
    assert "permission" in r.alert


async def test_a_restart_after_a_missed_slot_neither_forgets_it_nor_sends_stale_reminders(
        start_bot, structure, user_factory, tg, clock):
    running = await start_bot()
    _admin, doctor, _other, vol, mei, _runner = await world(running, user_factory)
    await start_monitoring(doctor)
    await deliver(running)
    await running.stop()  # 08:00: the process goes down with the evening's reminders pending
    clock.advance(hours=15, minutes=30)  # back at 23:30: the reminders' moments have passed
    running = await start_bot()
    runner = DueWorkRunner(running.app.sessionmaker, running.app.clock, HANDLERS)
    for _ in range(3):
        await runner.sweep()
    await deliver(running)
    assert not any("20:00 health report" in t for t in texts_to(tg, mei))
    assert any("since 20:00" in t for t in texts_to(tg, vol))


async def test_a_short_outage_still_sends_the_reminder_once(start_bot, structure, user_factory, tg, clock):
    running = await start_bot()
    _admin, doctor, _other, _vol, mei, _runner = await world(running, user_factory)
    await start_monitoring(doctor)
    await running.stop()
    clock.advance(hours=12, minutes=40)  # down over 20:00, back at 20:40
    running = await start_bot()
    one = DueWorkRunner(running.app.sessionmaker, running.app.clock, HANDLERS)
    two = DueWorkRunner(running.app.sessionmaker, running.app.clock, HANDLERS)
    await asyncio.gather(one.sweep(), two.sweep())  # two runners at once (a lease normally prevents it)
    await deliver(running)
    assert sum("Time for the 20:00 health report" in t for t in texts_to(tg, mei)) == 1


async def test_the_daily_check_in_reminds_everyone_who_has_not_reported(bot, user_factory, tg, clock):
    admin, doctor, _other, _vol, mei, runner = await world(bot, user_factory)
    jun, lan = user_factory(first_name="Jun"), user_factory(first_name="Lan")
    await register(jun, unit="3-303")
    await register(lan, unit="4-404")
    await start_monitoring(doctor, unit="4-404", who="Lan Li")
    r = await doctor.send("/checkin")
    assert "permission" in r.text  # the switch is for community-wide staff
    r = await admin.send("/checkin")
    assert "Daily check-in reminder" in r.text and "OFF" in r.text
    r = await admin.press("Switch on")
    assert "ON" in r.text
    await jun.send("🌡 Health report")
    clock.advance(minutes=30)
    await jun.press("I'm well today")  # 08:30: already reported today
    clock.advance(minutes=30)  # 09:00
    await runner.sweep()
    await deliver(bot)
    assert any("Daily check-in" in t for t in texts_to(tg, mei))
    assert not any("Daily check-in" in t for t in texts_to(tg, jun))
    assert not any("Daily check-in" in t for t in texts_to(tg, lan))  # monitored: has her own reminders
    r = await mei.press("I'm well today")
    assert "Saved" in r.text
    await admin.send("/checkin")
    await admin.press("Switch off")
    clock.advance(days=1)
    await runner.sweep()
    await deliver(bot)
    assert sum("Daily check-in" in t for t in texts_to(tg, mei)) == 1


async def test_one_tap_check_in_from_the_main_menu_while_it_is_due(bot, user_factory, tg, clock, session):
    from models import HealthReport

    admin, doctor, _other, _vol, mei, _runner = await world(bot, user_factory)
    well = "✅ I'm well today"
    jun = user_factory(first_name="Jun")
    await register(jun, unit="3-303")
    r = await mei.send("/menu")
    assert well not in r.reply_buttons()  # calm times: no daily check-in, so no button
    await start_monitoring(doctor, unit="3-303", who="Jun Li")
    r = await jun.send("/menu")
    assert r.reply_buttons()[0] == well  # under home monitoring: due twice a day, so offered
    await admin.send("/checkin")
    await admin.press("Switch on")
    r = await mei.send("/menu")
    assert r.reply_buttons()[0] == well  # on top, on a row of its own
    r = await mei.send(well)  # one tap from the main menu
    assert "Saved" in r.text and well not in r.reply_buttons()
    r = await mei.send(well)  # a double tap, or the old keyboard
    assert "already in" in r.text and well not in r.reply_buttons()
    reports = (await session.exec(select(HealthReport))).all()
    assert len(reports) == 1 and reports[0].temperature_c is None and not reports[0].abnormal
    r = await mei.send("/menu")
    assert well not in r.reply_buttons()  # reported today
    clock.advance(days=1)
    r = await mei.send("/menu")
    assert r.reply_buttons()[0] == well  # a new day
    await mei.send("/language")
    r = await mei.press("简体中文")  # the menu is redrawn in her language, the button still on top
    assert r.reply_buttons()[0] == "✅ 我今天身体很好", r.reply_buttons()
    r = await mei.send("✅ 我今天身体很好")
    assert r.text.startswith("已保存"), r.text


@pytest.mark.parametrize("minutes_late", [10, 200])
async def test_the_daily_check_in_is_not_sent_hours_late(bot, user_factory, tg, clock, minutes_late):
    admin, _doctor, _other, _vol, mei, runner = await world(bot, user_factory)
    await admin.send("/checkin")
    await admin.press("Switch on")
    clock.advance(hours=1, minutes=minutes_late)  # the runner was down over 09:00
    await runner.sweep()
    await deliver(bot)
    assert any("Daily check-in" in t for t in texts_to(tg, mei)) == (minutes_late < 180)


async def test_mydata_shows_health_data_and_deleteme_erases_it_with_open_requests(bot, user_factory, tg, session):
    from models import HealthReport, Household, Person, Task
    from tests.flows.helpers import ask

    _admin, doctor, _other, _vol, mei, _runner = await world(bot, user_factory)
    await mei.send("🏠 My household")
    await mei.press("Add a member without Telegram")
    await mei.send("Grandma Wang")
    await full_report(mei, "38.4")
    await start_monitoring(doctor)
    await ask(mei, "rice")
    r = await mei.send("/mydata")
    assert "Health reports kept (deleted after the retention period): 1" in r.text
    assert "Home monitoring: 2026-03-01 to 2026-03-15 (close contact of a confirmed case)" in r.text
    data = json.loads(tg.files["my-data.json"])
    assert data["health_reports"][0]["temperature_c"] == 38.4 and data["home_monitoring"][0]["status"] == "active"
    await mei.send("/deleteme")
    r = await mei.press("Yes, delete my data")
    assert "has been erased" in r.text
    session.expire_all()
    assert (await session.exec(select(HealthReport))).all() == []
    assert (await session.exec(select(Monitoring))).all() == []
    assert (await session.exec(select(Household).where(Household.unit == "2-502"))).all() == []
    assert all(p.full_name is None for p in (await session.exec(select(Person).where(
        Person.deleted_at.is_not(None)))).all())
    tasks = (await session.exec(select(Task))).all()
    assert {t.kind: t.status for t in tasks} == {"followup": "cancelled", "supply": "cancelled"}
    assert all(t.household_id is None for t in tasks)
    pending = (await session.exec(select(DueWork).where(DueWork.status == "pending",
                                                        DueWork.kind.in_(("mon_slot", "mon_end"))))).all()
    assert pending == []


async def test_staff_are_warned_when_nobody_in_the_household_can_be_reached(bot, user_factory, session, clock):
    from models import Person

    _admin, doctor, _other, _vol, mei, _runner = await world(bot, user_factory)
    person = (await session.exec(select(Person).where(Person.tg_user_id == mei.id))).one()
    person.unreachable_since = clock.now()  # she blocked the bot
    session.add(person)
    await session.commit()
    r = await start_monitoring(doctor)
    assert "Home monitoring started for Mei Li" in r.text
    assert "Nobody in the household of Mei Li uses Telegram" in r.text

"""Notices and alerts through the real stack, time driven by the fake clock (08:00 in Shanghai at start):
compose → preview → send, audiences, schedules and repeats, quiet hours, acknowledgements and reminders,
the door-knock for care-needs households, and group chats."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from bot.platform.delivery.sender import Sender, SenderConfig
from bot.platform.scheduling.due import DueWorkRunner
from bot.platform.scheduling.registry import HANDLERS
from models import Task
from models.notices import GroupChat, NoticeDelivery
from tests.flows.helpers import ADMIN_ID, consent, deliver, go_on_duty, make_invite, register, texts_to

GROUP = -100777
BOT_USER = {"id": 999000111, "is_bot": True, "first_name": "Community Bot"}



async def world(bot, user_factory):
    """Admin (whole community); a grid-1 worker; a grid-1 volunteer on duty; Mei (grid 1, English),
    Wang (grid 1, 简体中文), Jun (grid 2), Granny (grid 1, care needs)."""
    admin = user_factory(user_id=ADMIN_ID)
    await register(admin, unit="9-901", grid="Grid 2", building="Building 5")
    worker, vol = user_factory(first_name="Worker"), user_factory(first_name="Vol")
    await consent(worker, await make_invite(admin, "community worker", "Grid 1"))
    await consent(vol, await make_invite(admin, "volunteer", "Grid 1"))
    await go_on_duty(vol)
    mei, wang, jun, granny = (user_factory(first_name=n) for n in ("Mei", "Wang", "Jun", "Granny"))
    await register(mei)
    await register(wang, unit="1-101")
    await wang.send("/language")
    await wang.press("简体中文")
    await register(jun, grid="Grid 2", building="Building 5", unit="3-303")
    await register(granny, building="Building 2", unit="1-102", care=("Living alone, aged 70+",))
    runner = DueWorkRunner(bot.app.sessionmaker, bot.app.clock, HANDLERS)
    return admin, worker, vol, mei, wang, jun, granny, runner


async def compose(staff, text: str, *, level: str = "Information", ack: bool = False, when: str = "Now",
                  at: str | None = None, until: str | None = None, audience=(), translations=()):
    await staff.send("/notice")
    r = await staff.send(text)
    assert "Who should receive it?" in r.text, r.text
    for label in audience:
        await staff.press(label)
    await staff.press("Next")
    await staff.press(level)
    await staff.press("Yes, ask them" if ack else "No")
    r = await staff.press(when)
    if at is not None:
        r = await staff.send(at)
    if until is not None:
        r = await staff.send(until)
    assert "Add a translation?" in r.text, r.text
    for language, translated in translations:
        await staff.press(language)
        await staff.send(translated)
    return await staff.press("Continue to the preview")


async def run(bot, runner, clock, seconds: int = 0) -> None:
    if seconds:
        clock.advance(seconds=seconds)
    await runner.sweep()
    await deliver(bot)


async def test_compose_preview_confirm_and_progress(bot, user_factory, tg, clock):
    _admin, worker, _vol, mei, wang, jun, granny, runner = await world(bot, user_factory)
    await worker.send("/notice")
    r = await worker.send_sticker()
    assert "Please send text, a photo or a document" in r.text
    for bad, expected in [("   ", "write the text"), ("x" * 3600, "at most 3500")]:
        r = await worker.send(bad)
        assert expected in r.text, (bad[:5], r.text)
    # A 5,000-character paste arrives as Telegram clients split it: 4,096 characters, then the 904 left.
    r = await worker.send("x" * 4096)
    assert "at most 3500" in r.text
    r = await worker.send("y" * 904)
    assert "end of the long text" in r.text  # not taken as the notice
    r = await worker.send_photo(caption="")
    assert "with the notice text as its caption" in r.text
    r = await worker.send("Water is off tomorrow 09:00-12:00. Please store some.")
    await worker.press("Residents")
    await worker.press("Group chats")  # nobody chosen now
    r = await worker.press("Next")
    assert "at least one kind of recipient" in r.alert
    await worker.press("Residents")
    await worker.press("Next")
    for forged in ("nc:level:panic", "nc:ack:1", "nc:when:yesterday"):  # refused once, visibly; nothing moves on
        r = await worker.press_data(forged)
        assert r.alert in ("Sorry, that no longer exists.", "This button is no longer active."), (forged, r.alert)
    await worker.press("Information")
    await worker.press("No")
    r = await worker.press_data("nc:when:yesterday")
    assert r.alert == "Sorry, that no longer exists."
    await worker.press("Now")
    r = await worker.press_data("nc:tr:xx")
    assert r.alert == "Sorry, that no longer exists."
    await worker.press("简体中文")
    r = await worker.send("明天9点到12点停水，请提前储水。")
    assert "Added: 简体中文" in r.text
    r = await worker.press("Continue to the preview")
    assert "Preview" in r.texts[0] and "ℹ️ Information\n\nWater is off tomorrow" in r.texts[1]
    assert "It will go to 3 people." in r.text  # the residents of grid 1: Mei, Wang, Granny
    assert not any("Water is off" in t for t in texts_to(tg, mei))  # nothing before Send
    r = await worker.press("Send")
    assert "Notice #1 is on its way" in r.text
    await run(bot, runner, clock)
    assert any(t.startswith("ℹ️ Information\n\nWater is off") for t in texts_to(tg, mei))
    assert any("明天9点到12点停水，请提前储水。" in t for t in texts_to(tg, wang))  # as typed: full-width punctuation
    assert any("Water is off" in t for t in texts_to(tg, granny))
    assert not any("Water is off" in t or "停水" in t for t in texts_to(tg, jun))  # grid 2
    assert any("Notice #1 is going out" in t for t in texts_to(tg, worker))
    await run(bot, runner, clock, seconds=6)
    assert any("Notice #1 finished: 3 delivered, 0 could not be delivered (to 3 people)" in t
               for t in texts_to(tg, worker))
    r = await worker.press_data("nc:ok:-")  # Send pressed again after the fact
    assert "no longer active" in r.alert
    await worker.send("/monitor")
    await worker.press("Start home monitoring")
    r = await worker.press_data("nc:cancel:-")  # yesterday's Cancel must not end today's other conversation
    assert "no longer active" in r.alert
    r = await worker.press("Building 1")
    assert "type the unit and room" in r.text


async def test_audiences_buildings_care_needs_roles_and_who_may_choose_them(bot, user_factory, tg, clock, session):
    admin, worker, vol, mei, wang, jun, granny, runner = await world(bot, user_factory)
    # Only households with care needs in the whole community.
    await compose(admin, "Care check", audience=["Only households with care needs"])
    await admin.press("Send")
    # Volunteers only (residents off), in grid 1: not posted in group chats either.
    r = await compose(admin, "Volunteers: meet at 10", audience=["Residents", "Volunteers", "Grid 1"])
    assert "It will go to 1 person" in r.text
    await admin.press("Send")
    # Chosen buildings only.
    await admin.send("/notice")
    await admin.send("Building 5 only")
    r = await admin.press("Choose buildings")
    r = await admin.press("Building 5")
    await admin.press("Back")
    await admin.press("Next")
    await admin.press("Information")
    await admin.press("No")
    await admin.press("Now")
    await admin.press("Continue to the preview")
    await admin.press("Send")
    await run(bot, runner, clock)
    assert [t for t in texts_to(tg, granny) if "Care check" in t]
    assert not any("Care check" in t for t in texts_to(tg, mei) + texts_to(tg, jun))
    assert any("Volunteers: meet" in t for t in texts_to(tg, vol))
    assert not any("Volunteers: meet" in t for t in texts_to(tg, mei) + texts_to(tg, worker))
    assert any("Building 5 only" in t for t in texts_to(tg, jun))
    assert not any("Building 5 only" in t for t in texts_to(tg, mei) + texts_to(tg, wang))
    # A grid-1 worker cannot pick a grid-2 building, even with a forged button.
    await worker.send("/notice")
    await worker.send("forged")
    await worker.press("Choose buildings")
    r = await worker.press_data("nc:bld:5")
    assert "permission" in r.alert
    assert "permission" in (await mei.send("/notice")).text


async def test_scheduled_and_repeating_notices_can_be_listed_edited_and_cancelled(bot, user_factory, tg, clock):
    admin, _worker, _vol, mei, _wang, _jun, _granny, runner = await world(bot, user_factory)
    await admin.send("/notice")
    await admin.send("Testing at the gate today")
    await admin.press("Next")
    await admin.press("Information")
    await admin.press("No")
    await admin.press("At a set time")
    for bad, expected in [("soon", "like 18:30"), ("25:00", "like 18:30"), ("2026-02-01 09:00", "already passed")]:
        r = await admin.send(bad)
        assert expected in r.text, (bad, r.text)
    r = await admin.send("09:00")
    await admin.press("Continue to the preview")
    r = await admin.press("Send")
    assert "Notice #1 is scheduled: 2026-03-01 09:00" in r.text
    r = await compose(admin, "Daily: testing 8-11", when="Every day", at="03-02 08:00", until="03-03")
    assert "every day from 2026-03-02 08:00 until 2026-03-03" in r.text
    await admin.press("Send")
    r = await compose(admin, "To be cancelled", at="12:00", when="At a set time")
    await admin.press("Send")
    r = await admin.send("/notices")
    assert ["Notice #1" in r.texts[0], "Notice #3" in r.texts[1], "Notice #2" in r.texts[2]] == [True] * 3
    r = await admin.press_data("nt:cancel:3")
    assert "Notice #3 is cancelled" in r.text
    r = await admin.press_data("nt:cancel:3")
    assert "already been handled" in r.alert
    assert "no longer active" in (await admin.press_data("nt:zap:1")).alert  # an action no version had
    await admin.send("/notices")
    r = await admin.press_data("nt:time:1")
    assert "new date and time for notice #1" in r.text
    r = await admin.send("yesterday")
    assert "like 18:30" in r.text  # asked again
    r = await admin.send("10:00")
    assert "Notice #1 is now scheduled: 2026-03-01 10:00" in r.text
    await admin.press_data("nt:time:1")
    r = await admin.send("09:00")  # and back again
    assert "Notice #1 is now scheduled: 2026-03-01 09:00" in r.text
    r = await mei.press_data("nt:time:1")
    assert "permission" in r.alert
    r = await admin.press_data("nt:edit:2")
    r = await admin.send("Daily: testing 8-11 at the east gate")
    assert "Notice #2 now reads" in r.text
    await run(bot, runner, clock, seconds=30 * 60)  # 08:30
    assert not any("Testing at the gate" in t for t in texts_to(tg, mei))
    await run(bot, runner, clock, seconds=30 * 60)  # 09:00
    assert sum("Testing at the gate" in t for t in texts_to(tg, mei)) == 1
    assert "already been handled" in (await admin.press_data("nt:time:1")).alert  # it went out
    await run(bot, runner, clock, seconds=23 * 3600)  # 2 March 08:00: the daily one starts
    r = await admin.press_data("nt:time:2")
    assert "already gone out once" in r.alert
    for _ in range(3):  # through 3 March and beyond
        await run(bot, runner, clock, seconds=24 * 3600)
    assert sum("east gate" in t for t in texts_to(tg, mei)) == 2  # 2 and 3 March, not the 4th
    assert not any("To be cancelled" in t for t in texts_to(tg, mei))


async def test_quiet_hours_hold_information_but_not_alerts(bot, user_factory, tg, clock):
    admin, _worker, _vol, mei, _wang, _jun, _granny, runner = await world(bot, user_factory)
    clock.advance(hours=15)  # 23:00
    r = await compose(admin, "Tomorrow: market open", level="Information")
    assert "within the quiet hours (22:00-07:00)" in r.text
    await admin.press("Send")
    await compose(admin, "Stay indoors now", level="(orange)")
    await admin.press("Send")
    await run(bot, runner, clock)
    assert any("Stay indoors now" in t for t in texts_to(tg, mei))
    assert not any("market open" in t for t in texts_to(tg, mei))
    # The sender is told it waits, and until when; not that it is going out.
    assert any("Notice #1 waits for the end of the quiet hours: it goes out at 07:00" in t
               for t in texts_to(tg, admin)), texts_to(tg, admin)
    assert not any("Notice #1 is going out" in t for t in texts_to(tg, admin))
    await run(bot, runner, clock, seconds=60)  # the progress looks again: still waiting, still said so
    assert not any("Notice #1 is going out" in t for t in texts_to(tg, admin))
    r = await mei.send("📢 Notices")  # read at night, it would be pushed again in the morning
    assert "Stay indoors now" in r.text and "market open" not in r.text
    clock.advance(hours=8)  # 07:00
    await run(bot, runner, clock)
    assert sum("market open" in t for t in texts_to(tg, mei)) == 1
    r = await mei.send("📢 Notices")
    assert "market open" in r.text
    await run(bot, runner, clock, seconds=10)
    assert any("Notice #1 finished" in t for t in texts_to(tg, admin))


async def test_acknowledgements_rates_and_reminders(bot, user_factory, tg, clock, session):
    admin, _worker, _vol, mei, wang, _jun, granny, runner = await world(bot, user_factory)
    await compose(admin, "Read this please", level="(orange)", ack=True, audience=["Grid 1"])
    await admin.press("Send")
    await run(bot, runner, clock)
    r = await mei.press("I have read this")
    assert "Thank you, noted" in r.alert
    r = await mei.press_data("nt:ack:1")
    assert "Already noted" in r.alert
    r = await mei.press_data("nt:ack:999")  # forged
    assert "no longer exists" in r.alert
    r = await mei.press_data("nt:remind:1")  # a resident cannot remind or see rates
    assert "permission" in r.alert
    r = await admin.send("/notices")
    assert "Read by 1 of 3 people." in r.text  # grid 1: Mei, Wang, Granny
    r = await admin.press("By building")
    assert "read by 1 of 3" in r.text and "Building 1: 1/2 (50%)" in r.text and "Building 2: 0/1 (0%)" in r.text
    assert r.text.index("Building 2") < r.text.index("Building 1")  # the least read first
    r = await admin.press("Remind the others")
    assert "A reminder goes to 2 people" in r.alert
    r = await admin.press_data("nt:remind:1")
    assert "less than 30 minutes ago" in r.alert
    await deliver(bot)
    assert any("Reminder: please read this notice" in t for t in texts_to(tg, granny))
    assert any("提醒：请阅读这条通知" in t for t in texts_to(tg, wang))  # in her language
    assert not any("Reminder: please read this notice" in t for t in texts_to(tg, mei))
    # Residents find it again under "📢 Notices".
    r = await granny.send("📢 Notices")
    assert "Read this please" in r.text
    await granny.press("I have read this")
    acked = (await session.exec(select(NoticeDelivery).where(NoticeDelivery.acked_at.is_not(None)))).all()
    assert len(acked) == 2
    # Someone who registers afterwards in that grid finds it too; in another grid, not.
    newcomer, elsewhere = user_factory(first_name="New"), user_factory(first_name="Far")
    await register(newcomer, unit="5-505")
    await register(elsewhere, grid="Grid 2", building="Building 5", unit="6-606")
    assert "Read this please" in (await newcomer.send("📢 Notices")).text
    assert "No notices for you yet" in (await elsewhere.send("📢 Notices")).text


async def test_red_alerts_remind_automatically_then_knock_on_silent_care_needs_doors(bot, user_factory, tg, clock,
                                                                                    session):
    admin, _worker, vol, mei, _wang, _jun, granny, runner = await world(bot, user_factory)
    await compose(admin, "Evacuate building 2 now", level="(red)", ack=True)
    await admin.press("Send")
    await run(bot, runner, clock)
    assert any(t.startswith("🔴 Level I alert (red)") for t in texts_to(tg, granny))
    await mei.press("I have read this")
    await run(bot, runner, clock, seconds=31 * 60)
    assert any("Reminder: please read this notice" in t for t in texts_to(tg, granny))
    assert not any("Reminder: please read" in t for t in texts_to(tg, mei))
    assert not any("door-knock" in t for t in texts_to(tg, vol))
    await run(bot, runner, clock, seconds=30 * 60)
    offers = [t for t in texts_to(tg, vol) if "door-knock" in t]
    assert len(offers) == 1 and "Building 2, unit 1-102" in offers[0]
    r = await vol.press("I'll take it")
    assert "You took D-0001" in r.text
    r = await vol.press("Reached them, all right")
    assert "D-0001 closed: reached them" in r.text
    task = (await session.exec(select(Task).where(Task.kind == "doorknock"))).one()
    assert task.outcome == "reached"


async def test_binding_a_group_and_notices_reaching_it(bot, user_factory, tg, clock, session):
    admin, worker, _vol, mei, _wang, jun, _granny, runner = await world(bot, user_factory)
    r = await worker.send("/bind")  # in the private chat
    assert "inside the group chat itself" in r.text
    r = await mei.send_in_group(GROUP, "/bind")
    assert "Only community staff of this area" in r.text
    r = await worker.send_in_group(GROUP, "/bind")
    assert "Which place is this group for?" in r.text
    assert "Building 5" not in str(r.calls[-1].params)  # not in the worker's grid
    r = await jun.press_in_group(GROUP, "Building 1")  # a resident presses the staff's button
    assert "permission" in r.alert
    r = await worker.press_in_group(GROUP, "Building 1")
    assert "now receives the community's notices for Building 1" in r.text
    group = (await session.exec(select(GroupChat))).one()
    assert group.building_id is not None and group.active
    r = await compose(worker, "For the building group")  # group chats are on by default
    assert "people and 1 group chat." in r.text  # people and group chats counted apart, in good English
    r = await worker.press("Send")
    await run(bot, runner, clock)
    assert any("For the building group" in t for t in texts_to(tg, GROUP))
    assert any("(to 3 people and 1 group chat)" in t for t in texts_to(tg, worker))  # not "4 recipients"
    r = await worker.send("/notices")
    assert "to 3 people and 1 group chat." in r.text
    r = await jun.send_in_group(GROUP, "/unbind")
    assert "Only community staff" in r.text
    r = await worker.send_in_group(GROUP, "/unbind")
    assert "no longer receive" in r.text
    before = len(texts_to(tg, GROUP))
    await compose(admin, "After unbinding")
    await admin.press("Send")
    await run(bot, runner, clock)
    assert len(texts_to(tg, GROUP)) == before
    assert any("After unbinding" in t for t in texts_to(tg, mei))
    # Bound again, then the bot is removed from the group: the binding stops by itself.
    await worker.send_in_group(GROUP, "/bind")
    await worker.press_in_group(GROUP, "Building 1")
    await tg.wait_handled(tg.push({"my_chat_member": {
        "chat": {"id": GROUP, "type": "supergroup", "title": "Building 1"}, "from": worker.as_user(),
        "date": 0, "old_chat_member": {"status": "member", "user": BOT_USER},
        "new_chat_member": {"status": "kicked", "until_date": 0, "user": BOT_USER}}}))
    session.expire_all()
    assert not (await session.exec(select(GroupChat))).one().active


async def test_red_alerts_overtake_routine_notices_already_queued(bot, user_factory, tg, clock):
    admin, *_rest, runner = await world(bot, user_factory)
    await compose(admin, "Routine: library hours")
    await admin.press("Send")
    await compose(admin, "RED: shelter in place", level="(red)")
    await admin.press("Send")
    await runner.sweep()  # both queued before the sender starts
    app = bot.app  # one request at a time, so the order the server sees is the order of sending
    sender = Sender(app.bot, app.sessionmaker, app.clock, SenderConfig(rate=200, private_interval=0.0, workers=1,
                                                                       idle_poll=0.02, retry_base=0.02))
    await asyncio.wait_for(sender.run(asyncio.Event(), until_idle=True), 20)
    sent = [str(c.text) for c in tg.calls if c.method == "sendMessage" and c.text and c.chat_id != ADMIN_ID
            and ("library hours" in c.text or "shelter in place" in c.text)]  # not the admin's previews
    assert len(sent) == 8  # Mei, Wang, Jun, Granny
    last_red = max(i for i, t in enumerate(sent) if "shelter" in t)
    first_routine = min(i for i, t in enumerate(sent) if "library" in t)
    assert last_red < first_routine, sent


async def test_a_photo_notice_goes_out_as_a_photo_with_its_caption(bot, user_factory, tg, clock):
    admin, _worker, _vol, mei, *_rest, runner = await world(bot, user_factory)
    await admin.send("/notice")
    r = await admin.send_photo(caption="x" * 901)
    assert "at most 900" in r.text  # a caption is shorter than a message
    r = await admin.send_photo(caption="Testing site map")
    assert "Who should receive it?" in r.text
    await admin.press("Next")
    await admin.press("(yellow)")
    await admin.press("No")
    await admin.press("Now")
    r = await admin.press("Continue to the preview")
    assert any(c.method == "sendPhoto" and "Testing site map" in c.text for c in r.calls)
    await admin.press("Send")
    await run(bot, runner, clock)
    photos = [c for c in tg.calls if c.method == "sendPhoto" and c.chat_id == mei.id]
    assert photos and photos[0].params.get("photo") == "photo-1"
    assert photos[0].text.startswith("🟡 Level III alert (yellow)") and "Testing site map" in photos[0].text


async def test_after_an_outage_a_repeating_notice_does_not_catch_up(bot, user_factory, tg, clock):
    admin, _worker, _vol, mei, *_rest, runner = await world(bot, user_factory)
    await compose(admin, "Daily: masks at the gate", when="Every day", at="09:00", until="03-10")
    await admin.press("Send")
    await compose(admin, "Once: meeting moved", when="At a set time", at="10:00")
    await admin.press("Send")
    await run(bot, runner, clock, seconds=3600 * 24 * 2 + 3600 * 6)  # down from 08:00 on 1 March to 14:00 on 3 March
    assert sum("masks at the gate" in t for t in texts_to(tg, mei)) == 0  # five hours late: skipped
    assert sum("meeting moved" in t for t in texts_to(tg, mei)) == 1  # a one-off still goes, late
    clock.advance(hours=19)  # 09:00 on 4 March
    await run(bot, runner, clock)
    assert sum("masks at the gate" in t for t in texts_to(tg, mei)) == 1

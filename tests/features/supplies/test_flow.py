"""A supply request from a resident to a volunteer and back, through the real stack and the outbox."""

from __future__ import annotations

from tests.flows.helpers import ADMIN_ID, ask, consent, deliver, go_on_duty, make_invite, register


async def test_request_to_confirmation(bot, user_factory, tg):
    admin = user_factory(user_id=ADMIN_ID)
    await register(admin, unit="9-901")
    link = await make_invite(admin, "volunteer", "Grid 1", uses="Up to 10 people")
    wei, lan = user_factory(first_name="Wei"), user_factory(first_name="Lan")
    for v in (wei, lan):
        await consent(v, link)
        r = await v.send("/duty")  # typing it shows where one stands and changes nothing
        assert "OFF duty" in r.text and "Go on duty" in r.inline_buttons()[-1]
        r = await v.press("Go on duty")
        assert "ON duty" in r.text
        r = await v.send("/duty")
        assert "ON duty" in r.text  # still on: /duty typed to look did not take them off
    granny = user_factory(first_name="Granny", last_name="Wu")
    await register(granny, unit="2-502", care=("Living alone, aged 70+",), phone="85261234987")

    r = await granny.send("🛒 Request supplies")
    assert "What do you need?" in r.text
    await granny.press("Groceries")
    r = await granny.send("rice")
    assert "How many rice?" in r.text
    for bad, expected in [("0", "at least 1"), ("-1", "at least 1"), ("1000", "at most 99"), ("lots", "whole number")]:
        r = await granny.send(bad)
        assert expected in r.text, (bad, r.text)
    r = await granny.press("2")
    assert "• rice × 2" in r.text
    await granny.press("Add another item")
    await granny.send("eggs")
    await granny.send("10")
    await granny.press("That's all")
    await granny.press("Normal")
    await granny.press("My home")
    r = await granny.send("please call before coming")
    assert "• eggs × 10" in r.text and "please call before coming" in r.text
    r = await granny.press("Send the request")
    assert "S-0001 has been sent" in r.text
    r = await granny.press_data("sup:ok:send")  # pressed twice: one request only
    assert "no longer active" in r.alert

    await deliver(bot)
    for v in (wei, lan):
        offer = [t for t in v.buttons_on_screen() if "take it" in t]
        assert offer, v.first_name
    offer_text = next(c.text for c in tg.calls if c.chat_id == wei.id and "New task" in c.text)
    assert "rice × 2" in offer_text and "Building 1" in offer_text
    assert "2-502" not in offer_text and "Granny" not in offer_text  # no address or name before claiming

    message_id, claim = wei.find_button("I'll take it")
    taps = [tg.push(wei.press_update(claim, message_id)) for _ in range(2)]  # a double tap on a slow network
    for uid in taps:
        await tg.wait_handled(uid)
    shown = tg.screens[(wei.id, message_id)]
    assert "You took S-0001" in shown["text"] and "Granny Wu" in shown["text"] and "2-502" in shown["text"]
    assert "Phone: +852 6123 4987" in shown["text"]  # dialable, in international format
    assert "📦 Picked up" in wei.buttons_on_screen()  # the second tap left the step buttons in place
    answers = [c.params.get("text") for c in tg.method_calls("answerCallbackQuery")]
    assert "You have already taken this task: its steps are on this message." in answers
    r = await lan.press("I'll take it")
    assert r.alert == "Sorry, Wei Li (volunteer) has already taken this task."
    r = await lan.press_data("task:pickup:1")  # forged: not their task
    assert "permission" in r.alert
    await deliver(bot)
    assert any("taken by another volunteer" in c.text for c in tg.calls if c.chat_id == lan.id
               and c.method == "editMessageText")
    assert any("Wei, a volunteer, has taken your request S-0001" in c.text for c in tg.calls
               if c.chat_id == granny.id)  # she knows who is coming

    await wei.press("Picked up")
    r = await wei.press("Delivered")
    assert "S-0001 delivered" in r.text
    await deliver(bot)
    assert any("on its way" in c.text for c in tg.calls if c.chat_id == granny.id)
    r = await granny.press("Yes, I received it")
    assert "S-0001 is complete" in r.text
    r = await granny.press_data("task:confirm:1")
    assert "already been handled" in r.alert


async def test_release_gives_the_task_to_someone_else(bot, user_factory, tg):
    wei, lan = await two_volunteers_on_duty(user_factory)
    await lan.send("/duty")
    await lan.press("Go off duty")  # off duty for now
    granny = user_factory()
    await register(granny)
    await granny.send("🛒 Request supplies")
    await granny.press("Medicine")
    r = await granny.send("insulin")
    await granny.send("1")
    await granny.press("That's all")
    await granny.press("Urgent")
    await granny.press("My home")
    await granny.press("No note")
    await granny.press("Send the request")
    await deliver(bot)
    assert not [t for t in wei.buttons_on_screen() if "take it" in t]  # wei has no "medicine" skill
    await wei.send("/duty")  # adds the skill, staying on duty
    await wei.press("Medicine runs")
    await go_on_duty(lan)
    await lan.press("Medicine runs")
    # The task was offered before they had the skill; a release re-offers it. Staff tools come later.
    from sqlmodel import select

    from models import Task

    async with bot.app.sessionmaker() as s:
        task = (await s.exec(select(Task))).one()
    r = await wei.press_data(f"task:claim:{task.id}")
    assert "You took S-0001" in r.text
    r = await wei.press("Give it back")
    assert "Why are you giving" in r.text
    r = await wei.send("   ")
    assert "short reason" in r.text
    r = await wei.send("my car broke down")
    assert "offered to other volunteers" in r.text
    await deliver(bot)
    r = await lan.press("I'll take it")
    assert "You took S-0001" in r.text


async def two_volunteers_on_duty(user_factory) -> tuple:
    """The admin registers and invites Wei and Lan as volunteers of grid 1; both go on duty."""
    admin = user_factory(user_id=ADMIN_ID)
    await register(admin, unit="9-901")
    link = await make_invite(admin, "volunteer", "Grid 1", uses="Up to 10 people")
    wei, lan = user_factory(first_name="Wei"), user_factory(first_name="Lan")
    for v in (wei, lan):
        await consent(v, link)
        await go_on_duty(v)
    return wei, lan


async def test_resident_sees_and_cancels_their_requests(bot, user_factory, tg):
    admin = user_factory(user_id=ADMIN_ID)
    await register(admin, unit="9-901")
    link = await make_invite(admin, "volunteer", "Grid 1")
    wei = user_factory(first_name="Wei")
    await consent(wei, link)
    await go_on_duty(wei)
    granny, neighbour = user_factory(), user_factory()
    await register(granny)
    await register(neighbour, unit="3-303")
    await ask(granny)
    await deliver(bot)
    await wei.press("I'll take it")
    r = await granny.send("/requests")
    assert "S-0001" in r.text and "a volunteer has taken it" in r.text
    r = await neighbour.press_data("task:cancel:1")  # not their household's request
    assert "permission" in r.alert
    r = await granny.press("Cancel this request")
    assert "S-0001 has been cancelled" in r.text
    await deliver(bot)
    assert any("cancelled by the resident" in c.text for c in tg.calls if c.chat_id == wei.id)
    r = await granny.press_data("task:cancel:1")
    assert "already been handled" in r.alert
    assert "no requests yet" in (await neighbour.send("/requests")).text


async def test_staff_queue_cancel_with_reason_and_reassign(bot, user_factory, tg):
    admin = user_factory(user_id=ADMIN_ID)
    await register(admin, unit="9-901")
    vol_link = await make_invite(admin, "volunteer", "Grid 1", uses="Up to 10 people")
    staff_g1 = await make_invite(admin, "community worker", "Grid 1")
    staff_g2 = await make_invite(admin, "community worker", "Grid 2")
    wei, lan = user_factory(first_name="Wei"), user_factory(first_name="Lan")
    boss, other = user_factory(first_name="Boss"), user_factory(first_name="Other")
    for v in (wei, lan):
        await consent(v, vol_link)
        await go_on_duty(v)
    await consent(boss, staff_g1)
    await consent(other, staff_g2)
    granny = user_factory()
    await register(granny)
    await ask(granny, "rice")
    await ask(granny, "milk", urgency="Urgent")
    await deliver(bot)
    await wei.press_data("task:claim:1")

    r = await other.send("/queue")  # another grid's worker sees nothing of grid 1
    assert "Nothing is waiting" in r.text
    r = await other.press_data("stask:cancel:1")
    assert "permission" in r.alert
    assert "permission" in (await granny.send("/queue")).text

    r = await boss.send("/queue")
    assert "waiting for a volunteer: 1" in r.text and "a volunteer has taken it: 1" in r.text
    assert r.texts[1].startswith("S-0002")  # the urgent one first
    await boss.press_data("stask:cancel:2")
    r = await boss.send("   ")
    assert "short reason" in r.text
    r = await boss.send("Delivered by the pharmacy directly")
    assert "S-0002 has been cancelled" in r.text
    await boss.press_data("stask:reassign:1")
    r = await boss.send("Wei is unwell")
    assert "S-0001 is back in the pool" in r.text
    await deliver(bot)
    assert any("cancelled by the community: Delivered by the pharmacy directly" in c.text
               for c in tg.calls if c.chat_id == granny.id)
    assert any("passed S-0001 to another volunteer" in c.text for c in tg.calls if c.chat_id == wei.id)
    r = await lan.press("I'll take it")
    assert "You took S-0001" in r.text


async def test_community_stock_is_used_on_delivery_and_warns_when_low(bot, user_factory, tg):
    admin = user_factory(user_id=ADMIN_ID)
    await register(admin, unit="9-901")
    vol_link = await make_invite(admin, "volunteer", "Grid 1")
    staff_link = await make_invite(admin, "community worker", "Grid 1")
    wei, boss = user_factory(first_name="Wei"), user_factory(first_name="Boss")
    await consent(wei, vol_link)
    await go_on_duty(wei)
    await consent(boss, staff_link)
    granny = user_factory()
    await register(granny)
    assert "permission" in (await granny.send("/stock masks 5")).text
    assert "No stock recorded yet" in (await boss.send("/stock")).text
    for bad in ("masks", "masks -5", "masks 5000000", "masks lots"):
        assert "Write it as" in (await boss.send(f"/stock {bad}")).text or \
               "from 0 to" in (await boss.send(f"/stock {bad}")).text
    r = await boss.send("/stock Masks 12 10")
    assert "Saved: Masks 12 (alert at 10)" in r.text
    await ask(granny, "masks")
    await deliver(bot)
    await boss.send("/queue")
    r = await boss.press("From community stock")
    assert "taken from community stock" in r.alert
    await wei.press("I'll take it")
    await wei.press("Picked up")
    await wei.press("Delivered")
    await deliver(bot)
    r = await boss.send("/stock")
    assert "⚠️ Masks: 11 (alert at 10)" not in r.text and "Masks: 11 (alert at 10)" in r.text
    assert not any("running low" in c.text for c in tg.calls if c.chat_id == boss.id)
    await ask(granny, "masks")  # 11 -> 10: at the threshold
    await deliver(bot)
    await boss.send("/queue")
    await boss.press("From community stock")
    await wei.press("I'll take it")
    await wei.press("Delivered")
    await deliver(bot)
    assert any("running low" in c.text and "Masks: 10 left (alert at 10)" in c.text
               for c in tg.calls if c.chat_id == boss.id)
    assert "⚠️ Masks: 10 (alert at 10)" in (await boss.send("/stock")).text


async def test_another_address_a_delivery_photo_and_a_task_limit(bot, user_factory, tg):
    admin = user_factory(user_id=ADMIN_ID)
    await register(admin, unit="9-901")
    link = await make_invite(admin, "volunteer", "All of Yangguang")
    wei = user_factory(first_name="Wei")
    await consent(wei, link)
    r = await wei.send("/duty")
    assert "At most 3 tasks at once" in r.text
    r = await wei.press("1")  # one task at a time
    assert "At most 1 task at once" in r.text
    await wei.press("Medicine runs")
    await wei.press("Go on duty")
    granny = user_factory()
    await register(granny)
    await granny.send("🛒 Request supplies")
    await granny.press("Medicine")
    await granny.send("aspirin")
    await granny.send("1")
    await granny.press("That's all")
    await granny.press("Today")
    r = await granny.press("Another address")
    assert "Which building?" in r.text
    r = await granny.press("Building 6")
    assert "Which unit and room in Building 6?" in r.text
    r = await granny.send("abc")
    assert "couldn't read" in r.text
    await granny.send("4-404")
    await granny.send("it is my mother's flat")
    await granny.press("Send the request")
    await ask(granny, "rice")
    await deliver(bot)
    r = await wei.press_data("task:claim:1")
    assert "Building 6, 4-404" in r.text
    r = await wei.press_data("task:claim:2")
    assert "1 open tasks" in r.alert  # at the limit
    await wei.press("Delivered")
    photo = [{"file_id": "ph-1", "file_unique_id": "u1", "width": 10, "height": 10}]
    r = await wei._run({"message": wei._message(wei.private_chat(), photo=photo)})
    assert "photo has been passed on" in r.text
    await deliver(bot)
    sent = [c for c in tg.calls if c.method == "sendPhoto" and c.chat_id == granny.id]
    assert sent and sent[0].params["photo"] == "ph-1" and "S-0001" in sent[0].text
    r = await wei.press_data("task:claim:2")  # room again
    assert "You took S-0002" in r.text


async def test_a_cancelled_request_withdraws_its_offers(bot, user_factory, tg):
    wei, lan = await two_volunteers_on_duty(user_factory)
    granny = user_factory()
    await register(granny)
    await ask(granny)
    await deliver(bot)
    message_id, claim = wei.find_button("I'll take it")
    await granny.send("/requests")
    r = await granny.press("Cancel this request")
    assert "S-0001 has been cancelled" in r.text
    await deliver(bot)
    for v in (wei, lan):  # nobody is left looking at "I'll take it" for a request that is gone
        assert not [t for t in v.buttons_on_screen() if "take it" in t], v.first_name
        assert any("S-0001 was cancelled" in c.text for c in tg.calls_to(v.id) if c.method == "editMessageText")
    r = await wei.press_data(claim, message_id)  # a press already on its way
    assert "was cancelled" in r.alert and "another volunteer" not in r.alert

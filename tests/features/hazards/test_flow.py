"""Hazard reports as cases, as residents and staff live them, through the fake Bot API."""

from __future__ import annotations

import json

from sqlmodel import select

from bot.platform.scheduling.due import DueWorkRunner
from bot.platform.scheduling.registry import HANDLERS
from models import AuditEntry, Person, Task
from models.cases import Case, CaseFollower
from tests.flows.helpers import ADMIN_ID, consent, deliver, go_on_duty, make_invite, register, texts_to


async def staff_world(bot, user_factory):
    """An admin for the whole community, a worker for Grid 1 (Lin) and one for Grid 2 (Ming)."""
    admin = user_factory(user_id=ADMIN_ID)
    await register(admin, unit="9-901")
    boss = user_factory(first_name="Boss")
    await consent(boss, await make_invite(admin, "administrator", "All of Yangguang"))
    lin, lin2, ming = user_factory(first_name="Lin"), user_factory(first_name="Lin2"), user_factory(first_name="Ming")
    await consent(lin, await make_invite(admin, "community worker", "Grid 1"))
    await consent(lin2, await make_invite(admin, "community worker", "Grid 1"))
    await consent(ming, await make_invite(admin, "community worker", "Grid 2"))
    return boss, lin, lin2, ming


async def report(user, category: str = "Blocked emergency passage", where: str = "My building",
                 words: tuple[str, ...] = ("Bikes block the north stairs",), photos: tuple[str, ...] = (),
                 anonymous: bool = False):
    r = await user.send("⚠️ Report a hazard")
    assert "What is the hazard?" in r.text
    await user.press(category)
    await user.press(where)
    for w in words:
        await user.send(w)
    for p in photos:
        await user.send_photo(file_id=p)
    await user.press("Continue")
    return await user.press("stay anonymous" if anonymous else "show my name")


async def test_a_report_with_photos_reaches_the_grid_s_staff_and_the_first_to_take_it_wins(bot, user_factory, tg,
                                                                                          session):
    _boss, lin, lin2, ming = await staff_world(bot, user_factory)
    mei = user_factory(first_name="Mei")
    await register(mei, phone="+8613812345678")
    r = await report(mei, photos=("ph-1", "ph-2"))
    assert "Reported as H-0001" in r.text and "usually taken within 2 hours" in r.text
    assert "⚠️ Report a hazard" in r.reply_buttons()  # the main menu is back
    await deliver(bot)
    alert = [t for t in texts_to(tg, lin) if "New hazard report" in t][-1]
    assert "H-0001" in alert and "Blocked emergency passage" in alert and "Building 1" in alert
    assert "Bikes block the north stairs" in alert and "+8613812345678" in alert  # she let staff see who she is
    photos = [c.params.get("photo") for c in tg.calls if c.method == "sendPhoto" and c.chat_id == lin.id]
    assert photos == ["ph-1", "ph-2"]
    assert not any("New hazard report" in t for t in texts_to(tg, ming))  # another grid's worker
    r = await lin.press("I'll handle it")
    assert "It is yours" in r.alert
    assert "Work has started" in " ".join(lin.buttons_on_screen())
    r = await lin2.press("I'll handle it")  # the second press, by a colleague, loses politely
    assert "already handling this case" in r.alert
    await deliver(bot)
    assert any("H-0001 is being handled by Lin" in t for t in texts_to(tg, lin2))
    assert any("H-0001: the community staff have taken your report" in t for t in texts_to(tg, mei))
    assert "I'll handle it" not in " ".join(lin2.buttons_on_screen())


async def test_an_anonymous_reporter_is_never_named_to_staff(bot, user_factory, tg, session):
    boss, lin, _lin2, _ming = await staff_world(bot, user_factory)
    mei = user_factory(first_name="Meimei")
    await register(mei, phone="+8613812345678")
    await report(mei, anonymous=True)
    await deliver(bot)
    r = await lin.send("/cases")
    assert any("H-0001" in t for t in r.texts)
    staff_texts = [*texts_to(tg, lin), *texts_to(tg, boss)]  # the alert and /cases
    me_id = (await session.exec(select(Person).where(Person.tg_user_id == mei.id))).one().id
    assert not any("Meimei" in t or "+8613812345678" in t or str(mei.id) in t for t in staff_texts)
    assert any("asked to stay anonymous" in t for t in texts_to(tg, lin))
    session.expire_all()
    for entry in (await session.exec(select(AuditEntry))).all():
        if entry.actor_person_id != me_id:  # what staff did is logged without her
            assert entry.subject_person_id != me_id and me_id not in entry.detail.values(), entry.action


async def test_the_same_hazard_joins_the_open_case_and_everyone_hears_every_change(bot, user_factory, tg,
                                                                                 session, clock):
    _boss, lin, _lin2, _ming = await staff_world(bot, user_factory)
    mei, jun, wu = user_factory(first_name="Mei"), user_factory(first_name="Jun"), user_factory(first_name="Wu")
    for u, unit in ((mei, "2-502"), (jun, "3-301"), (wu, "1-101")):
        await register(u, unit=unit)
    await report(mei)
    r = await report(jun, words=("Also a pram",), photos=("ph-9",))
    assert "2 neighbours have reported this: H-0001" in r.text
    r = await report(wu, category="Garbage piling up")  # another category: a case of its own
    assert "Reported as H-0002" in r.text
    await deliver(bot)
    await lin.press("I'll handle it")  # the newest alert on screen: H-0002
    ids = {c.id: c.status for c in (await session.exec(select(Case))).all()}
    assert ids == {1: "new", 2: "acknowledged"}
    r = await lin.send("/cases")
    assert any("Hazard cases open in your area: 2." in t for t in r.texts)
    assert "Reported by 2 neighbours." in r.text or any("Reported by 2 neighbours." in t for t in r.texts)
    assert any("Also a pram" in t for t in r.texts)
    assert any("• 🗑 Garbage piling up: 1\n• 🚪 Blocked emergency passage: 1" in t for t in r.texts)
    r = await lin.press("🆕 New")  # only the case nobody has taken
    assert any("matching the filter: 1." in t for t in r.texts)
    assert any("H-0001" in t for t in r.texts) and not any("H-0002 ·" in t for t in r.texts)
    r = await lin.press("🏢 Building 1")  # new ones in Building 1: filters combine
    assert any("matching the filter: 1." in t for t in r.texts)
    r = await lin.press("All open cases")
    assert any("Hazard cases open in your area: 2." in t for t in r.texts)
    assert "no longer active" not in (await lin.press_data("cl:zap:0:hazard")).alert  # an unknown filter: all
    assert "no longer active" in (await lin.press_data("cl:all:0:zap")).alert  # an unknown kind of case
    await lin.press_data("cs:ack:1")
    await lin.press_data("cs:start:1")
    r = await lin.press_data("cs:resolve:1")
    assert "What was done about H-0001?" in r.text
    r = await lin.send("Bikes moved to the shed")
    assert "H-0001 is resolved. 2 neighbours are asked" in r.text
    await deliver(bot)
    for u in (mei, jun):
        told = texts_to(tg, u)
        assert any("H-0001: work has started." in t for t in told)
        assert any("H-0001 is resolved: Bikes moved to the shed" in t for t in told)
    assert not any("H-0001" in t for t in texts_to(tg, wu))
    # Jun says it is not fixed: reopened, with his words, and the worker hears it.
    await jun.press("No, not fixed")
    r = await jun.send("The pram is still there")
    assert "H-0001 is open again" in r.text
    await deliver(bot)
    assert any("not fixed: The pram is still there" in t for t in texts_to(tg, lin))
    assert any("H-0001 was reopened" in t for t in texts_to(tg, mei))
    case = await session.get(Case, 1)
    await session.refresh(case)
    assert case.status == "in_progress" and case.reopened == 1
    # Resolved again: both say yes, and it closes.
    await lin.press_data("cs:resolve:1")
    await lin.send("Pram moved too")
    await deliver(bot)
    await mei.press("Yes, it is fixed")
    r = await jun.press("Yes, it is fixed")
    await deliver(bot)
    await session.refresh(case)
    assert case.status == "closed"
    assert any("H-0001 is closed. Thank you" in t for t in texts_to(tg, jun))
    r = await mei.press_data("fx:1:1")  # a second press of an old button
    assert "already been handled" in r.alert
    r = await mei.send("⚠️ Report a hazard")
    r = await mei.press("My reports")
    assert "H-0001" in r.text and "closed" in r.text


async def test_a_closed_case_is_not_joined_and_a_location_or_words_say_where(bot, user_factory, tg, session):
    _boss, lin, _lin2, _ming = await staff_world(bot, user_factory)
    mei, jun = user_factory(first_name="Mei"), user_factory(first_name="Jun")
    await register(mei)
    await register(jun, unit="3-301")
    r = await mei.send("⚠️ Report a hazard")
    await mei.press("Broken lights")
    r = await mei.press("Send a location")
    assert "Send my location" in str(r.calls[-1].params.get("reply_markup"))
    r = await mei.send("here")  # words where a location is expected: asked again
    assert "Please send a location" in r.text
    await mei.send_location(31.23041, 121.47370)
    await mei.send("Dark path by the gate")
    await mei.press("Continue")
    await mei.press("show my name")
    # Jun, 40 m away, reports the same: the same case.
    await jun.send("⚠️ Report a hazard")
    await jun.press("Broken lights")
    await jun.press("Send a location")
    await jun.send_location(31.23070, 121.47385)
    await jun.press("Continue")
    r = await jun.press("show my name")
    assert "have reported this: H-0001" in r.text
    await deliver(bot)
    assert any("openstreetmap.org/?mlat=31.23041" in t for t in texts_to(tg, lin))
    await lin.press_data("cs:ack:1")
    r = await lin.press_data("cs:reject:1")
    r = await lin.send("Street lights belong to the city: reported to 12345")
    assert "closed without action" in r.text
    await deliver(bot)
    assert any("closed without action: Street lights belong to the city" in t for t in texts_to(tg, jun))
    # Typed words: the same words later open a new case, since the old one is closed.
    r = await report(mei, category="Broken lights", where="Type the place", words=("North gate",))
    r = await report(jun, category="Broken lights", where="Type the place", words=("north  GATE",))
    assert "have reported this: H-0002" in r.text
    case = await session.get(Case, 2)
    assert case.place_text == "North gate"  # stored as typed; compared normalised


async def test_staff_of_another_grid_and_residents_cannot_act_on_a_case(bot, user_factory, tg, session):
    _boss, _lin, _lin2, ming = await staff_world(bot, user_factory)
    mei = user_factory(first_name="Mei")
    await register(mei)
    await report(mei)
    for forged in ("cs:ack:1", "cs:resolve:1", "cs:reject:1"):
        assert "permission" in (await ming.press_data(forged)).alert  # Grid 2's worker, Grid 1's case
        assert "permission" in (await mei.press_data(forged)).alert  # a resident
    assert "don't have permission" in (await mei.send("/cases")).text
    r = await ming.send("/cases")
    assert any("Hazard cases open in your area: 0." in t for t in r.texts)
    assert (await session.get(Case, 1)).status == "new"
    assert "already been handled" in (await mei.press_data("fx:1:0")).alert  # hers, but not resolved yet
    jun = user_factory(first_name="Jun")
    await register(jun, unit="3-301")
    assert "no longer exists" in (await jun.press_data("fx:1:1")).alert  # not his case


async def test_nobody_taking_a_case_escalates_to_the_admins_and_gas_within_fifteen_minutes(bot, user_factory, tg,
                                                                                          clock):
    boss, lin, _lin2, _ming = await staff_world(bot, user_factory)
    mei = user_factory(first_name="Mei")
    await register(mei)
    await report(mei)  # an ordinary hazard: two hours
    r = await report(mei, category="Fire, gas or electrical risk", words=("Smell of gas on floor 3",))
    assert "call 120 now" in " ".join(r.texts) or "120" in " ".join(texts_to(tg, mei))
    await deliver(bot)
    runner = DueWorkRunner(bot.app.sessionmaker, bot.app.clock, HANDLERS)
    clock.advance(minutes=14)
    await runner.sweep()
    await deliver(bot)
    assert not any("has not been taken" in t for t in texts_to(tg, boss))
    clock.advance(minutes=2)
    await runner.sweep()
    await deliver(bot)
    gas = [t for t in texts_to(tg, boss) if "has not been taken" in t]
    assert len(gas) == 1 and "H-0002" in gas[0] and "16 minutes" in gas[0]
    clock.advance(minutes=110)
    await runner.sweep()
    await deliver(bot)
    assert sum("has not been taken" in t for t in texts_to(tg, boss)) == 2
    await runner.sweep()  # nothing fires twice
    await deliver(bot)
    assert sum("has not been taken" in t for t in texts_to(tg, boss)) == 2
    r = await boss.press("I'll handle it")  # the admin takes it from the escalation
    assert "It is yours" in r.alert
    # Gas: 4 hours to resolve, then the assignee and the grid's workers are reminded.
    clock.advance(hours=3)
    await runner.sweep()
    await deliver(bot)
    assert any("H-0002 is still not resolved" in t for t in texts_to(tg, lin))


async def test_no_answer_in_two_days_counts_as_fixed(bot, user_factory, tg, session, clock):
    _boss, lin, _lin2, _ming = await staff_world(bot, user_factory)
    mei = user_factory(first_name="Mei")
    await register(mei)
    await report(mei)
    await deliver(bot)
    await lin.press("I'll handle it")
    await lin.press_data("cs:resolve:1")
    r = await lin.send_photo(file_id="after-1")  # the photo first, without words: kept
    assert "Photo kept" in r.text
    await lin.send("Cleared")
    await deliver(bot)
    assert any(c.method == "sendPhoto" and c.chat_id == mei.id and c.params.get("photo") == "after-1"
               for c in tg.calls)
    runner = DueWorkRunner(bot.app.sessionmaker, bot.app.clock, HANDLERS)
    clock.advance(hours=47)
    await runner.sweep()
    assert (await session.get(Case, 1)).status == "resolved"
    clock.advance(hours=2)
    await runner.sweep()
    session.expire_all()
    assert (await session.get(Case, 1)).status == "closed"
    f = (await session.exec(select(CaseFollower))).one()
    assert f.fixed == "timeout"


async def test_reports_in_each_language_reach_staff_in_theirs(bot, user_factory, tg):
    _boss, lin, lin2, _ming = await staff_world(bot, user_factory)
    await lin2.send("/language")
    await lin2.press("简体中文")
    hk, mei = user_factory(first_name="Ka"), user_factory(first_name="Mei")
    for u, unit, lang in ((hk, "3-301", "繁體中文"), (mei, "2-502", "简体中文")):
        await register(u, unit=unit)
        await u.send("/language")
        await u.press(lang)
    r = await hk.send("⚠️ 隱患回報")
    assert "發現了什麼隱患" in r.text
    await hk.press("樓梯間堆放雜物")
    await hk.press("傳送位置")
    await hk.send_location(31.2304, 121.4737)
    await hk.send_photo(caption="三樓樓梯間的紙箱", file_id="hk-1")
    await hk.press("繼續")
    r = await hk.press("對工作人員匿名")
    assert "已回報，編號 H-0001" in r.text and "2 小時" in r.text
    r = await mei.send("⚠️ 隐患上报")
    await mei.press("电梯故障")
    await mei.press("发送位置")
    await mei.send_location(31.2311, 121.4741)
    await mei.send_photo(caption="2号楼电梯停在5层不动了", file_id="zh-1")
    await mei.press("继续")
    r = await mei.press("显示我的姓名")
    assert "已上报，编号 H-0002" in r.text
    await deliver(bot)
    english = " ".join(texts_to(tg, lin))
    assert "Clutter in the stairwell" in english and "Broken lift" in english and "三樓樓梯間的紙箱" in english
    chinese = " ".join(texts_to(tg, lin2))
    assert "楼道堆放杂物" in chinese and "电梯故障" in chinese and "新的隐患上报" in chinese
    await lin.press_data("cs:ack:1")
    await deliver(bot)
    assert any("H-0001：社區工作人員已受理您的回報" in t for t in texts_to(tg, hk))


async def test_field_work_goes_to_a_volunteer_and_a_case_can_be_passed_on(bot, user_factory, tg, session):
    _boss, lin, lin2, _ming = await staff_world(bot, user_factory)
    wei = user_factory(first_name="Wei")
    await consent(wei, await make_invite(user_factory(user_id=ADMIN_ID), "volunteer", "Grid 1"))
    await go_on_duty(wei)
    mei, jun = user_factory(first_name="Mei"), user_factory(first_name="Jun")
    await register(mei, phone="+8613812345678")
    await register(jun, unit="3-301")
    await report(mei)
    await deliver(bot)
    await lin.press("I'll handle it")
    await report(jun, words=("Still blocked",), photos=("jun-1",))
    await deliver(bot)
    assert any("Another neighbour reported H-0001 (2 in all)" in t and "Still blocked" in t
               for t in texts_to(tg, lin))
    assert any(c.method == "sendPhoto" and c.chat_id == lin.id and c.params.get("photo") == "jun-1"
               for c in tg.calls)
    r = await lin.press_data("cs:volunteer:1")
    assert "Offered to 1 volunteers" in r.alert
    assert "already been asked" in (await lin.press_data("cs:volunteer:1")).alert
    await deliver(bot)
    assert "/cases shows it" in (await lin.press_data("cs:ack:1")).alert  # his own second press
    offer = [t for t in texts_to(tg, wei) if "Field work for H-0001" in t][-1]
    assert "Blocked emergency passage" in offer and "Mei" not in offer and "+8613812345678" not in offer
    r = await wei.press("I'll take it")
    assert "You took W-0001" in r.text and "Phone" not in r.text
    await wei.press("Resolved")
    r = await wei.send("Moved the bikes to the shed")
    assert "W-0001 is resolved" in r.text
    await deliver(bot)
    assert any("H-0001 is resolved: Moved the bikes to the shed" in t for t in texts_to(tg, mei))
    assert any("H-0001 was resolved by Wei" in t and "a volunteer" in t for t in texts_to(tg, lin))
    # Reopened by Mei; Lin passes it to Lin2, who can act on it.
    await mei.press("No, not fixed")
    await mei.send("A pram is still there")
    r = await lin.press_data("cs:pass:1")
    assert "Pass H-0001 to whom?" in r.text and "Lin2" in " ".join(r.inline_buttons())
    r = await lin.press("Lin2")
    assert "H-0001 is now with Lin2" in r.text
    await deliver(bot)
    assert any("Lin Li passed H-0001 to you" in t for t in texts_to(tg, lin2))
    assert "Resolved" in " ".join(lin2.buttons_on_screen())
    lin2_id = (await session.exec(select(Person).where(Person.tg_user_id == lin2.id))).one().id
    session.expire_all()
    assert (await session.get(Case, 1)).assignee_id == lin2_id
    assert "permission" in (await jun.press_data("cp:1:1")).alert


async def test_a_reporter_s_data_lists_their_cases_and_erasing_them_keeps_the_case_without_them(bot, user_factory,
                                                                                               tg, session):
    _boss, lin, _lin2, _ming = await staff_world(bot, user_factory)
    mei = user_factory(first_name="Mei")
    await register(mei, phone="+8613812345678")
    await report(mei)
    await mei.send("/mydata")
    mine = json.loads(tg.files["my-data.json"])["cases"]
    assert mine == [{"ref": "H-0001", "kind": "hazard", "category": "passage", "status": "new",
                     "reported_at": mine[0]["reported_at"], "anonymous": False}]
    await mei.send("/deleteme")
    await mei.press("Yes, delete my data")
    session.expire_all()
    case = await session.get(Case, 1)
    follower = (await session.exec(select(CaseFollower))).one()
    assert case.status == "new" and follower.person_id is None and follower.anonymous
    await deliver(bot)
    r = await lin.send("/cases")
    assert any("H-0001" in t and "asked to stay anonymous" in t for t in r.texts)
    assert not any("+8613812345678" in t for t in r.texts)


async def test_a_community_with_nobody_in_a_role_yet_tells_the_bot_s_administrators(bot, user_factory, tg):
    admin = user_factory(user_id=ADMIN_ID)
    await register(admin, unit="9-901")
    mei = user_factory(first_name="Mei")
    await register(mei)
    await report(mei)
    await deliver(bot)
    assert any("New hazard report" in t and "H-0001" in t for t in texts_to(tg, admin))
    r = await admin.press("I'll handle it")
    assert "It is yours" in r.alert


async def test_a_volunteer_s_field_work_ends_when_staff_resolve_the_case_themselves(bot, user_factory, tg, session):
    _boss, lin, _lin2, _ming = await staff_world(bot, user_factory)
    wei = user_factory(first_name="Wei")
    await consent(wei, await make_invite(user_factory(user_id=ADMIN_ID), "volunteer", "Grid 1"))
    await go_on_duty(wei)
    mei = user_factory(first_name="Mei")
    await register(mei)
    await report(mei)
    await deliver(bot)
    await lin.press("I'll handle it")
    await lin.press_data("cs:volunteer:1")
    await deliver(bot)
    await wei.press("I'll take it")
    await lin.press_data("cs:resolve:1")
    await lin.send("Did it myself")
    await deliver(bot)
    assert any("W-0001 is no longer needed" in t for t in texts_to(tg, wei))
    session.expire_all()
    assert (await session.get(Task, 1)).status == "cancelled"


async def test_what_a_resident_can_get_wrong_while_reporting_keeps_what_they_entered(bot, user_factory, tg, session):
    _boss, lin, _lin2, _ming = await staff_world(bot, user_factory)
    mei = user_factory(first_name="Mei")
    await register(mei)
    await mei.send("⚠️ Report a hazard")
    assert "not a valid choice" in (await mei.press_data("hz:cat:weapons")).alert  # forged category
    assert "no longer active" in (await mei.press_data("hz:anon:yes")).alert  # a later step's button, too early
    await mei.press("Clutter in the stairwell")
    r = await mei.send("hello")  # typing where a button is asked for
    assert "press one of the buttons" in r.text
    await mei.press("My building")
    await mei.send("Boxes on every landing")
    r = await mei.send("x" * 5000)  # far too long: refused, the words so far kept
    assert "too long" in r.text
    for i in range(6):
        r = await mei.send_photo(file_id=f"p{i}")
    assert "At most 5 photos" in r.text
    await mei.press("Continue")
    assert "no longer active" in (await mei.press_data("hz:done:-")).alert  # Continue pressed twice
    await mei.press("show my name")
    await deliver(bot)
    alert = [t for t in texts_to(tg, lin) if "New hazard report" in t][-1]
    assert "Boxes on every landing" in alert and "xxxxx" not in alert
    assert sum(1 for c in tg.calls if c.method == "sendPhoto" and c.chat_id == lin.id) == 5

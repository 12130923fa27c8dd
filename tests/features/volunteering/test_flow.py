"""Volunteer applications through the fake Bot API: apply, approval by the grid's staff (nobody else), the first
task, an unapproved applicant never seeing a resident's details, and suspension giving their tasks to others."""

from __future__ import annotations

from sqlmodel import select

from models import RoleGrant, Task, VolunteerApplication
from tests.flows.helpers import ADMIN_ID, ask, consent, deliver, go_on_duty, make_invite, register, texts_to


async def world(user_factory):
    admin = user_factory(user_id=ADMIN_ID)
    await register(admin, unit="9-901")
    lin, ming, vol2 = user_factory(first_name="Lin"), user_factory(first_name="Ming"), user_factory(first_name="Vol")
    await consent(lin, await make_invite(admin, "community worker", "Grid 1"))
    await consent(ming, await make_invite(admin, "community worker", "Grid 2"))
    await consent(vol2, await make_invite(admin, "volunteer", "Grid 1"))
    granny = user_factory(first_name="Granny")
    await register(granny, unit="1-101", phone="+8613811112222")
    return admin, lin, ming, vol2, granny


async def apply(user, phone: str | None = "138 1234 5678"):
    r = await user.send("/volunteer")
    assert "What is your name" in r.text
    r = await user.press("Use")
    if phone is not None:
        assert "Your phone number" in r.text
        r = await user.send("abc")
        assert "phone number that can be called" in r.text
        r = await user.send(phone)
    assert "How can you help?" in r.text
    r = await user.press("Continue")
    assert "at least one way" in r.alert
    await user.press("Delivery")
    await user.press("Continue")
    await user.press("Cantonese")
    await user.press("Continue")
    await user.press("evenings")
    return await user.press("Send my application")


async def test_an_applicant_becomes_a_volunteer_only_when_the_grid_s_staff_approve(bot, user_factory, tg, session):
    _admin, lin, ming, vol2, granny = await world(user_factory)
    mei = user_factory(first_name="Mei")
    await register(mei, unit="2-502")
    r = await apply(mei)
    assert "Sent" in r.text
    await deliver(bot)
    ask_text = [t for t in texts_to(tg, lin) if "Application to volunteer" in t][-1]
    assert "Mei Li (+86 138 1234 5678)" in ask_text and "Delivery" in ask_text and "Cantonese" in ask_text
    assert not any("Application to volunteer" in t for t in texts_to(tg, ming))  # another grid
    r = await mei.send("/volunteer")  # once is enough
    assert "waiting for the community staff" in r.text

    await go_on_duty(vol2)
    await ask(granny)
    await deliver(bot)
    task = (await session.exec(select(Task))).one()
    r = await mei.press_data(f"task:claim:{task.id}")  # forged: she is not a volunteer yet
    assert "+8613811112222" not in r.text and "Granny" not in r.text and r.alert
    application = (await session.exec(select(VolunteerApplication))).one()
    app_id, applicant_id, task_id = application.id, application.person_id, task.id
    r = await ming.press_data(f"vo:approve:{app_id}")  # forged by another grid's worker
    assert "permission" in r.alert
    r = await lin.press("Approve")
    assert "is a volunteer now" in r.text
    r = await lin.press_data(f"vo:decline:{app_id}")  # too late: decided
    assert "already been handled" in r.alert
    await deliver(bot)
    assert any("You are a volunteer now" in t for t in texts_to(tg, mei))
    session.expire_all()
    grant = (await session.exec(select(RoleGrant).where(RoleGrant.role == "volunteer",
                                                        RoleGrant.person_id == applicant_id))).one()
    assert grant.grid_id is not None and grant.granted_by_id is not None

    r = await mei.send("/volunteer")
    assert "already a volunteer" in r.text
    await lin.send("/volunteers")
    r = await lin.press("📇 Mei Li")
    assert "Skills: Delivery" in r.text and "Languages: Cantonese" in r.text and "Available: evenings" in r.text
    await lin.press("Training")
    await lin.send("first aid, 2 hours")
    r = await lin.send("12-31")  # still to come in this (test) year
    assert "still to come" in r.text
    r = await lin.send("today")
    assert "Recorded: first aid, 2 hours (2026-03-01)" in r.text
    r = await mei.send("/profile")
    assert "• Training: first aid, 2 hours (2026-03-01)" in r.text
    r = await granny.send("/profile")
    assert "for volunteers" in r.text or "permission" in r.text
    await go_on_duty(mei)
    await mei.press_data(f"task:claim:{task_id}")
    assert any("Granny" in s["text"] and "+86 138 1111 2222" in s["text"]
               for (c, _m), s in tg.screens.items() if c == mei.id)  # approved: she sees whom she helps

    r = await lin.send("/volunteers")
    assert "Volunteers in your area: 2" in "\n".join(r.texts)
    r = await lin.press("Suspend Mei Li")
    assert "suspended; 1 tasks" in r.alert
    await deliver(bot)
    session.expire_all()
    task = (await session.exec(select(Task))).one()
    assert task.status == "open" and task.claimed_by_id is None
    assert any("Your volunteer role has been paused" in t for t in texts_to(tg, mei))
    assert sum("New task" in t for t in texts_to(tg, vol2)) == 2  # offered to the others again
    r = await mei.press_data(f"task:claim:{task.id}")
    assert "Granny" not in r.text and r.alert


async def test_one_must_be_registered_to_apply_and_residents_cannot_decide(bot, user_factory, tg):
    _admin, _lin, _ming, vol2, _granny = await world(user_factory)
    stranger = user_factory(first_name="Stranger")
    await consent(stranger)
    r = await stranger.send("/volunteer")
    assert "register your address first" in r.text
    r = await vol2.send("/volunteer")
    assert "register your address first" in r.text  # invited, not a resident here
    r = await _granny.send("/volunteers")
    assert "permission" in r.text


async def test_a_building_leader_sees_names_and_units_only_and_is_offered_the_building_s_visits_first(
        bot, user_factory, tg, session, clock):
    from bot.platform.scheduling.due import DueWorkRunner
    from bot.platform.scheduling.registry import HANDLERS, RECURRING
    from tests.features.ledger.test_flow import SMALL
    from tests.features.vulnerable.test_flow import add

    admin, lin, ming, _vol2, _granny = await world(user_factory)
    await admin.send_document(SMALL, "small.csv")
    await admin.press("Import")
    mei, jun = user_factory(first_name="Lan"), user_factory(first_name="Jun")
    await register(mei, unit="2-502")
    await register(jun, building="Building 2", unit="3-301")
    await add(lin, "Building 1", "1-101", "1 — highest need", ("living alone",), "The grid's volunteers")
    r = await lin.send("/leaders")
    assert "Building leaders in your area: 0" in r.text
    await lin.press("Appoint a building leader")
    await lin.press("Building 1")
    r = await ming.press_data(f"ld:who:{1}:{99}")  # forged, by another grid's worker
    assert "permission" in r.alert
    r = await lin.press("Lan Li")
    assert "leads Building 1 now" in r.text
    await deliver(bot)
    assert any("building leader of Building 1" in t for t in texts_to(tg, mei)), texts_to(tg, mei)[-3:]
    r = await mei.send("/mybuilding")
    assert "1-101: Granny Li, 王秀英 · care register, grade 1; last heard: never" in r.text
    assert "📵 2-202: 李建国, 张桂兰" in r.text  # nobody there on Telegram
    assert "+86" not in r.text and "living alone" not in r.text  # no phones, no reasons
    r = await jun.send("/mybuilding")
    assert "for building leaders" in r.text

    runner = DueWorkRunner(bot.app.sessionmaker, bot.app.clock, HANDLERS,
                           recurring={"vulnerable_watch": RECURRING["vulnerable_watch"]})
    await runner.sweep()
    clock.advance(hours=47)
    await runner.sweep()  # the watch runs every hour (the runner sweeps every few seconds in production)
    clock.advance(hours=2)
    await runner.sweep()
    await deliver(bot)
    offers = [t for t in texts_to(tg, mei) if "visit or call" in t]
    assert offers and "1-101" in offers[-1]
    await mei.press("I'll take it")
    r = await mei.press("Reached them")
    session.expire_all()
    task = (await session.exec(select(Task).where(Task.kind == "visit"))).one()
    assert (task.status, task.outcome) == ("confirmed", "reached")


async def test_the_link_a_community_posts_brings_a_newcomer_to_register_and_then_apply(bot, user_factory, tg):
    _admin, lin, _ming, _vol2, _granny = await world(user_factory)
    r = await lin.send("/volunteers")
    assert "?start=volunteer" in "\n".join(r.texts)
    lan = user_factory(first_name="Lan")
    r = await consent(lan, "volunteer")
    assert "Which area" in r.text
    await lan.press("Grid 1")
    await lan.press("Building 1")
    await lan.send("3-303")
    await lan.send("1")
    await lan.press("Done")
    r = await lan.send("Skip")
    assert "You are registered" in r.text and "Send /volunteer to apply" in r.text
    r = await lan.send("/start volunteer")  # again, registered: the pointer again
    assert "Send /volunteer to apply" in r.text


async def test_a_building_leader_can_be_made_responsible_for_a_vulnerable_neighbour(bot, user_factory, tg, session):
    from tests.features.vulnerable.test_flow import add

    _admin, lin, _ming, _vol2, _granny = await world(user_factory)
    lan = user_factory(first_name="Lan")
    await register(lan, unit="2-502")
    await lin.send("/leaders")
    await lin.press("Appoint a building leader")
    await lin.press("Building 1")
    await lin.press("Lan Li")
    r = await add(lin, "Building 1", "1-101", "2", ("living alone",), "Lan Li")
    assert "Saved" in r.text
    r = await lin.send("/vulnerable")
    assert "responsible: Lan Li" in "\n".join(r.texts)

"""The vulnerable register and the 48-hour rule, through the fake Bot API with a controllable clock: staff grade
households (from the ledger or registered) and name who keeps in touch; what residents already do counts as
being heard from; nobody heard from in 48 hours (24 in a red alert) -> one visit-or-call task; its outcomes."""

from __future__ import annotations

from sqlmodel import select

from bot.platform.scheduling.due import DueWorkRunner
from bot.platform.scheduling.registry import HANDLERS, RECURRING
from models import AuditEntry, Building, Household, Notice, NoticeSend, Task
from tests.features.ledger.test_flow import SMALL
from tests.flows.helpers import ADMIN_ID, consent, deliver, full_report, go_on_duty, make_invite, register, texts_to


async def world(bot, user_factory):
    admin = user_factory(user_id=ADMIN_ID)
    await register(admin, unit="9-901")
    lin, ming, vol = user_factory(first_name="Lin"), user_factory(first_name="Ming"), user_factory(first_name="Vol")
    await consent(lin, await make_invite(admin, "community worker", "Grid 1"))
    await consent(ming, await make_invite(admin, "community worker", "Grid 2"))
    await consent(vol, await make_invite(admin, "volunteer", "Grid 1"))
    await admin.send_document(SMALL, "small.csv")
    await admin.press("Import")
    mei = user_factory(first_name="Mei")
    await register(mei, unit="2-502")
    return admin, lin, ming, vol, mei


async def add(staff, building: str, unit: str, grade: str, reasons: tuple[str, ...], who: str):
    await staff.send("/vulnerable")
    await staff.press("Add a household")
    await staff.press(building)
    r = await staff.press(unit)
    assert "which grade?" in r.text
    await staff.press(grade)
    for reason in reasons:
        await staff.press(reason)
    await staff.press("Continue")
    return await staff.press(who)


def runner(bot) -> DueWorkRunner:
    return DueWorkRunner(bot.app.sessionmaker, bot.app.clock, HANDLERS, recurring=dict(RECURRING))


async def test_nobody_heard_from_in_48_hours_gets_one_visit_and_its_outcome_counts(bot, user_factory, tg, session,
                                                                                    clock):
    _admin, lin, ming, vol, mei = await world(bot, user_factory)
    r = await add(lin, "Building 1", "1-101", "1 — highest need", ("living alone",), "Vol")
    assert "Saved" in r.text
    await add(lin, "Building 1", "2-502", "3", ("chronic illness",), "The grid's volunteers")
    r = await lin.send("/vulnerable")
    text = "\n".join(r.texts)
    assert "Vulnerable households in your area: 2" in text
    assert "Building 1 1-101 · grade 1 · living alone, aged 70+ · responsible: Vol Li · last heard: never" in text
    r = await ming.send("/vulnerable")  # another grid
    assert "in your area: 0" in "\n".join(r.texts)
    wang = (await session.exec(select(Household).join(Building, Building.id == Household.building_id).where(
        Household.unit == "1-101", Building.code == "YG-01"))).one()
    wang_id = wang.id
    r = await ming.press_data(f"vu:hh:{wang_id}:")
    assert "permission" in r.alert
    r = await mei.send("/vulnerable")
    assert "permission" in r.text

    await runner(bot).sweep()  # books the hourly watch
    clock.advance(hours=40)
    await full_report(mei, "36.6")  # Mei is heard from: her report counts
    clock.advance(hours=7, minutes=30)
    await runner(bot).sweep()
    session.expire_all()
    assert (await session.exec(select(Task).where(Task.kind == "visit"))).all() == []  # 47.5 hours: not yet
    clock.advance(hours=1)
    await runner(bot).sweep()
    clock.advance(hours=1)
    await runner(bot).sweep()  # the next hour: no second task while one is open
    session.expire_all()
    tasks = (await session.exec(select(Task).where(Task.kind == "visit"))).all()
    assert [(t.household_id, t.urgency) for t in tasks] == [(wang_id, "urgent")]
    await deliver(bot)
    offer = [t for t in texts_to(tg, vol) if "visit or call" in t][-1]
    assert "1-101" in offer and "living alone, aged 70+" in offer
    r = await lin.send("/vulnerable")
    assert "1-101" in "\n".join(r.texts)

    await vol.press("I'll take it")
    r = await vol.press("Reached them")
    clock.advance(hours=47)
    await runner(bot).sweep()
    session.expire_all()
    visits = (await session.exec(select(Task).where(Task.kind == "visit"))).all()
    assert sum(t.household_id == wang_id for t in visits) == 1  # reached 47 hours ago: not yet again
    assert len(visits) == 2  # but Mei's report is 56 hours old now
    r = await lin.send("/vulnerable")
    assert "ago (a visit or call)" in "\n".join(r.texts)
    session.expire_all()
    assert (await session.exec(select(AuditEntry).where(AuditEntry.action == "read_vulnerable"))).all()


async def test_in_a_red_alert_24_hours_is_enough_and_not_reaching_them_alerts_staff(bot, user_factory, tg, session,
                                                                                    clock):
    _admin, lin, _ming, vol, _mei = await world(bot, user_factory)
    await go_on_duty(vol)
    await add(lin, "Building 1", "2-202", "2", ("dementia",), "The grid's volunteers")
    # A red alert went out (made here directly: the notices capability's own tests send them through the chat).
    notice = Notice(community_id=1, text="🔴", level="red", audience={}, first_at=clock.now(),
                    timezone="Asia/Shanghai", status="done")
    session.add(notice)
    await session.flush()
    session.add(NoticeSend(notice_id=notice.id, due_at=clock.now(), sent_at=clock.now()))
    await session.commit()
    await runner(bot).sweep()
    clock.advance(hours=25)
    await runner(bot).sweep()
    session.expire_all()
    task = (await session.exec(select(Task).where(Task.kind == "visit"))).one()
    assert task.urgency == "today"
    await deliver(bot)
    await vol.press_data(f"task:claim:{task.id}")
    await vol.press("Could not reach")
    await deliver(bot)
    alert = [t for t in texts_to(tg, lin) if "could not reach" in t][-1]
    assert "2-202" in alert and "vulnerable household" in alert

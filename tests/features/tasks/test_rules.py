"""Supply requests and volunteer dispatch rules, on SQLite and PostgreSQL, without Telegram."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import select

from bot.kernel.errors import DomainError, PermissionDenied
from bot.kernel.permissions import Actor, Grant, Role, Scope
from bot.kernel.structure import import_structure, parse_structure
from bot.platform.clock import FakeClock
from bot.registration.rules import complete_registration
from bot.supplies import rules as supplies
from bot.tasks import rules as dispatch
from models import Building, Grid, Person, RoleGrant, Task, TaskOffer, VolunteerProfile

YAML = """
communities:
  - code: c1
    name: C1
    grids:
      - {code: G1, name: G1, buildings: [{code: B1, name: B1}, {code: B2, name: B2}]}
      - {code: G2, name: G2, buildings: [{code: B3, name: B3}]}
"""
NOW = FakeClock().now()


@pytest.mark.parametrize(("urgency", "care", "priority"), [
    ("urgent", [], 0), ("urgent", ["infant"], 0), ("today", [], 2), ("today", ["elderly_alone"], 1),
    ("normal", [], 4), ("normal", ["disability", "chronic"], 3),
])
def test_priority(urgency: str, care: list[str], priority: int) -> None:
    assert dispatch.task_priority(urgency, care) == priority


@pytest.mark.parametrize(("raw", "n"), [("2", 2), ("２", 2), ("3袋", 3), ("x4", 4), ("10 packs", 10), ("99", 99)])
def test_quantities(raw: str, n: int) -> None:
    assert supplies.parse_quantity(raw) == n


@pytest.mark.parametrize(("raw", "code"), [("0", "qty_positive"), ("-2", "qty_positive"), ("100", "qty_too_large"),
                                           ("999999999", "qty_too_large"), ("two", "qty_not_number"),
                                           ("1.5", "qty_not_number"), ("", "qty_not_number")])
def test_bad_quantities(raw: str, code: str) -> None:
    with pytest.raises(DomainError) as e:
        supplies.parse_quantity(raw)
    assert e.value.code == code


def test_categories_need_skills() -> None:
    assert supplies.skill_for("medicine") == "medicine"
    assert supplies.skill_for("groceries") == "delivery"
    with pytest.raises(DomainError):
        supplies.skill_for("weapons")


async def world(session, care: list[str] | None = None):
    await import_structure(session, parse_structure(YAML))
    b1 = (await session.exec(select(Building).where(Building.code == "B1"))).one()
    g1, g2 = (await session.exec(select(Grid).order_by(Grid.id))).all()
    resident = Person(tg_user_id=1, full_name="Granny Wu", phone="+8613800000000")
    session.add(resident)
    await session.commit()
    await complete_registration(session, resident, building_id=b1.id, unit="1-101", size=1,
                                care_needs=care or [], phone=None, now=NOW)
    return resident, b1, g1, g2


async def volunteer(session, tg_id: int, grid: Grid, skills=("delivery",), on_duty=True, max_tasks=3,
                    role: str = "volunteer") -> Person:
    p = Person(tg_user_id=tg_id, full_name=f"V{tg_id}")
    session.add(p)
    await session.flush()
    session.add(RoleGrant(person_id=p.id, role=role, community_id=grid.community_id, grid_id=grid.id))
    session.add(VolunteerProfile(person_id=p.id, grid_ids=[grid.id], skills=list(skills), on_duty=on_duty,
                                 max_tasks=max_tasks))
    await session.commit()
    return p


async def new_task(session, resident, category: str = "groceries", urgency: str = "normal") -> Task:
    r = await supplies.create_request(session, resident, category=category, items=[{"name": "rice", "qty": "2"}],
                                      urgency=urgency, note=None, now=NOW)
    await session.commit()
    return r.task


async def test_request_becomes_a_prioritised_task(session):
    resident, _b1, g1, _ = await world(session, care=["elderly_alone"])
    task = await new_task(session, resident, urgency="today")
    assert (task.kind, task.skill, task.grid_id, task.priority, task.status) == ("supply", "delivery", g1.id, 1, "open")
    assert task.ref == f"S-{task.id:04d}"
    for bad, code in [({"items": []}, "no_items"), ({"urgency": "asap"}, "bad_urgency"),
                      ({"items": [{"name": "rice", "qty": "0"}]}, "qty_positive"),
                      ({"items": [{"name": "x" * 61, "qty": "1"}]}, "item_too_long"),
                      ({"items": [{"name": "r", "qty": 1}] * 11}, "too_many_items")]:
        kw = {"category": "groceries", "items": [{"name": "rice", "qty": 1}], "urgency": "normal", **bad}
        with pytest.raises(DomainError) as e:
            await supplies.create_request(session, resident, note=None, now=NOW, **kw)
        assert e.value.code == code


async def test_eligibility_skill_grid_duty_capacity_and_fairness(session):
    resident, _b1, g1, g2 = await world(session)
    busy = await volunteer(session, 10, g1, max_tasks=1)
    idle = await volunteer(session, 11, g1)
    await volunteer(session, 12, g1, on_duty=False)
    await volunteer(session, 13, g2)  # another grid
    medic = await volunteer(session, 14, g1, skills=("medicine",))
    t1 = await new_task(session, resident)
    assert [p.id for p in await dispatch.eligible_volunteers(session, t1)] == [busy.id, idle.id]
    await dispatch.claim(session, t1.id, busy, NOW)
    await session.commit()
    t2 = await new_task(session, resident)
    assert [p.id for p in await dispatch.eligible_volunteers(session, t2)] == [idle.id]  # busy is at capacity
    t3 = await new_task(session, resident, category="medicine")
    assert [p.id for p in await dispatch.eligible_volunteers(session, t3)] == [medic.id]


async def test_the_claim_race_has_exactly_one_winner(sessionmaker, session):
    resident, _b1, g1, _ = await world(session)
    vols = [await volunteer(session, 100 + i, g1) for i in range(6)]
    task = await new_task(session, resident, urgency="urgent")
    task_id, vol_ids = task.id, [v.id for v in vols]
    for v in vols:
        session.add(TaskOffer(task_id=task_id, volunteer_id=v.id))
    await session.commit()

    async def press(vid: int) -> str:
        async with sessionmaker() as s:
            try:
                await dispatch.claim(s, task_id, await s.get(Person, vid), NOW)
                await s.commit()
                return "won"
            except DomainError as e:
                return e.code
            except Exception as e:
                return type(e).__name__

    results = await asyncio.gather(*(press(v) for v in vol_ids))
    assert results.count("won") == 1, results
    assert set(results) - {"won"} <= {"task_taken", "OperationalError"}, results
    session.expire_all()
    task = await session.get(Task, task_id)
    winner = vol_ids[results.index("won")]
    assert task.claimed_by_id == winner and task.status == "claimed"
    offers = {o.volunteer_id: o.status for o in (await session.exec(select(TaskOffer))).all()}
    assert offers[winner] == "claimed" and sorted(set(offers.values())) == ["claimed", "taken"]


async def test_steps_release_and_who_sees_the_address(session):
    resident, _b1, g1, g2 = await world(session)
    a = await volunteer(session, 20, g1)
    b = await volunteer(session, 21, g1)
    task = await new_task(session, resident)
    with pytest.raises(PermissionDenied):
        await dispatch.resident_details(session, task.id, b, Actor(person_id=b.id), "en")
    await dispatch.claim(session, task.id, a, NOW)
    details = await dispatch.resident_details(session, task.id, a, Actor(person_id=a.id), "en")
    assert (details.name, details.building, details.unit) == ("Granny Wu", "B1", "1-101")
    with pytest.raises(PermissionDenied):  # the one who did not claim sees nothing, whatever they press
        await dispatch.resident_details(session, task.id, b, Actor(person_id=b.id), "en")
    with pytest.raises(PermissionDenied):
        await dispatch.picked_up(session, task.id, b, NOW)
    staff_g2 = Actor(person_id=None, grants=(Grant(Role.STAFF, Scope(g2.community_id, g2.id)),))
    with pytest.raises(PermissionDenied):
        await dispatch.resident_details(session, task.id, b, staff_g2, "en")
    staff_g1 = Actor(person_id=None, grants=(Grant(Role.STAFF, Scope(g1.community_id, g1.id)),))
    assert (await dispatch.resident_details(session, task.id, b, staff_g1, "en")).unit == "1-101"

    with pytest.raises(DomainError) as e:
        await dispatch.release(session, task.id, a, "  ", NOW)
    assert e.value.code == "reason_empty"
    with pytest.raises(DomainError) as e:  # someone else's task, or a stale button: one answer
        await dispatch.release(session, task.id, b, "not mine", NOW)
    assert e.value.code == "already_done"
    await dispatch.release(session, task.id, a, "my child is ill", NOW)
    assert task.status == "open" and task.releases == 1 and task.claimed_by_id is None
    with pytest.raises(DomainError) as e:  # the reason typed after the task already went back
        await dispatch.release(session, task.id, a, "again", NOW)
    assert e.value.code == "already_done"
    assert [p.id for p in await dispatch.eligible_volunteers(session, task, exclude={a.id})] == [b.id]
    await dispatch.claim(session, task.id, b, NOW)
    await dispatch.picked_up(session, task.id, b, NOW)
    with pytest.raises(DomainError):
        await dispatch.picked_up(session, task.id, b, NOW)  # pressed twice
    await dispatch.delivered(session, task.id, b, NOW)
    with pytest.raises(PermissionDenied):
        await dispatch.confirm_receipt(session, task.id, b, NOW)  # only the household confirms
    await dispatch.confirm_receipt(session, task.id, resident, NOW)
    assert task.status == "confirmed"


async def test_cancel_rules(session):
    resident, _b1, g1, g2 = await world(session)
    v = await volunteer(session, 30, g1)
    task = await new_task(session, resident)
    stranger = Person(tg_user_id=31, household_id=None)
    session.add(stranger)
    await session.commit()
    with pytest.raises(PermissionDenied):
        await dispatch.cancel(session, task.id, by_resident=stranger, now=NOW)
    await dispatch.claim(session, task.id, v, NOW)
    await dispatch.picked_up(session, task.id, v, NOW)
    with pytest.raises(DomainError) as e:
        await dispatch.cancel(session, task.id, by_resident=resident, now=NOW)
    assert e.value.code == "too_late_to_cancel"
    other_staff = Actor(person_id=None, grants=(Grant(Role.STAFF, Scope(g2.community_id, g2.id)),))
    with pytest.raises(PermissionDenied):
        await dispatch.cancel(session, task.id, by_staff=other_staff, reason="dup", now=NOW)
    staff = Actor(person_id=None, grants=(Grant(Role.STAFF, Scope(g1.community_id)),))
    with pytest.raises(DomainError):
        await dispatch.cancel(session, task.id, by_staff=staff, reason="", now=NOW)
    await dispatch.cancel(session, task.id, by_staff=staff, reason="duplicate request", now=NOW)
    assert task.status == "cancelled" and task.close_reason == "duplicate request"


async def test_a_resident_cannot_cancel_a_call_or_a_door_knock_about_them(session):
    resident, _b1, g1, _g2 = await world(session)
    for kind in ("checkin", "doorknock", "followup"):
        task = Task(kind=kind, community_id=g1.community_id, grid_id=g1.id, household_id=resident.household_id,
                    subject_person_id=resident.id, skill="phone", created_at=NOW)
        session.add(task)
        await session.commit()
        with pytest.raises(PermissionDenied):
            await dispatch.cancel(session, task.id, by_resident=resident, now=NOW)
        assert task.status == "open"


async def test_steps_belong_to_their_kind_of_task(session):
    resident, _b1, g1, _g2 = await world(session)
    v = await volunteer(session, 40, g1, skills=["phone", "delivery"])
    call = Task(kind="checkin", community_id=g1.community_id, grid_id=g1.id, household_id=resident.household_id,
                subject_person_id=resident.id, skill="phone", created_at=NOW)
    session.add(call)
    await session.commit()
    await dispatch.claim(session, call.id, v, NOW)
    for step in (dispatch.picked_up, dispatch.delivered):  # forged "Picked up" / "Delivered" on a phone call
        with pytest.raises(DomainError) as e:
            await step(session, call.id, v, NOW)
        assert e.value.code == "bad_step"
    with pytest.raises(DomainError) as e:  # nor is it closed as a health follow-up, without an outcome
        await dispatch.resolvable(session, call.id, v, Actor(person_id=v.id))
    assert e.value.code == "bad_step"
    assert call.status == "claimed"


async def test_a_duty_profile_starts_off_duty_for_the_role_s_grids_and_buttons_act_once(session):
    await import_structure(session, parse_structure(YAML))
    g1, g2 = (await session.exec(select(Grid).order_by(Grid.id))).all()
    p = Person(tg_user_id=77, full_name="Wei")
    session.add(p)
    await session.commit()
    community_wide = Actor(person_id=p.id, grants=(Grant(Role.VOLUNTEER, Scope(g1.community_id)),))
    profile = await dispatch.duty_profile(session, p, community_wide)
    assert profile.grid_ids == sorted([g1.id, g2.id]) and profile.on_duty is False
    for _ in range(2):  # the same button twice: on, not on-then-off
        profile = await dispatch.change_duty(session, p, community_wide, "duty", "on", NOW)
    assert profile.on_duty is True
    with pytest.raises(DomainError) as e:  # yesterday's "toggle" button, or a forged number of tasks
        await dispatch.change_duty(session, p, community_wide, "toggle", "", NOW)
    assert e.value.code == "bad_step"
    with pytest.raises(DomainError):
        await dispatch.change_duty(session, p, community_wide, "max", "40", NOW)
    with pytest.raises(PermissionDenied):  # a resident has no duty
        await dispatch.duty_profile(session, p, Actor(person_id=p.id))


async def test_rest_limits_keep_a_tired_volunteer_out_of_dispatch_and_refuse_their_claim(session):
    """A volunteer who has taken their day's share, or given their week's hours, is offered nothing more and
    is told to rest if they press an old offer; the others are offered it."""
    from datetime import timedelta

    resident, _b1, g1, _g2 = await world(session)
    tired, fresh = await volunteer(session, 20, g1, max_tasks=5), await volunteer(session, 21, g1)
    profile = await session.get(VolunteerProfile, tired.id)
    profile.max_per_day = 2
    for hours_ago in (20, 5):  # two taken and delivered within the day
        t = await new_task(session, resident)
        t.status, t.claimed_by_id = "delivered", tired.id
        t.claimed_at, t.delivered_at = NOW - timedelta(hours=hours_ago), NOW - timedelta(hours=hours_ago - 1)
    await session.commit()
    task = await new_task(session, resident)
    assert [p.id for p in await dispatch.eligible_volunteers(session, task, now=NOW)] == [fresh.id]
    with pytest.raises(DomainError) as e:
        await dispatch.claim(session, task.id, tired, NOW)
    assert e.value.code == "rest_day" and e.value.params == {"max": 2}
    week = await dispatch.served(session, tired.id, NOW - timedelta(days=7), NOW)
    assert (week.taken, week.finished, round(week.hours, 1), week.in_hand) == (2, 2, 2.0, 0)
    profile.max_per_day, profile.max_hours_week = 8, 2  # now the week's hours are the limit
    await session.commit()
    with pytest.raises(DomainError) as e:
        await dispatch.claim(session, task.id, tired, NOW)
    assert e.value.code == "rest_week"
    profile.max_hours_week = 40
    await session.commit()
    assert (await dispatch.claim(session, task.id, tired, NOW)).task.claimed_by_id == tired.id

"""The case engine's rules, on SQLite and PostgreSQL, without Telegram: joining, states, scope, figures."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.cases import rules as cases
from bot.kernel.errors import DomainError, PermissionDenied
from bot.kernel.permissions import Actor, Grant, Role, Scope
from bot.kernel.structure import import_structure, parse_structure
from bot.platform.clock import FakeClock
from bot.registration.rules import complete_registration
from models import Building, Grid, Person
from models.cases import Case, CaseEvent

YAML = """
communities:
  - code: c1
    name: C1
    grids:
      - {code: G1, name: G1, buildings: [{code: B1, name: B1}, {code: B2, name: B2}]}
      - {code: G2, name: G2, buildings: [{code: B3, name: B3}]}
"""
NOW = FakeClock().now()
WINDOW = timedelta(hours=72)


def test_distances_and_places() -> None:
    assert cases.metres_apart((31.23041, 121.47370), (31.23070, 121.47385)) == pytest.approx(35, abs=3)
    assert cases.metres_apart((31.2304, 121.4737), (31.2404, 121.4737)) == pytest.approx(1112, abs=5)
    case = Case(kind="hazard", category="garbage", community_id=1, place_text="North Gate")
    assert cases.same_place(case, cases.Place(text="ｎｏｒｔｈ  gate"))  # full-width, spaces, case
    assert not cases.same_place(case, cases.Place(text="South gate"))
    assert not cases.same_place(case, cases.Place(building_id=3))
    with pytest.raises(DomainError):
        cases.Place()


async def world(session):
    await import_structure(session, parse_structure(YAML))
    b = {x.code: x for x in (await session.exec(select(Building))).all()}
    g = {x.code: x for x in (await session.exec(select(Grid))).all()}
    people = []
    for i, code in enumerate(("B1", "B1", "B3")):
        p = Person(tg_user_id=100 + i, full_name=f"P{i}")
        session.add(p)
        await session.commit()
        await complete_registration(session, p, building_id=b[code].id, unit=f"1-{i}", size=1, care_needs=[],
                                    phone=None, now=NOW)
        people.append(p)
    await session.commit()
    return b, g, people


def hazard(category: str = "passage", **place) -> cases.Report:
    return cases.Report(kind="hazard", category=category, place=cases.Place(**place))


async def test_the_same_thing_joins_within_the_window_only_while_open(session):
    b, _g, (a, c, far) = await world(session)
    r1 = await cases.report(session, a, hazard(building_id=b["B1"].id), join_window=WINDOW, now=NOW)
    r2 = await cases.report(session, c, hazard(building_id=b["B1"].id), join_window=WINDOW, now=NOW)
    assert r2.joined and r2.case.id == r1.case.id and r2.followers == 2
    again = await cases.report(session, a, hazard(building_id=b["B1"].id), join_window=WINDOW, now=NOW)
    assert again.joined and again.followers == 2  # the same person twice: one follower, one more event
    other = await cases.report(session, a, hazard("garbage", building_id=b["B1"].id), join_window=WINDOW, now=NOW)
    assert not other.joined
    late = await cases.report(session, c, hazard(building_id=b["B1"].id), join_window=WINDOW,
                              now=NOW + WINDOW + timedelta(minutes=1))
    assert not late.joined  # reported more than 72 h after the open one
    r1.case.status = "closed"
    fresh = await cases.report(session, far, hazard(building_id=b["B1"].id), join_window=WINDOW, now=NOW)
    assert fresh.case.id != r1.case.id and fresh.case.grid_id == b["B1"].grid_id  # where it is, not where she lives
    with pytest.raises(DomainError) as e:
        await cases.report(session, a, hazard(building_id=99999), join_window=WINDOW, now=NOW)
    assert e.value.code == "bad_address"


async def test_states_scope_and_the_first_acknowledgement(session):
    b, g, (a, c, _far) = await world(session)
    r = await cases.report(session, a, hazard(building_id=b["B1"].id), join_window=WINDOW, now=NOW)
    await session.commit()
    g1 = Actor(person_id=c.id, grants=(Grant(Role.STAFF, Scope(g["G1"].community_id, g["G1"].id)),))
    g2 = Actor(person_id=a.id, grants=(Grant(Role.STAFF, Scope(g["G2"].community_id, g["G2"].id)),))
    with pytest.raises(PermissionDenied):
        await cases.acknowledge(session, g2, r.case.id, NOW)
    with pytest.raises(DomainError) as e:
        await cases.start_work(session, g1, r.case.id, NOW)  # not taken yet
    assert e.value.code == "already_done"
    await cases.acknowledge(session, g1, r.case.id, NOW)
    with pytest.raises(DomainError) as e:
        await cases.acknowledge(session, g1, r.case.id, NOW)
    assert e.value.code == "case_yours"
    other = Actor(person_id=None, grants=(Grant(Role.ADMIN, Scope(g["G1"].community_id)),))
    with pytest.raises(DomainError) as e:
        await cases.acknowledge(session, other, r.case.id, NOW)
    assert e.value.code == "case_taken" and e.value.params["name"] == "P1"
    with pytest.raises(DomainError):
        await cases.resolve(session, g1, r.case.id, "", None, NOW)  # a resolution needs words
    await cases.resolve(session, g1, r.case.id, "Cleared", None, NOW)
    with pytest.raises(DomainError):
        await cases.reject(session, g1, r.case.id, "late", NOW)  # resolved: waiting for the neighbours


async def test_not_fixed_reopens_every_yes_closes_and_silence_counts_as_fixed(session):
    b, g, (a, c, _far) = await world(session)
    staff = Actor(person_id=None, grants=(Grant(Role.STAFF, Scope(g["G1"].community_id)),))
    r = await cases.report(session, a, hazard(building_id=b["B1"].id), join_window=WINDOW, now=NOW)
    await cases.report(session, c, hazard(building_id=b["B1"].id), join_window=WINDOW, now=NOW)
    await session.commit()
    await cases.acknowledge(session, staff, r.case.id, NOW)
    await cases.resolve(session, staff, r.case.id, "Done", None, NOW)
    answer = await cases.answer_fixed(session, c, r.case.id, False, "Still there", NOW)
    assert answer.reopened and answer.case.status == "in_progress" and answer.case.reopened == 1
    assert await cases.close_unanswered(session, r.case.id, 0, NOW) is None  # the old deadline: it moved on
    await cases.resolve(session, staff, r.case.id, "Done again", None, NOW)
    assert not (await cases.answer_fixed(session, a, r.case.id, True, None, NOW)).closed
    with pytest.raises(DomainError):
        await cases.answer_fixed(session, a, r.case.id, True, None, NOW)  # she has answered
    closed = await cases.close_unanswered(session, r.case.id, 1, NOW)
    assert closed is not None and closed.status == "closed"
    fixed = sorted(f.fixed for f in await cases.followers(session, r.case.id))
    assert fixed == ["timeout", "yes"]


async def test_the_figures_on_a_known_set(session):
    """Four cases in G1 over a week: two closed fixed, one reopened and then fixed, one rejected; one in G2."""
    b, g, (a, _c, far) = await world(session)
    staff = Actor(person_id=None, grants=(Grant(Role.STAFF, Scope(g["G1"].community_id, g["G1"].id)),))
    day = timedelta(days=1)

    async def case_at(start, category, who=a, building="B1"):
        r = await cases.report(session, who, hazard(category, building_id=b[building].id), join_window=WINDOW,
                               now=start)
        await session.commit()
        return r.case

    c1 = await case_at(NOW - 6 * day, "passage")
    await cases.acknowledge(session, staff, c1.id, NOW - 6 * day + timedelta(minutes=30))
    await cases.resolve(session, staff, c1.id, "ok", None, NOW - 6 * day + timedelta(hours=4))
    await cases.answer_fixed(session, a, c1.id, True, None, NOW - 5 * day)
    c2 = await case_at(NOW - 4 * day, "garbage")
    await cases.acknowledge(session, staff, c2.id, NOW - 4 * day + timedelta(minutes=10))
    await cases.resolve(session, staff, c2.id, "ok", None, NOW - 4 * day + timedelta(hours=2))
    await cases.answer_fixed(session, a, c2.id, False, "no", NOW - 4 * day + timedelta(hours=3))
    await cases.resolve(session, staff, c2.id, "ok now", None, NOW - 3 * day)
    await cases.answer_fixed(session, a, c2.id, True, None, NOW - 3 * day + timedelta(hours=1))
    c3 = await case_at(NOW - 2 * day, "lift")
    await cases.acknowledge(session, staff, c3.id, NOW - 2 * day + timedelta(minutes=90))
    await cases.reject(session, staff, c3.id, "the management company's", NOW - 2 * day + timedelta(hours=1))
    c4 = await case_at(NOW - 40 * day, "water")  # outside both windows
    await cases.acknowledge(session, staff, c4.id, NOW - 40 * day)
    c5 = await case_at(NOW - day, "door", who=far, building="B3")  # another grid: not this worker's
    admin = Actor(person_id=None, grants=(Grant(Role.ADMIN, Scope(g["G2"].community_id, g["G2"].id)),))
    await cases.acknowledge(session, admin, c5.id, NOW - day)
    await session.commit()
    f = await cases.figures(session, staff, "hazard", NOW - 7 * day, NOW)
    assert (f.fixed, f.reopened, f.rejected, f.closures) == (2, 1, 1, 4)
    assert f.closure_rate == 0.5
    assert f.median_ack_minutes == 30  # 10, 30, 90
    assert f.median_resolve_minutes == 180  # first resolutions only: 240 and 120
    events = (await session.exec(select(CaseEvent).where(CaseEvent.action == "acknowledged"))).all()
    assert len(events) == 5
    empty = await cases.figures(session, staff, "hazard", NOW - timedelta(hours=1), NOW)
    assert empty.closure_rate is None and empty.median_ack_minutes is None
    shown, total = await cases.open_in_scope(session, staff, "hazard")
    assert total == 1 and [c.id for c in shown] == [c4.id]  # taken 40 days ago and never resolved; c5 not theirs


async def test_neighbours_reporting_at_the_same_moment_make_one_case(sessionmaker, session):
    b, _g, people = await world(session)
    more = []
    for i in range(4):
        p = Person(tg_user_id=200 + i, full_name=f"N{i}")
        session.add(p)
        await session.commit()
        await complete_registration(session, p, building_id=b["B1"].id, unit=f"2-{i}", size=1, care_needs=[],
                                    phone=None, now=NOW)
        more.append(p.id)
    await session.commit()
    ids = [people[0].id, people[1].id, *more]

    async def press(pid: int) -> str:
        async with sessionmaker() as s:
            try:
                r = await cases.report(s, await s.get(Person, pid), hazard(building_id=b["B1"].id),
                                       join_window=WINDOW, now=NOW)
                await s.commit()
                return "joined" if r.joined else "opened"
            except Exception as e:  # SQLite: a writer that lost the race fails instead of doubling the case
                return type(e).__name__

    results = await asyncio.gather(*(press(pid) for pid in ids))
    assert results.count("opened") == 1, results
    assert set(results) <= {"opened", "joined", "OperationalError"}, results
    session.expire_all()
    assert len((await session.exec(select(Case))).all()) == 1

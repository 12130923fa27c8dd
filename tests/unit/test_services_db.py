"""Services against a real database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.access import rules as inv
from bot.kernel.errors import DomainError, PermissionDenied
from bot.kernel.permissions import Actor, Grant, Role, Scope
from bot.kernel.structure import StructureFileError, import_structure, parse_structure
from bot.platform.clock import FakeClock
from bot.privacy import rules as privacy
from bot.registration import rules as registration
from bot.roles import rules as roles
from models import AuditEntry, Building, Community, Grid, Household, Person, RoleGrant

YAML = """
communities:
  - code: c1
    name: 一社区
    grids:
      - code: G1
        name: 一网格
        buildings:
          - {code: B-1, name: 1号楼}
          - {code: B-2, name: 2号楼, units: [1, 2]}
"""


async def test_structure_import_is_idempotent_and_updates(session):
    r1 = await import_structure(session, parse_structure(YAML))
    assert r1.created == {"community": 1, "grid": 1, "building": 2}
    r2 = await import_structure(session, parse_structure(YAML))
    assert r2.created == {"community": 0, "grid": 0, "building": 0} and r2.updated["building"] == 0
    r3 = await import_structure(session, parse_structure(YAML.replace("2号楼", "二号楼")))
    assert r3.updated["building"] == 1
    b = (await session.exec(select(Building).where(Building.code == "B-2"))).one()
    assert b.name == "二号楼" and b.units == ["1", "2"]
    assert len((await session.exec(select(Community))).all()) == 1


@pytest.mark.parametrize(("text", "needle"), [
    ("communities: [{code: 'a b', name: x}]", "code 'a b'"),
    ("communities: [{code: a}]", "name"),
    ("{{{", "not valid YAML"),
    ("communities:\n - code: a\n   name: x\n   grids: [{code: g, name: g, buildings: [{code: b, name: one}, "
     "{code: b, name: two}]}]", "appears twice"),
])
def test_structure_file_errors_are_clear(text: str, needle: str) -> None:
    with pytest.raises(StructureFileError) as e:
        parse_structure(text)
    assert needle in str(e.value)


async def _setup(session) -> tuple[Community, Grid, Person, Actor]:
    await import_structure(session, parse_structure(YAML))
    comm = (await session.exec(select(Community))).one()
    grid = (await session.exec(select(Grid))).one()
    admin = Person(tg_user_id=1, full_name="Admin")
    session.add(admin)
    await session.commit()
    return comm, grid, admin, Actor(person_id=admin.id, grants=(Grant(Role.ADMIN, Scope(comm.id)),))


async def test_single_use_invitation_race_has_one_winner(sessionmaker, session):
    comm, grid, _admin, actor = await _setup(session)
    clock = FakeClock()
    created = await inv.create_invitation(session, actor, role=Role.VOLUNTEER, scope=Scope(comm.id, grid.id),
                                          max_uses=1, ttl=timedelta(days=1), now=clock.now())
    people = [Person(tg_user_id=100 + i, full_name=f"V{i}") for i in range(6)]
    session.add_all(people)
    await session.commit()

    async def redeem(p: Person) -> str:
        async with sessionmaker() as s:
            try:
                await inv.redeem_invitation(s, created.token, await s.get(Person, p.id), clock.now())
                return "ok"
            except DomainError as e:
                return e.code
            except Exception as e:
                return type(e).__name__

    results = await asyncio.gather(*(redeem(p) for p in people))
    assert results.count("ok") == 1, results
    assert set(results) - {"ok"} <= {"invite_used", "OperationalError"}
    session.expire_all()
    assert len((await session.exec(select(RoleGrant))).all()) == 1


async def test_invitation_rules(session):
    comm, grid, admin, actor = await _setup(session)
    clock = FakeClock()
    staff = Actor(person_id=admin.id, grants=(Grant(Role.STAFF, Scope(comm.id, grid.id)),))
    with pytest.raises(PermissionDenied):
        await inv.create_invitation(session, staff, role=Role.ADMIN, scope=Scope(comm.id), max_uses=1,
                                    ttl=timedelta(days=1), now=clock.now())
    with pytest.raises(DomainError) as e:
        await inv.create_invitation(session, actor, role=Role.STAFF, scope=Scope(comm.id, 9999), max_uses=1,
                                    ttl=timedelta(days=1), now=clock.now())
    assert e.value.code == "not_found"
    with pytest.raises(DomainError):
        await inv.create_invitation(session, actor, role=Role.STAFF, scope=Scope(comm.id), max_uses=0,
                                    ttl=timedelta(days=1), now=clock.now())
    multi = await inv.create_invitation(session, actor, role=Role.VOLUNTEER, scope=Scope(comm.id), max_uses=None,
                                        ttl=timedelta(days=1), now=clock.now())
    p = Person(tg_user_id=500)
    session.add(p)
    await session.commit()
    g1 = await inv.redeem_invitation(session, multi.token, p, clock.now())
    g2 = await inv.redeem_invitation(session, multi.token, p, clock.now())  # same person twice: no new grant
    assert g1.id == g2.id
    await roles.revoke_grant(session, actor, g1.id, clock.now())
    with pytest.raises(DomainError):
        await roles.revoke_grant(session, actor, g1.id, clock.now())
    outsider = Actor(person_id=p.id, grants=(Grant(Role.ADMIN, Scope(comm.id + 1)),))
    with pytest.raises(PermissionDenied):
        await inv.revoke_invitation(session, outsider, multi.invitation.id, clock.now())
    with pytest.raises(PermissionDenied):
        await roles.list_grants(session, Actor(person_id=p.id), clock.now())


async def test_household_linking_and_erasure(session):
    await import_structure(session, parse_structure(YAML))
    b = (await session.exec(select(Building).where(Building.code == "B-1"))).one()
    now = FakeClock().now()
    a, c = Person(tg_user_id=1), Person(tg_user_id=2)
    session.add_all([a, c])
    await session.commit()
    r1 = await registration.complete_registration(session, a, building_id=b.id, unit="2单元502", size=3,
                                                  care_needs=["infant"], phone="138 0000 0000", now=now)
    r2 = await registration.complete_registration(session, c, building_id=b.id, unit="2-502", size=9,
                                                  care_needs=[], phone=None, now=now)
    assert not r1.linked and r2.linked and r1.household.id == r2.household.id
    assert r2.household.size == 3 and r2.household.care_needs == ["infant"]
    assert r2.pending and [p.id for p in r2.confirmers] == [a.id] and c.household_id is None
    with pytest.raises(PermissionDenied):  # only a member of that household confirms
        await registration.decide_join(session, c, c.id, True, now)
    await registration.decide_join(session, a, c.id, True, now)
    await session.commit()
    assert c.household_id == r1.household.id and c.pending_household_id is None
    with pytest.raises(DomainError):  # confirmed already
        await registration.decide_join(session, a, c.id, True, now)
    member = await registration.add_member(session, a, "奶奶", now)
    data = await privacy.export_person(session, a, now)
    assert data["members_you_added"] == [{"name": "奶奶", "added_at": member.created_at.isoformat()}]
    await privacy.erase_person(session, a, now)
    # c still uses the bot, so the household and grandma stay.
    assert (await session.get(Household, r1.household.id)) is not None
    assert (await session.get(Person, member.id)).deleted_at is None
    await privacy.erase_person(session, c, now)
    assert (await session.get(Household, r1.household.id)) is None
    assert (await session.get(Person, member.id)).full_name is None
    erased = (await session.exec(select(AuditEntry).where(AuditEntry.action == "person_erased"))).all()
    assert len(erased) == 3

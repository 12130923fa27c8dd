"""Notice audiences, group binding and migration against a real database (SQLite, and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.kernel.errors import PermissionDenied
from bot.kernel.permissions import Actor, Grant, Role, Scope
from bot.kernel.structure import import_structure, parse_structure
from bot.notices import rules as notices
from models import Building, Community, Grid, Household, Person, RoleGrant
from models.notices import GroupChat, Notice, NoticeSend

NOW = datetime(2026, 3, 1, tzinfo=UTC)
YAML = """
communities:
  - code: c1
    name: C1
    grids:
      - {code: G1, name: G1, buildings: [{code: B1, name: B1}, {code: B2, name: B2}]}
      - {code: G2, name: G2, buildings: [{code: B3, name: B3}]}
"""


async def world(session):
    await import_structure(session, parse_structure(YAML))
    b = {x.code: x for x in (await session.exec(select(Building))).all()}
    g = {x.code: x for x in (await session.exec(select(Grid))).all()}
    homes = {}
    for key, (code, care) in {"a": ("B1", []), "b": ("B2", ["elderly_alone"]), "c": ("B3", []),
                              "d": ("B2", ["disability"])}.items():
        homes[key] = Household(building_id=b[code].id, unit=f"{key}-1", care_needs=care)
        session.add(homes[key])
    await session.flush()
    people = {"ann": Person(tg_user_id=1, household_id=homes["a"].id, full_name="Ann"),
              "bob": Person(tg_user_id=2, household_id=homes["b"].id, full_name="Bob"),
              "cat": Person(tg_user_id=3, household_id=homes["c"].id, full_name="Cat"),
              "dan": Person(tg_user_id=None, household_id=homes["d"].id, full_name="Dan (no Telegram)"),
              "eve": Person(tg_user_id=5, household_id=homes["a"].id, full_name="Eve", unreachable_since=NOW),
              "vol": Person(tg_user_id=6, full_name="Vol")}
    session.add_all(people.values())
    await session.flush()
    session.add(RoleGrant(person_id=people["vol"].id, role="volunteer", community_id=g["G1"].community_id,
                          grid_id=g["G1"].id))
    await session.commit()
    return b, g, homes, people


def notice(community_id: int, **audience) -> Notice:
    return Notice(community_id=community_id, text="x", first_at=NOW, timezone="Asia/Shanghai",
                  audience=notices.Audience(**audience).to_json())


async def names(session, n: Notice) -> list[str]:
    r = await notices.resolve(session, n)
    return sorted(p.full_name for p, _b, _h in r.people)


async def test_audiences(session):
    b, g, homes, _people = await world(session)
    cid = g["G1"].community_id
    assert await names(session, notice(cid)) == ["Ann", "Bob", "Cat"]  # Eve blocked the bot; Dan has no Telegram
    assert await names(session, notice(cid, grids=[g["G2"].id])) == ["Cat"]
    assert await names(session, notice(cid, buildings=[b["B2"].id])) == ["Bob"]
    assert await names(session, notice(cid, care_only=True)) == ["Bob"]
    assert await names(session, notice(cid, residents=False, roles=["volunteer"])) == ["Vol"]
    assert await names(session, notice(cid, residents=False, roles=["volunteer"], grids=[g["G2"].id])) == []
    r = await notices.resolve(session, notice(cid))
    assert sorted(r.care_households) == sorted([homes["b"].id, homes["d"].id])  # Dan's too: he needs a knock
    r = await notices.resolve(session, notice(cid, residents=False, roles=["volunteer"]))
    assert r.care_households == []  # the alert was not for residents: nobody to knock on


async def test_grid_staff_whole_area_is_their_grid_and_other_places_are_refused(session):
    b, g, _homes, _people = await world(session)
    cid = g["G1"].community_id
    grid_staff = Actor(person_id=None, grants=(Grant(Role.STAFF, Scope(cid, g["G1"].id)),))
    a = await notices.check_audience(session, grid_staff, cid, notices.Audience())
    assert a.grids == [g["G1"].id]
    with pytest.raises(PermissionDenied):
        await notices.check_audience(session, grid_staff, cid, notices.Audience(buildings=[b["B3"].id]))
    with pytest.raises(PermissionDenied):
        await notices.check_audience(session, grid_staff, cid, notices.Audience(grids=[g["G2"].id]))


async def test_binding_groups_and_following_a_migration(session):
    b, g, _homes, _people = await world(session)
    cid = g["G1"].community_id
    grid_staff = Actor(person_id=None, grants=(Grant(Role.STAFF, Scope(cid, g["G1"].id)),))
    with pytest.raises(PermissionDenied):
        await notices.bind_group(session, grid_staff, -100, "B3 group", "b", b["B3"].id, "en", NOW)
    with pytest.raises(PermissionDenied):
        await notices.bind_group(session, grid_staff, -100, "whole", "c", cid, "en", NOW)
    await notices.bind_group(session, grid_staff, -100, "B1 group", "b", b["B1"].id, "en", NOW)
    await session.commit()
    r = await notices.resolve(session, notice(cid, groups=True, residents=False))
    assert [x.chat_id for x in r.groups] == [-100]
    r = await notices.resolve(session, notice(cid, groups=True, grids=[g["G2"].id]))
    assert r.groups == []
    r = await notices.resolve(session, notice(cid))  # residents of the whole community: the group too
    assert [x.chat_id for x in r.groups] == [-100]
    for private in (notice(cid, care_only=True), notice(cid, residents=False, roles=["volunteer"])):
        assert (await notices.resolve(session, private)).groups == []  # targeted notices stay out of groups
    assert (await notices.resolve(session, notice(cid, groups=False))).groups == []
    await notices.group_migrated(session, -100, -100200)
    group = (await session.exec(select(GroupChat))).one()
    assert group.chat_id == -100200 and group.building_id == b["B1"].id


async def test_a_sender_s_latest_sends_are_found_however_busy_the_other_communities_are(session):
    _b, g, _homes, people = await world(session)
    cid = g["G1"].community_id
    other = Community(code="c2", name="C2")
    session.add(other)
    await session.flush()
    vol = people["vol"]
    mine = Notice(community_id=cid, created_by_id=vol.id, text="mine", first_at=NOW, timezone="UTC")
    session.add(mine)
    await session.flush()
    session.add(NoticeSend(notice_id=mine.id, due_at=NOW))
    for i in range(60):  # another community's busy day, all newer than mine
        n = Notice(community_id=other.id, text=f"n{i}", first_at=NOW, timezone="UTC")
        session.add(n)
        await session.flush()
        session.add(NoticeSend(notice_id=n.id, due_at=NOW))
    await session.commit()
    sender = Actor(person_id=vol.id, grants=(Grant(Role.STAFF, Scope(cid, g["G1"].id)),))
    assert [n.text for _s, n in await notices.recent_sends_in_scope(session, sender)] == ["mine"]
    theirs = Actor(person_id=None, grants=(Grant(Role.ADMIN, Scope(other.id)),))
    assert len(await notices.recent_sends_in_scope(session, theirs)) == 5
    assert "mine" not in [n.text for _s, n in await notices.recent_sends_in_scope(session, theirs, limit=100)]

"""The figures of /stats and of the evening summary against a known data set: exact numbers for the whole
community, each grid and one building; grid A's figures, lists and ledgers never hold grid B's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

import bot.features  # noqa: F401 - installs every capability's share
from bot.glance import rules as glance
from bot.kernel.errors import DomainError
from bot.kernel.glance import Area
from bot.kernel.permissions import Actor, Grant, Role, Scope
from bot.platform.i18n import get_i18n
from models import AuditEntry, HealthReport, SupplyRequest
from tests.features.glance.seed import seed

NOW = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


def flat(sections) -> dict:
    return {f"{s.glance.section}.{f.key}": f.value for s in sections for f in s.figures}


async def figures(session, area: Area) -> dict:
    return flat(await glance.sections(session, area, NOW))


async def test_the_figures_of_the_community_its_grids_and_a_building(session, structure):
    ids = await seed(session, NOW)
    c, tz = ids["community"], "Asia/Shanghai"
    whole = await figures(session, Area(c, tz, None, None, health=True))
    assert whole == {
        "people.residents": 5, "people.households": 5, "people.in_ledger": 4, "people.unreached": 2,
        "people.care": 2,
        "health.reported": 4, "health.abnormal": 3, "health.red": 1, "health.followups": 0,
        "monitoring.watched": 0, "monitoring.missed": 0, "monitoring.calls": 0,
        "supplies.open": 2, "supplies.claimed": 1, "supplies.delivered": 1, "supplies.oldest": timedelta(hours=5),
        "hazards.open": 4, "hazards.open:passage": 2, "hazards.open:garbage": 1, "hazards.open:lift": 1,
        "hazards.closure_rate": 0.75,
        "support.waiting": 1, "support.calling": 1, "support.today": 1,
        "notices.last_alert": 2 / 3,
        "volunteers.on_duty": 1, "volunteers.in_hand": 1}
    g1 = await figures(session, Area(c, tz, (ids["G1"],), None, health=True))
    assert {k: v for k, v in g1.items() if not k.startswith("monitoring")} == {
        "people.residents": 3, "people.households": 3, "people.in_ledger": 2, "people.unreached": 1,
        "people.care": 1,
        "health.reported": 3, "health.abnormal": 2, "health.red": 1, "health.followups": 0,
        "supplies.open": 1, "supplies.claimed": 1, "supplies.delivered": 1, "supplies.oldest": timedelta(hours=5),
        "hazards.open": 3, "hazards.open:passage": 2, "hazards.open:lift": 1, "hazards.closure_rate": 0.75,
        "support.waiting": 1, "support.calling": 0, "support.today": 1,
        "notices.last_alert": 0.5,
        "volunteers.on_duty": 1, "volunteers.in_hand": 1}
    g2 = await figures(session, Area(c, tz, (ids["G2"],), None, health=True))
    assert {k: v for k, v in g2.items() if not k.startswith("monitoring")} == {
        "people.residents": 2, "people.households": 2, "people.in_ledger": 2, "people.unreached": 1,
        "people.care": 1,
        "health.reported": 1, "health.abnormal": 1, "health.red": 0, "health.followups": 0,
        "supplies.open": 1, "supplies.claimed": 0, "supplies.delivered": 0, "supplies.oldest": timedelta(hours=1),
        "hazards.open": 1, "hazards.open:garbage": 1, "hazards.closure_rate": None,
        "support.waiting": 0, "support.calling": 1, "support.today": 0,
        "notices.last_alert": 1.0,
        "volunteers.on_duty": 0, "volunteers.in_hand": 0}
    one = await figures(session, Area(c, tz, (ids["G1"],), ids["YG-01"], health=True))
    assert (one["people.households"], one["people.residents"], one["health.reported"], one["health.abnormal"],
            one["supplies.open"], one["supplies.delivered"], one["hazards.open"], one["notices.last_alert"]) == \
        (2, 1, 2, 1, 1, 1, 2, 1.0)
    # Without the right to see health data, no health figures at all.
    assert not any(k.startswith(("health", "monitoring")) for k in
                   await figures(session, Area(c, tz, None, None, health=False)))


async def test_the_fourteen_days_of_the_chart(session, structure):
    ids = await seed(session, NOW)
    area = Area(ids["community"], "Asia/Shanghai", (ids["G1"],), None, health=True)
    days, series = await glance.daily_series(session, area, NOW)
    assert len(days) == 14 and days[-1].isoformat() == "2026-03-01"
    assert series["health"]["reports"][-2:] == [1, 3] and series["health"]["abnormal"][-2:] == [1, 2]
    assert sum(series["health"]["reports"]) == 4
    assert series["supplies"]["requested"][-1] == 3 and series["supplies"]["delivered"][-1] == 1
    assert series["hazards"]["opened"][-1] == 6  # 3 open and 3 later closed, all reported today
    assert series["notices"]["ack_rate"][-1] == 0.5 and series["notices"]["ack_rate"][0] is None


async def test_a_grid_worker_sees_their_grid_only_and_lists_are_audited(session, structure):
    ids = await seed(session, NOW)
    lin = Actor(person_id=ids["ann"], grants=(Grant(Role.STAFF, Scope(ids["community"], ids["G1"])),))
    area = await glance.area_for(session, lin, "Asia/Shanghai")
    assert area.grid_ids == (ids["G1"],) and area.health
    with pytest.raises(DomainError):
        await glance.area_for(session, lin, "Asia/Shanghai", grid_id=ids["G2"])  # another grid: refused
    with get_i18n().use_locale("en"):
        _g, lines = await glance.open_list(session, lin, area, "health", "abnormal", NOW, "en")
        assert [x.text.split(" · ")[0] for x in lines] == ["🚨 Ann", "Cai"]  # red flags first
        _g, lines = await glance.open_list(session, lin, area, "people", "unreached", NOW, "en")
        assert [x.text for x in lines] == ["Building 1 1-102 · 2 people"]
        _g, lines = await glance.open_list(session, lin, area, "supplies", "unclaimed", NOW, "en")
        assert len(lines) == 1 and "Building 1 1-101" in lines[0].text and "5 hours" in lines[0].text
        _g, lines = await glance.open_list(session, lin, area, "hazards", "open", NOW, "en")
        assert len(lines) == 3 and not any("Building 5" in x.text for x in lines)
        with pytest.raises(DomainError):
            await glance.open_list(session, lin, area, "health", "zap", NOW, "en")  # forged
    await session.commit()
    entries = (await session.exec(AuditEntry.__table__.select().where(
        AuditEntry.action == "read_glance_list"))).all()
    scoped = [e for e in entries if e.subject_person_id is None]
    assert len(scoped) == 4 and all(e.detail["grids"] == str(ids["G1"]) for e in scoped)
    assert {e.subject_person_id for e in entries} >= {ids["ann"], ids["cai"]}
    # A counsellor sees counts, never lists.
    helper = Actor(person_id=ids["dan"], grants=(Grant(Role.COUNSELLOR, Scope(ids["community"], None)),))
    area = await glance.area_for(session, helper, "Asia/Shanghai")
    assert not area.health
    with pytest.raises(Exception):  # noqa: B017 - PermissionDenied
        await glance.open_list(session, helper, area, "people", "unreached", NOW, "en")


async def test_the_command_line_export_for_the_administrator(session, structure, engine, tmp_path):
    import argparse

    import openpyxl

    from bot.__main__ import export
    from bot.config import Settings

    await seed(session, NOW)
    out = tmp_path / "g1.xlsx"
    args = argparse.Namespace(community="yangguang", grid="G1", building=None, days=7, since=None, to="2026-03-01",
                              format="xlsx", tables="health,supplies", locale="zh_Hans", out=out)
    settings = Settings(database_url=engine.url.render_as_string(hide_password=False))
    assert await export(settings, args) == 0
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["健康报告", "物资需求"]
    assert wb["健康报告"]["A1"].value == "时间" and wb["健康报告"].max_row == 5  # 4 reports of Grid 1
    assert wb["物资需求"].max_row == 4
    args.grid, args.tables = "G9", None
    assert await export(settings, args) == 1  # no such grid
    session.expire_all()
    entry = (await session.exec(select(AuditEntry).where(AuditEntry.action == "glance_export"))).one()
    assert (entry.actor_person_id, entry.detail["rows_health"], entry.detail["rows_supplies"]) == (None, 4, 3)


def test_the_summary_is_at_the_community_s_local_time_or_the_deployment_s():
    from models import Community

    c = Community(code="x", name="x", timezone=None, summary_time="18:00")
    assert glance.next_summary(c, NOW, "Europe/Berlin") == datetime(2026, 3, 1, 17, 0, tzinfo=UTC)
    c.timezone = "Asia/Shanghai"
    assert glance.next_summary(c, NOW, "Europe/Berlin") == datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    assert glance.next_summary(c, datetime(2026, 3, 1, 10, 0, tzinfo=UTC), "UTC") == datetime(2026, 3, 2, 10, 0,
                                                                                               tzinfo=UTC)
    c.summary_time = "off"
    assert glance.next_summary(c, NOW, "UTC") is None


async def test_when_each_household_was_last_heard_from_in_one_go(session, structure):
    from bot.vulnerable.rules import heard_from
    from models import Household, Person

    ids = await seed(session, NOW)
    units = {h.unit: h.id for h in (await session.exec(select(Household))).all()}
    # A report about Cai filed under no household still counts for his.
    cai = await session.get(Person, ids["cai"])
    session.add(HealthReport(person_id=cai.id, household_id=None, community_id=ids["community"],
                             created_at=NOW - timedelta(minutes=10)))
    await session.commit()
    heard = await heard_from(session, list(units.values()))
    assert heard[units["1-101"]].at == NOW - timedelta(hours=1)  # Ann's reports and acknowledgement
    assert (heard[units["1-201"]].at, heard[units["1-201"]].how) == (NOW - timedelta(minutes=10), "report")
    assert units["1-102"] not in heard and units["1-502"] not in heard  # never heard from
    assert heard[units["1-501"]].at == NOW - timedelta(hours=1)


async def test_the_chart_counts_a_final_day_once_and_the_last_days_every_time(session, structure):
    from models import GlanceDay

    ids = await seed(session, NOW)
    area = Area(ids["community"], "Asia/Shanghai", None, None, health=True)
    _days, first = await glance.daily_series(session, area, NOW)
    await session.commit()
    kept = (await session.exec(select(GlanceDay).where(GlanceDay.area_key == area.key))).all()
    assert {r.day.isoformat() for r in kept} == {f"2026-02-{d:02d}" for d in range(16, 27)}  # all but the last 3
    assert {r.section for r in kept} == {"health", "supplies", "hazards", "notices"}
    # A report about a kept day (it was counted then) and one about yesterday (still counted afresh).
    for days_back in (5, 1):
        session.add(HealthReport(person_id=ids["ann"], community_id=ids["community"],
                                 created_at=NOW - timedelta(days=days_back)))
    await session.commit()
    _days, again = await glance.daily_series(session, area, NOW)
    assert again["health"]["reports"][-6] == first["health"]["reports"][-6]
    assert again["health"]["reports"][-2] == first["health"]["reports"][-2] + 1
    assert again["notices"]["ack_rate"] == first["notices"]["ack_rate"]


async def test_the_care_register_s_silent_households_are_found_in_the_database(session, structure):
    from bot.vulnerable.rules import silent_in
    from models import Household, VulnerableEntry

    ids = await seed(session, NOW)
    units = {h.unit: h for h in (await session.exec(select(Household))).all()}
    for unit, hours_ago in (("1-102", 50), ("1-502", 10), ("1-101", 100)):
        h = units[unit]
        session.add(VulnerableEntry(household_id=h.id, community_id=ids["community"],
                                    created_at=NOW - timedelta(hours=hours_ago)))
    # 1-201 was heard from 60 hours ago only, though it came on the register 10 hours ago.
    session.add(VulnerableEntry(household_id=units["1-201"].id, community_id=ids["community"],
                                created_at=NOW - timedelta(hours=10)))
    await session.exec(HealthReport.__table__.delete().where(HealthReport.household_id == units["1-201"].id))
    session.add(HealthReport(person_id=ids["cai"], household_id=units["1-201"].id, community_id=ids["community"],
                             created_at=NOW - timedelta(hours=60)))
    await session.exec(SupplyRequest.__table__.delete().where(SupplyRequest.household_id == units["1-201"].id))
    await session.commit()
    registered, silent = await silent_in(session, Area(ids["community"], "Asia/Shanghai", None, None), NOW)
    assert registered == 4
    # Never heard from and on the register for 50 hours; heard from 60 hours ago. Not: Ann (reported an hour
    # ago), 1-502 (never heard from, but on the register for 10 hours only).
    assert [r.household.unit for r in silent] == ["1-201", "1-102"]
    assert silent[0].heard.at == NOW - timedelta(hours=60) and silent[1].heard.at is None
    g2 = Area(ids["community"], "Asia/Shanghai", (ids["G2"],), None)
    assert await silent_in(session, g2, NOW) == (1, [])

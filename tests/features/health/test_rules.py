"""Health rules without Telegram: temperatures as people type them, abnormal and red-flag reports."""

from __future__ import annotations

import pytest

from bot.health.rules import HealthRules, assess, parse_temperature
from bot.kernel.errors import DomainError


@pytest.mark.parametrize(("raw", "celsius"), [
    ("37.5", 37.5), ("37,5", 37.5), ("37.5°C", 37.5), ("37.5 °C", 37.5), ("37.5℃", 37.5), ("37.5c", 37.5),
    ("37度5", 37.5), ("37度", 37.0), ("３７．５", 37.5), ("99.5F", 37.5), ("99.5 °F", 37.5), ("98.6", 37.0),
    ("36", 36.0), ("34", 34.0), ("43", 43.0), (" 38.25 ", 38.2),
])
def test_temperatures_people_type(raw: str, celsius: float) -> None:
    assert parse_temperature(raw) == pytest.approx(celsius, abs=0.05)


@pytest.mark.parametrize(("raw", "code"), [
    ("abc", "temp_not_number"), ("", "temp_not_number"), ("hot", "temp_not_number"), ("37.5.1", "temp_not_number"),
    ("60", "temp_range"), ("33.9", "temp_range"), ("45", "temp_range"), ("-37", "temp_not_number"),
    ("120F", "temp_range"), ("1" * 50, "temp_not_number"), ("三十七度五", "temp_not_number"),
])
def test_bad_temperatures_are_refused(raw: str, code: str) -> None:
    with pytest.raises(DomainError) as e:
        parse_temperature(raw)
    assert e.value.code == code


@pytest.mark.parametrize(("temp", "symptoms", "test", "abnormal", "red"), [
    (36.6, [], "none", False, False),
    (37.2, ["cough", "sore_throat", "fatigue", "diarrhoea"], None, False, False),
    (37.3, [], None, True, False),
    (39.4, [], None, True, False),
    (39.5, [], None, True, True),
    (None, ["fever"], None, True, False),
    (None, ["taste_smell"], None, True, False),
    (36.5, ["breath"], None, True, True),
    (36.5, ["chest_pain"], None, True, True),
    (36.5, [], "antigen_pos", True, False),
    (36.5, [], "pcr_pos", True, False),
    (36.5, [], "pcr_neg", False, False),
])
def test_abnormal_and_red_flag(temp, symptoms, test, abnormal, red) -> None:
    a = assess(temp, symptoms, test)
    assert (a.abnormal, a.red_flag) == (abnormal, red)


def test_thresholds_are_configuration() -> None:
    strict = HealthRules(abnormal_temp=37.0, red_flag_temp=38.5)
    assert assess(37.1, [], None, strict).abnormal and not assess(37.1, [], None).abnormal
    assert assess(38.6, [], None, strict).red_flag and not assess(38.6, [], None).red_flag
    assert assess(39.6, ["breath"], "pcr_pos").reasons == ("temp", "temp_high", "breath", "test_positive")


def test_forged_values_are_refused() -> None:
    with pytest.raises(DomainError):
        assess(37.0, ["not-a-symptom"], None)
    with pytest.raises(DomainError):
        assess(37.0, [], "positive-ish")


async def test_reports_are_stored_and_a_relative_can_report_for_grandma(session):
    from sqlmodel import select

    from bot.health.rules import record_report
    from bot.kernel.errors import PermissionDenied
    from bot.kernel.structure import import_structure, parse_structure
    from bot.platform.clock import FakeClock
    from bot.registration.rules import add_member, complete_registration
    from models import Building, HealthReport, Person

    await import_structure(session, parse_structure(
        "communities: [{code: c, name: C, grids: [{code: g, name: G, buildings: [{code: b, name: B}]}]}]"))
    b = (await session.exec(select(Building))).one()
    now = FakeClock().now()
    son, stranger = Person(tg_user_id=1, full_name="Son"), Person(tg_user_id=2, full_name="Stranger")
    session.add_all([son, stranger])
    await session.commit()
    await complete_registration(session, son, building_id=b.id, unit="1-101", size=2, care_needs=[], phone=None,
                                now=now)
    await complete_registration(session, stranger, building_id=b.id, unit="9-909", size=1, care_needs=[],
                                phone=None, now=now)
    grandma = await add_member(session, son, "Grandma", now)
    report, a = await record_report(session, son, grandma, temperature=39.6, symptoms=["cough"], test=None,
                                    note=None, rules=HealthRules(), now=now)
    await session.commit()
    assert a.red_flag and report.person_id == grandma.id and report.reported_by_id == son.id
    assert report.community_id == b.community_id and report.grid_id == b.grid_id
    with pytest.raises(PermissionDenied):
        await record_report(session, stranger, grandma, temperature=36.5, symptoms=[], test=None, note=None,
                            rules=HealthRules(), now=now)
    assert len((await session.exec(select(HealthReport))).all()) == 1


async def test_reports_past_retention_are_deleted(session):
    from datetime import timedelta

    from sqlmodel import select

    from bot.health.rules import purge_reports
    from bot.kernel.structure import import_structure, parse_structure
    from bot.platform.clock import FakeClock
    from models import Community, HealthReport, Person

    await import_structure(session, parse_structure("communities: [{code: c, name: C}]"))
    comm = (await session.exec(select(Community))).one()
    p = Person(tg_user_id=5)
    session.add(p)
    await session.commit()
    clock = FakeClock()
    for age in (31, 30, 29, 1):  # 30 days and a minute is past a 30-day retention
        session.add(HealthReport(person_id=p.id, community_id=comm.id, created_at=clock.now() - timedelta(days=age,
                                                                                                           minutes=1)))
    await session.commit()
    assert await purge_reports(session, clock.now(), 30) == 2
    left = sorted(round((clock.now() - r.created_at).days) for r in (await session.exec(select(HealthReport))).all())
    assert left == [1, 29]

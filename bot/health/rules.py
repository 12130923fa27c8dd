"""Health self-reports: reading a temperature as people type it, and when a report is abnormal or a red flag.

Thresholds are configuration (`HealthRules`, filled from settings), never literals in handlers.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, delete, func, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.kernel.errors import DomainError, PermissionDenied
from bot.kernel.glance import Area, Figure, per_day
from bot.kernel.personal_data import PersonalData, iso
from bot.kernel.text import clean_note
from bot.platform.clock import local_midnight
from models import Building, Community, HealthReport, Household, Person, Task

SYMPTOMS: tuple[str, ...] = ("fever", "cough", "sore_throat", "fatigue", "taste_smell", "breath", "chest_pain",
                             "diarrhoea")
TESTS: tuple[str, ...] = ("none", "antigen_neg", "antigen_pos", "pcr_neg", "pcr_pos")
ABNORMAL_SYMPTOMS = frozenset({"fever", "breath", "chest_pain", "taste_smell"})
RED_FLAG_SYMPTOMS = frozenset({"breath", "chest_pain"})
POSITIVE_TESTS = frozenset({"antigen_pos", "pcr_pos"})
MIN_C, MAX_C = 34.0, 43.0

_NUMBER = r"(\d{2,3}(?:[.,]\d{1,2})?)"
_DEGREE_FORM = re.compile(r"^(\d{2})\s*度\s*(\d)$")  # 37度5 = 37.5
_WITH_UNIT = re.compile(rf"^{_NUMBER}\s*(°\s*c|℃|c|度|°\s*f|℉|f|°)?$")


def parse_temperature(text: str | None) -> float:
    """'37.5', '37,5', '37.5°C', '37.5℃', '37度5', '37度', '99.5F' (converted) -> degrees Celsius.

    Refusals: temp_not_number, temp_range (outside 34-43 °C, with min/max)."""
    s = unicodedata.normalize("NFKC", text or "").strip().lower().replace(" ", "")
    m = _DEGREE_FORM.match(s)
    if m:
        value, unit = float(f"{m[1]}.{m[2]}"), "c"
    else:
        m = _WITH_UNIT.match(s)
        if m is None:
            raise DomainError("temp_not_number")
        value = float(m[1].replace(",", "."))
        unit = (m[2] or "").replace("°", "").replace("℉", "f").replace("℃", "c").replace("度", "c") or "c"
    if unit == "f" or (unit == "c" and 93.0 <= value <= 110.0 and not s.endswith(("c", "℃", "度"))):
        value = (value - 32.0) * 5.0 / 9.0  # Fahrenheit, said or obvious (nobody has 99 °C)
    value = round(value, 1)
    if not MIN_C <= value <= MAX_C:
        raise DomainError("temp_range", min=int(MIN_C), max=int(MAX_C))
    return value


@dataclass(frozen=True)
class HealthRules:
    abnormal_temp: float = 37.3
    red_flag_temp: float = 39.5


@dataclass(frozen=True)
class Assessment:
    abnormal: bool
    red_flag: bool
    reasons: tuple[str, ...] = field(default_factory=tuple)  # codes: temp, temp_high, <symptom>, test_positive


def assess(temperature: float | None, symptoms: list[str], test: str | None,
           rules: HealthRules = HealthRules()) -> Assessment:
    """Abnormal: temperature >= 37.3, fever / shortness of breath / chest pain / loss of taste or smell, or a
    positive test. Red flag: shortness of breath or chest pain, or temperature >= 39.5 (defaults)."""
    unknown = [s for s in symptoms if s not in SYMPTOMS]
    if unknown or (test is not None and test not in TESTS):
        raise DomainError("bad_health_value")
    reasons: list[str] = []
    red = False
    if temperature is not None and temperature >= rules.abnormal_temp:
        reasons.append("temp")
    if temperature is not None and temperature >= rules.red_flag_temp:
        reasons.append("temp_high")
        red = True
    for s in SYMPTOMS:
        if s in symptoms and s in ABNORMAL_SYMPTOMS:
            reasons.append(s)
            red = red or s in RED_FLAG_SYMPTOMS
    if test in POSITIVE_TESTS:
        reasons.append("test_positive")
    return Assessment(abnormal=bool(reasons), red_flag=red, reasons=tuple(reasons))


def rules_from(settings: object) -> HealthRules:
    return HealthRules(abnormal_temp=settings.health_abnormal_temp, red_flag_temp=settings.health_red_flag_temp)


_HOME = select(Household, Building).join(Building, Building.id == Household.building_id).where(
    Household.id == bindparam("household"))


async def record_report(session, reporter, subject, *, temperature: float | None, symptoms: list[str],
                        test: str | None, note: str | None, rules: HealthRules, now) -> tuple:
    """Store a report about `subject`, made by `reporter` (themselves, or a member of the same household
    reporting for someone without a phone). Returns (report, assessment); the caller alerts and commits."""
    if subject.household_id is None or reporter.household_id != subject.household_id:
        raise PermissionDenied()
    note = clean_note(note)
    a = assess(temperature, symptoms, test, rules)
    household, building = (await session.exec(_HOME, params={"household": subject.household_id})).one()
    report = HealthReport(person_id=subject.id, reported_by_id=reporter.id, household_id=household.id,
                          community_id=building.community_id, grid_id=building.grid_id, temperature_c=temperature,
                          symptoms=[s for s in SYMPTOMS if s in symptoms], test_result=test, note=note,
                          abnormal=a.abnormal, red_flag=a.red_flag, created_at=now)
    session.add(report)
    await session.flush()
    return report, a


async def reported_today(session, person_id: int, now, timezone: str) -> bool:
    """Whether anyone has reported about this person since local midnight."""
    since = local_midnight(now, timezone)
    got = (await session.exec(select(HealthReport.id).where(
        HealthReport.person_id == person_id, HealthReport.created_at >= since).limit(1))).first()
    return got is not None


async def community_timezone(session, household_id: int, default: str) -> tuple[str, bool]:
    """(time zone, daily check-in on?) of the community a household lives in."""
    row = (await session.exec(select(Community.timezone, Community.daily_checkin)
                              .join(Building, Building.community_id == Community.id)
                              .join(Household, Household.building_id == Building.id)
                              .where(Household.id == household_id))).first()
    return (row[0] or default, bool(row[1])) if row else (default, False)


async def purge_reports(session, now, days: int) -> int:
    """Health data is kept only as long as it is useful: delete reports older than `days`."""
    from datetime import timedelta

    from sqlalchemy import delete

    res = await session.exec(delete(HealthReport).where(HealthReport.created_at < now - timedelta(days=days)))
    await session.commit()
    return res.rowcount or 0




# ---- a person's data (/mydata, /deleteme) ----------------------------------------------------------------
async def _export(session, person, data: dict) -> None:
    reports = (await session.exec(select(HealthReport).where(HealthReport.person_id == person.id)
                                  .order_by(HealthReport.created_at))).all()
    data["health_reports"] = [{"at": iso(r.created_at), "temperature_c": r.temperature_c, "symptoms": r.symptoms,
                               "test": r.test_result, "note": r.note, "abnormal": r.abnormal,
                               "reported_by_someone_else": r.reported_by_id not in (None, person.id)}
                              for r in reports]


async def _erase(session, person_ids: list[int], now) -> None:
    """Health reports are deleted (health data: no tombstones); reports they made for others lose the name."""
    await session.exec(delete(HealthReport).where(HealthReport.person_id.in_(person_ids)))
    await session.exec(update(HealthReport).where(HealthReport.reported_by_id.in_(person_ids))
                       .values(reported_by_id=None))


async def _forget_household(session, household_id: int) -> None:
    await session.exec(update(HealthReport).where(HealthReport.household_id == household_id)
                       .values(household_id=None))


async def _move_household(session, old: int, new: int) -> None:
    await session.exec(update(HealthReport).where(HealthReport.household_id == old).values(household_id=new))


PERSONAL_DATA = PersonalData(export=_export, erase=_erase, forget_household=_forget_household,
                             move_household=_move_household)


async def own_reports(session: AsyncSession, person: Person, *, since: datetime) -> list[HealthReport]:
    """A person's own reports since a moment, oldest first (their 7-day history)."""
    return list((await session.exec(select(HealthReport).where(HealthReport.person_id == person.id,
                                                               HealthReport.created_at >= since)
                                    .order_by(HealthReport.created_at))).all())


# ---- the area at a glance (/stats, the evening summary, /export) --------------------------------------------

def _in_area(area: Area) -> list:
    return area.where(community=HealthReport.community_id, grid=HealthReport.grid_id,
                      household=HealthReport.household_id)


async def glance(session: AsyncSession, area: Area, now: datetime) -> list[Figure]:
    """Today's reports in the area: how many, abnormal, red flags (one query on the scope-and-time index); the
    follow-up calls still open."""
    reports, abnormal, red = (await session.exec(select(
        func.count(), func.count().filter(HealthReport.abnormal), func.count().filter(HealthReport.red_flag))
        .where(*_in_area(area), HealthReport.created_at >= area.day_start(now)))).one()
    calls = (await session.exec(select(func.count()).select_from(Task).where(
        *area.where(community=Task.community_id, grid=Task.grid_id, household=Task.household_id),
        Task.kind == "followup", Task.status.in_(("open", "claimed"))))).one()
    return [Figure("reported", reports), Figure("abnormal", abnormal, opens="abnormal"), Figure("red", red),
            Figure("followups", calls)]


def _with_place():
    """Reports with whom they are about and where they live."""
    return (select(HealthReport, Person, Household, Building).join(Person, Person.id == HealthReport.person_id)
            .outerjoin(Household, Household.id == HealthReport.household_id)
            .outerjoin(Building, Building.id == Household.building_id))


async def abnormal_today(session: AsyncSession, area: Area, now: datetime,
                         limit: int = 200) -> list[tuple[HealthReport, Person, Household | None, Building | None]]:
    return list((await session.exec(
        _with_place().where(*_in_area(area), HealthReport.created_at >= area.day_start(now), HealthReport.abnormal)
        .order_by(HealthReport.red_flag.desc(), HealthReport.created_at).limit(limit))).all())


async def daily(session: AsyncSession, area: Area, days: list) -> dict[str, list[float]]:
    if not days:
        return {}
    row = (await session.exec(select(*per_day(HealthReport.created_at, days),
                                     *per_day(HealthReport.created_at, days, HealthReport.abnormal))
                              .where(*_in_area(area), HealthReport.created_at >= days[0][1],
                                     HealthReport.created_at < days[-1][2]))).one()
    n = len(days)
    return {"reports": list(row[:n]), "abnormal": list(row[n:])}


async def ledger_rows(session: AsyncSession, area: Area, since: datetime, until: datetime
                      ) -> list[tuple[HealthReport, Person, Household | None, Building | None]]:
    """The area's reports in [since, until), oldest first (only for those who may see health data)."""
    if not area.health:
        raise PermissionDenied()
    return list((await session.exec(
        _with_place().where(*_in_area(area), HealthReport.created_at >= since, HealthReport.created_at < until)
        .order_by(HealthReport.created_at, HealthReport.id))).all())

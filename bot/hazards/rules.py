"""Hazard reports, Telegram-free: the categories, which are urgent, and how long each may stay unresolved.
Everything else about a report (joining, states, followers, figures) is the case engine's (`bot/cases`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.cases.rules import Figures
from bot.kernel.errors import DomainError
from bot.kernel.glance import Area, Figure, per_day
from models import Building, Person
from models.cases import OPEN_STATUSES, Case, CaseEvent, CaseFollower

KIND = "hazard"
# In the order the menu shows them; the first six are what the case studies saw most.
CATEGORIES = ("passage", "clutter", "garbage", "lift", "lights", "door", "water", "danger", "gathering", "other")
URGENT = frozenset({"danger"})  # fire, gas or electrical: acknowledged within minutes, always urgent


def category(code: str) -> str:
    if code not in CATEGORIES:
        raise DomainError("bad_category")
    return code


def is_urgent(code: str) -> bool:
    return code in URGENT


def resolve_within(settings: object, code: str) -> timedelta:
    hours = getattr(settings, "hazard_resolve_hours", {}).get(code, 72)
    return timedelta(hours=hours)


# ---- the area at a glance (/stats, the evening summary, /export) --------------------------------------------

def _hazards(area: Area) -> list:
    return [Case.kind == KIND, *area.where(community=Case.community_id, grid=Case.grid_id, building=Case.building_id)]


async def glance(session: AsyncSession, area: Area, now: datetime) -> list[Figure]:
    """Open hazard cases by category, most first, and the closure rate over 7 days (the case engine's, counted
    here in SQL)."""
    by_cat = (await session.exec(select(Case.category, func.count()).where(
        *_hazards(area), Case.status.in_(OPEN_STATUSES)).group_by(Case.category))).all()
    events = dict((await session.exec(select(CaseEvent.action, func.count()).join(Case, Case.id == CaseEvent.case_id)
                                      .where(*_hazards(area), CaseEvent.at >= now - timedelta(days=7),
                                             CaseEvent.action.in_(("closed", "not_fixed", "rejected")))
                                      .group_by(CaseEvent.action))).all())
    closures = Figures(fixed=events.get("closed", 0), reopened=events.get("not_fixed", 0),
                       rejected=events.get("rejected", 0))
    out = [Figure("open", sum(n for _, n in by_cat), opens="open")]
    out += [Figure(f"open:{c}", n) for c, n in sorted(by_cat, key=lambda x: (-x[1], x[0]))]
    out.append(Figure("closure_rate", closures.closure_rate))
    return out


async def open_cases(session: AsyncSession, area: Area, limit: int = 200) -> list[tuple[Case, Building | None]]:
    return list((await session.exec(select(Case, Building).outerjoin(Building, Building.id == Case.building_id)
                                    .where(*_hazards(area), Case.status.in_(OPEN_STATUSES))
                                    .order_by(Case.created_at, Case.id).limit(limit))).all())


async def daily(session: AsyncSession, area: Area, days: list) -> dict[str, list[float]]:
    start, end = days[0][1], days[-1][2]
    row = (await session.exec(select(*per_day(Case.created_at, days),
                                     *per_day(Case.closed_at, days, Case.status == "closed"))
                              .where(*_hazards(area), ((Case.created_at >= start) & (Case.created_at < end))
                                     | ((Case.closed_at >= start) & (Case.closed_at < end))))).one()
    n = len(days)
    return {"opened": list(row[:n]), "closed": list(row[n:])}


async def ledger_rows(session: AsyncSession, area: Area, since: datetime, until: datetime
                      ) -> list[tuple[Case, Building | None, Person | None]]:
    """The area's hazard cases opened in [since, until), with who reported each first: nobody for a reporter
    who chose to stay anonymous (never exported)."""
    first = select(CaseFollower).where(CaseFollower.first, CaseFollower.anonymous.is_(False)).subquery()
    return list((await session.exec(
        select(Case, Building, Person).outerjoin(Building, Building.id == Case.building_id)
        .outerjoin(first, first.c.case_id == Case.id).outerjoin(Person, Person.id == first.c.person_id)
        .where(*_hazards(area), Case.created_at >= since, Case.created_at < until)
        .order_by(Case.created_at, Case.id))).all())

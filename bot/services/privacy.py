"""What we hold about a person (/mydata) and erasing it (/deleteme)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.kernel.audit import audit
from bot.services.monitoring import cancel_due_work
from models import (
    AuditEntry,
    Building,
    Grid,
    HealthReport,
    Household,
    InvitationUse,
    Monitoring,
    NoticeDelivery,
    Person,
    RoleGrant,
    SupplyRequest,
    Task,
)


def _iso(d: datetime | None) -> str | None:
    return d.isoformat() if d else None


async def has_history(session: AsyncSession, person_id: int) -> bool:
    n = (await session.exec(select(func.count()).select_from(RoleGrant).where(RoleGrant.person_id == person_id))).one()
    return n > 0


async def export_person(session: AsyncSession, person: Person, now: datetime) -> dict:
    """Everything stored about a person, as plain data (rendered as a message and a JSON file)."""
    data: dict = {
        "exported_at": now.isoformat(),
        "person": {
            "telegram_user_id": person.tg_user_id,
            "name": person.full_name,
            "language": person.locale,
            "phone": person.phone,
            "consent_at": _iso(person.consent_at),
            "registered_at": _iso(person.registered_at),
        },
        "household": None,
        "members_you_added": [],
        "roles": [],
        "health_reports": [],
        "home_monitoring": [],
        "access_log": [],
    }
    if person.household_id is not None:
        hh = await session.get(Household, person.household_id)
        if hh is not None:
            b = await session.get(Building, hh.building_id)
            g = await session.get(Grid, b.grid_id) if b else None
            data["household"] = {
                "building": b.label(person.locale) if b else None, "building_code": b.code if b else None,
                "grid": g.label(person.locale) if g else None, "unit": hh.unit, "size": hh.size,
                "care_needs": hh.care_needs,
            }
    added = (await session.exec(select(Person).where(
        Person.added_by_id == person.id, Person.deleted_at.is_(None)))).all()
    data["members_you_added"] = [{"name": m.full_name, "added_at": _iso(m.created_at)} for m in added]
    grants = (await session.exec(select(RoleGrant).where(RoleGrant.person_id == person.id))).all()
    data["roles"] = [{"role": g.role, "community_id": g.community_id, "grid_id": g.grid_id,
                      "granted_at": _iso(g.granted_at), "revoked_at": _iso(g.revoked_at)} for g in grants]
    reports = (await session.exec(select(HealthReport).where(HealthReport.person_id == person.id)
                                  .order_by(HealthReport.created_at))).all()
    data["health_reports"] = [{"at": _iso(r.created_at), "temperature_c": r.temperature_c, "symptoms": r.symptoms,
                               "test": r.test_result, "note": r.note, "abnormal": r.abnormal,
                               "reported_by_someone_else": r.reported_by_id not in (None, person.id)}
                              for r in reports]
    watched = (await session.exec(select(Monitoring).where(Monitoring.person_id == person.id)
                                  .order_by(Monitoring.starts_at))).all()
    data["home_monitoring"] = [{"from": _iso(m.starts_at), "until": _iso(m.ends_at), "reason": m.reason,
                                "status": m.status} for m in watched]
    log = (await session.exec(select(AuditEntry).where(
        AuditEntry.subject_person_id == person.id).order_by(AuditEntry.at))).all()
    data["access_log"] = [{"action": e.action, "at": _iso(e.at)} for e in log]
    return data


async def erase_person(session: AsyncSession, person: Person, now: datetime) -> None:
    """Erase personal data. The row stays as an anonymous tombstone so aggregates keep their counts.

    Members without Telegram that this person registered are erased with them unless another
    member of the household with Telegram remains to look after them.
    """
    pid = person.id
    household_id = person.household_id
    person.tg_user_id = None
    person.full_name = None
    person.phone = None
    person.household_id = None
    person.pending_household_id = None
    person.consent_at = None
    person.deleted_at = now
    await session.exec(delete(RoleGrant).where(RoleGrant.person_id == pid))
    await session.exec(delete(InvitationUse).where(InvitationUse.person_id == pid))
    erased = [pid]
    empty_home = False
    if household_id is not None:
        others = (await session.exec(select(Person).where(
            Person.household_id == household_id, Person.deleted_at.is_(None), Person.id != pid))).all()
        empty_home = not any(o.tg_user_id is not None for o in others)
        if empty_home:
            for o in others:  # members without Telegram nobody would look after any more
                o.full_name = None
                o.phone = None
                o.household_id = None
                o.deleted_at = now
                erased.append(o.id)
                audit(session, actor_id=None, action="person_erased", at=now, subject_id=o.id, cascade_of=pid)
    await _forget_health_and_requests(session, erased, now)
    if empty_home:
        await _forget_household(session, household_id)
    audit(session, actor_id=None, action="person_erased", at=now, subject_id=pid)
    await session.commit()


async def _forget_health_and_requests(session: AsyncSession, person_ids: list[int], now: datetime) -> None:
    """Health reports and home monitoring are deleted (not kept as tombstones: they are health data); reports
    they made for others lose the name of who made them; their open requests and calls are cancelled."""
    await session.exec(delete(HealthReport).where(HealthReport.person_id.in_(person_ids)))
    await session.exec(update(HealthReport).where(HealthReport.reported_by_id.in_(person_ids))
                       .values(reported_by_id=None))
    for m in (await session.exec(select(Monitoring).where(Monitoring.person_id.in_(person_ids)))).all():
        await cancel_due_work(session, m, now)
        await session.delete(m)
    await session.exec(update(Task).where(Task.subject_person_id.in_(person_ids),
                                          Task.status.in_(("open", "claimed", "picked_up")))
                       .values(status="cancelled", cancelled_at=now, close_reason="erased"))
    await session.flush()


async def _forget_household(session: AsyncSession, household_id: int) -> None:
    """Nobody lives there as far as we know: forget the household; past tasks and notice records keep
    their counts without pointing at an address."""
    for model in (Task, SupplyRequest, HealthReport, NoticeDelivery):
        await session.exec(update(model).where(model.household_id == household_id).values(household_id=None))
    # someone still waiting to be confirmed there has nobody left to confirm them: they register afresh
    await session.exec(update(Person).where(Person.pending_household_id == household_id)
                       .values(pending_household_id=None))
    hh = await session.get(Household, household_id)
    if hh is not None:
        await session.delete(hh)

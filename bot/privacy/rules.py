"""What we hold about a person (/mydata) and erasing it (/deleteme): what every person has here, the rest
through each capability's hooks (`bot/kernel/personal_data.py`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.kernel import personal_data
from bot.kernel.audit import audit
from models import AuditEntry, Building, Grid, Household, InvitationUse, Person, RoleGrant


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
    for h in personal_data.hooks():
        if h.export is not None:
            await h.export(session, person, data)
    log = (await session.exec(select(AuditEntry).where(
        AuditEntry.subject_person_id == person.id).order_by(AuditEntry.at))).all()
    data["access_log"] = [{"action": e.action, "at": _iso(e.at)} for e in log]
    return data


async def erase_person(session: AsyncSession, person: Person, now: datetime) -> None:
    """Erase personal data. The row stays as an anonymous tombstone so aggregates keep their counts.

    Members without Telegram that this person registered are erased with them unless another
    member of the household with Telegram remains to look after them — or the household is in the community's
    own ledger: the committee keeps that record, and the elderly neighbour in it must stay counted.
    """
    pid = person.id
    household_id = person.household_id
    person.tg_user_id = None
    person.full_name = None
    person.phone = None
    person.birth_year = None
    person.relation = None
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
        household = await session.get(Household, household_id)
        empty_home = not (household is not None and household.in_ledger) and \
            not any(o.tg_user_id is not None for o in others)
        if empty_home:
            for o in others:  # members without Telegram nobody would look after any more
                o.full_name = None
                o.phone = None
                o.birth_year = None
                o.relation = None
                o.household_id = None
                o.deleted_at = now
                erased.append(o.id)
                audit(session, actor_id=None, action="person_erased", at=now, subject_id=o.id, cascade_of=pid)
    for h in personal_data.hooks():  # health data deleted, requests and calls about them cancelled …
        if h.erase is not None:
            await h.erase(session, erased, now)
    await session.flush()
    if empty_home:
        await _forget_household(session, household_id)
    audit(session, actor_id=None, action="person_erased", at=now, subject_id=pid)
    await session.commit()


async def _forget_household(session: AsyncSession, household_id: int) -> None:
    """Nobody lives there as far as we know: forget the household; past tasks and notice records keep
    their counts without pointing at an address."""
    for h in personal_data.hooks():
        if h.forget_household is not None:
            await h.forget_household(session, household_id)
    # someone still waiting to be confirmed there has nobody left to confirm them: they register afresh
    await session.exec(update(Person).where(Person.pending_household_id == household_id)
                       .values(pending_household_id=None))
    hh = await session.get(Household, household_id)
    if hh is not None:
        await session.delete(hh)

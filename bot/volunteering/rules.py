"""Volunteering, Telegram-free: anyone registered may apply (name, phone, skills, languages, availability, their
building); only a community worker or admin whose area covers the applicant's building approves — the volunteer
role is granted then, not before, so an applicant never sees a resident's personal data. Staff suspend a
volunteer at once: the role is revoked, they go off duty, and the tasks they hold go back to be offered again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.access.rules import role_holders
from bot.kernel.audit import audit
from bot.kernel.errors import DomainError, PermissionDenied
from bot.kernel.glance import Area, Figure
from bot.kernel.permissions import Actor, Role
from bot.kernel.personal_data import PersonalData, iso
from bot.kernel.structure import home_of
from bot.ledger.rules import IMPORT_ROLES, building_in_area, members_of
from bot.registration.rules import validate_member_name
from bot.tasks.rules import ACTIVE, SKILLS, served
from models import (
    Building,
    BuildingLeader,
    Household,
    Person,
    RoleGrant,
    Task,
    VolunteerApplication,
    VolunteerProfile,
    VolunteerRecord,
    VulnerableEntry,
)

APPROVER_ROLES = IMPORT_ROLES  # community workers and admins
LANGUAGES = ("zh", "yue", "en", "dialect")  # Mandarin, Cantonese, English, a local dialect
AVAILABILITY = ("weekdays", "evenings", "weekends", "anytime")


def may_approve(actor: Actor) -> bool:
    return actor.superadmin or actor.has_role(*APPROVER_ROLES)


def toggle(current: list[str], code: str, allowed: tuple[str, ...]) -> list[str]:
    if code not in allowed:
        raise DomainError("bad_step")
    return [c for c in allowed if (c in current) != (c == code)]


@dataclass
class Draft:
    name: str = ""
    phone: str | None = None
    skills: list[str] | None = None
    languages: list[str] | None = None
    availability: list[str] | None = None


async def apply(session: AsyncSession, person: Person | None, d: Draft, now: datetime) -> VolunteerApplication:
    """One pending application at a time; a volunteer already does not apply again."""
    community, building = await may_apply(session, person)
    name = validate_member_name(d.name)
    if not d.skills:
        raise DomainError("skills_missing")
    application = VolunteerApplication(
        person_id=person.id, community_id=community.id, grid_id=building.grid_id, building_id=building.id, name=name,
        phone=d.phone or person.phone, skills=[s for s in SKILLS if s in d.skills],
        languages=[x for x in LANGUAGES if x in (d.languages or [])],
        availability=[x for x in AVAILABILITY if x in (d.availability or [])], created_at=now)
    session.add(application)
    await session.flush()
    return application


async def may_apply(session: AsyncSession, person: Person | None):
    """Registered, not a volunteer already, no application waiting; returns their community and building."""
    community, building, _h = await home_of(session, person)
    if person is None or building is None:
        raise DomainError("not_registered")
    if (await session.exec(select(RoleGrant.id).where(RoleGrant.person_id == person.id,
                                                      RoleGrant.role == Role.VOLUNTEER.value,
                                                      RoleGrant.revoked_at.is_(None)))).first() is not None:
        raise DomainError("already_volunteer")
    if (await session.exec(select(VolunteerApplication.id).where(
            VolunteerApplication.person_id == person.id, VolunteerApplication.status == "pending"))).first():
        raise DomainError("application_pending")
    return community, building


async def approvers(session: AsyncSession, application: VolunteerApplication) -> list[Person]:
    """The community workers and admins of the applicant's grid, else the community-wide ones."""
    rows = await role_holders(session, application.community_id, APPROVER_ROLES)
    grid = {p.id: p for g, p in rows if g.grid_id is not None and g.grid_id == application.grid_id}
    return list(grid.values()) or list({p.id: p for g, p in rows if g.grid_id is None}.values())


async def _pending(session: AsyncSession, actor: Actor, application_id: int) -> VolunteerApplication:
    application = await session.get(VolunteerApplication, application_id)
    if application is None:
        raise DomainError("not_found")
    if not actor.covering(APPROVER_ROLES, application.community_id, application.grid_id):
        raise PermissionDenied()
    if application.status != "pending":
        raise DomainError("already_done")
    return application


async def decide(session: AsyncSession, actor: Actor, application_id: int, approve: bool,
                 now: datetime) -> VolunteerApplication:
    """Approve (the volunteer role in the applicant's grid, and a duty profile with their skills) or decline;
    the first decision wins (a conditional update), audited."""
    application = await _pending(session, actor, application_id)
    res = await session.exec(update(VolunteerApplication).where(
        VolunteerApplication.id == application.id, VolunteerApplication.status == "pending").values(
        status="approved" if approve else "declined", decided_by_id=actor.person_id, decided_at=now))
    if res.rowcount != 1:
        await session.commit()
        raise DomainError("already_done")
    await session.refresh(application)
    if approve and application.person_id is not None:
        session.add(RoleGrant(person_id=application.person_id, role=Role.VOLUNTEER.value,
                              community_id=application.community_id, grid_id=application.grid_id,
                              granted_by_id=actor.person_id, granted_at=now))
        profile = await session.get(VolunteerProfile, application.person_id)
        if profile is None:
            session.add(VolunteerProfile(person_id=application.person_id,
                                         grid_ids=[application.grid_id] if application.grid_id else [],
                                         skills=list(application.skills), on_duty=False, updated_at=now))
        person = await session.get(Person, application.person_id)
        if person is not None and application.phone and not person.phone:
            person.phone = application.phone
    audit(session, actor_id=actor.person_id, action="volunteer_approved" if approve else "volunteer_declined",
          at=now, subject_id=application.person_id, application=application.id)
    return application


async def pending_in_area(session: AsyncSession, actor: Actor) -> list[VolunteerApplication]:
    rows = (await session.exec(select(VolunteerApplication).where(VolunteerApplication.status == "pending")
                               .order_by(VolunteerApplication.id))).all()
    return [a for a in rows if actor.covering(APPROVER_ROLES, a.community_id, a.grid_id)]


async def volunteers_in_area(session: AsyncSession, actor: Actor) -> list[tuple[RoleGrant, Person]]:
    rows = (await session.exec(select(RoleGrant, Person).join(Person, Person.id == RoleGrant.person_id).where(
        RoleGrant.role == Role.VOLUNTEER.value, RoleGrant.revoked_at.is_(None), Person.deleted_at.is_(None))
        .order_by(Person.id))).all()
    return [(g, p) for g, p in rows if actor.covering(APPROVER_ROLES, g.community_id, g.grid_id)]


@dataclass
class Suspended:
    person: Person
    tasks: list[Task]  # taken back from them, to be offered again


async def suspend(session: AsyncSession, actor: Actor, grant_id: int, now: datetime) -> Suspended:
    """At once: the volunteer role revoked, off duty, and every task they hold back in the pool."""
    grant = await session.get(RoleGrant, grant_id)
    if grant is None or grant.role != Role.VOLUNTEER.value:
        raise DomainError("not_found")
    if not actor.covering(APPROVER_ROLES, grant.community_id, grant.grid_id):
        raise PermissionDenied()
    if grant.revoked_at is not None:
        raise DomainError("already_done")
    grant.revoked_at, grant.revoked_by_id = now, actor.person_id
    person = await session.get(Person, grant.person_id)
    still = (await session.exec(select(RoleGrant.id).where(
        RoleGrant.person_id == grant.person_id, RoleGrant.revoked_at.is_(None), RoleGrant.id != grant.id,
        RoleGrant.role.in_((Role.VOLUNTEER.value, Role.STAFF.value))))).first()
    profile = await session.get(VolunteerProfile, grant.person_id)
    if profile is not None and still is None:
        profile.on_duty = False
    taken = []
    for task in (await session.exec(select(Task).where(Task.claimed_by_id == grant.person_id,
                                                       Task.status.in_(ACTIVE)))).all():
        if still is not None and task.community_id != grant.community_id:
            continue
        task.status, task.claimed_by_id, task.claimed_at, task.picked_up_at = "open", None, None, None
        task.releases += 1
        task.close_reason = "volunteer suspended"
        taken.append(task)
    audit(session, actor_id=actor.person_id, action="volunteer_suspended", at=now, subject_id=grant.person_id,
          grant_id=grant.id, tasks=len(taken))
    return Suspended(person, taken)


async def building_label_of(session: AsyncSession, application: VolunteerApplication, locale: str) -> str:
    building = await session.get(Building, application.building_id) if application.building_id else None
    return building.label(locale) if building else "—"


# ---- a person's data ----------------------------------------------------------------------------------------

async def _export(session: AsyncSession, person: Person, data: dict) -> None:
    rows = (await session.exec(select(VolunteerApplication).where(VolunteerApplication.person_id == person.id))).all()
    data["volunteer_applications"] = [{"at": iso(a.created_at), "status": a.status, "skills": a.skills,
                                       "languages": a.languages, "availability": a.availability} for a in rows]


async def _erase(session: AsyncSession, person_ids: list[int], now: datetime) -> None:
    for r in (await session.exec(select(VolunteerRecord).where(VolunteerRecord.person_id.in_(person_ids)))).all():
        await session.delete(r)
    await session.exec(update(VolunteerRecord).where(VolunteerRecord.recorded_by_id.in_(person_ids))
                       .values(recorded_by_id=None))
    await session.exec(update(BuildingLeader).where(BuildingLeader.person_id.in_(person_ids),
                                                    BuildingLeader.revoked_at.is_(None)).values(revoked_at=now))
    await session.exec(update(BuildingLeader).where(BuildingLeader.appointed_by_id.in_(person_ids))
                       .values(appointed_by_id=None))
    for a in (await session.exec(select(VolunteerApplication).where(
            VolunteerApplication.person_id.in_(person_ids)))).all():
        await session.delete(a)
    await session.exec(update(VolunteerApplication).where(VolunteerApplication.decided_by_id.in_(person_ids))
                       .values(decided_by_id=None))


PERSONAL_DATA = PersonalData(export=_export, erase=_erase)


# ---- building leaders ---------------------------------------------------------------------------------------

async def leader_candidates(session: AsyncSession, actor: Actor, building_id: int) -> tuple[Building, list[Person]]:
    """The residents of a building of the actor's area who are on Telegram: whom a staff member may appoint."""
    building = await building_in_area(session, actor, building_id)  # the ledger's keepers are the approvers
    rows = (await session.exec(select(Person).join(Household, Household.id == Person.household_id).where(
        Household.building_id == building.id, Person.tg_user_id.is_not(None), Person.deleted_at.is_(None))
        .order_by(Person.id))).all()
    return building, list(rows)


async def appoint(session: AsyncSession, actor: Actor, building_id: int, person_id: int,
                  now: datetime) -> tuple[Building, Person]:
    building, people = await leader_candidates(session, actor, building_id)
    person = next((p for p in people if p.id == person_id), None)
    if person is None:
        raise PermissionDenied()
    if (await session.exec(select(BuildingLeader.id).where(
            BuildingLeader.building_id == building.id, BuildingLeader.person_id == person.id,
            BuildingLeader.revoked_at.is_(None)))).first() is not None:
        raise DomainError("already_done")
    session.add(BuildingLeader(building_id=building.id, person_id=person.id, appointed_by_id=actor.person_id,
                               appointed_at=now))
    audit(session, actor_id=actor.person_id, action="building_leader_appointed", at=now, subject_id=person.id,
          building=building.id)
    return building, person


async def leaders_in_area(session: AsyncSession, actor: Actor) -> list[tuple[BuildingLeader, Building, Person]]:
    rows = (await session.exec(select(BuildingLeader, Building, Person)
                               .join(Building, Building.id == BuildingLeader.building_id)
                               .join(Person, Person.id == BuildingLeader.person_id)
                               .where(BuildingLeader.revoked_at.is_(None)).order_by(Building.id))).all()
    return [(lead, b, p) for lead, b, p in rows if actor.covering(APPROVER_ROLES, b.community_id, b.grid_id)]


async def end_leadership(session: AsyncSession, actor: Actor, leader_id: int, now: datetime) -> Person:
    lead = await session.get(BuildingLeader, leader_id)
    building = await session.get(Building, lead.building_id) if lead else None
    if lead is None or building is None:
        raise DomainError("not_found")
    if not actor.covering(APPROVER_ROLES, building.community_id, building.grid_id):
        raise PermissionDenied()
    if lead.revoked_at is not None:
        raise DomainError("already_done")
    lead.revoked_at = now
    audit(session, actor_id=actor.person_id, action="building_leader_ended", at=now, subject_id=lead.person_id,
          building=building.id)
    return await session.get(Person, lead.person_id)


async def led_buildings(session: AsyncSession, person: Person | None) -> list[Building]:
    if person is None:
        return []
    return list((await session.exec(select(Building).join(BuildingLeader, BuildingLeader.building_id == Building.id)
                                    .where(BuildingLeader.person_id == person.id,
                                           BuildingLeader.revoked_at.is_(None)).order_by(Building.id))).all())


@dataclass
class HouseholdView:
    """What a building leader sees of a household: its unit and the names there; no phones, no health data."""

    unit: str
    names: list[str]
    reachable: bool
    grade: int | None  # on the vulnerable register: its grade (never the reasons)
    heard_at: datetime | None


async def building_view(session: AsyncSession, person: Person, building_id: int, now: datetime) -> tuple[
        Building, list[HouseholdView]]:
    """The leader's own building: each household's unit and names, whether someone there is on Telegram, and for
    the vulnerable ones their grade and when anyone last heard from them (audited)."""
    from bot.vulnerable.rules import heard_from

    building = next((b for b in await led_buildings(session, person) if b.id == building_id), None)
    if building is None:
        raise PermissionDenied()
    households = (await session.exec(select(Household).where(Household.building_id == building.id)
                                     .order_by(Household.unit))).all()
    ids = [h.id for h in households]
    members = await members_of(session, ids)
    entries = {e.household_id: e for e in (await session.exec(select(VulnerableEntry).where(
        VulnerableEntry.household_id.in_(ids)))).all()}
    heard = await heard_from(session, list(entries))
    out = [HouseholdView(unit=h.unit, names=[m.full_name for m in members.get(h.id, []) if m.full_name],
                         reachable=any(m.reachable for m in members.get(h.id, [])),
                         grade=entries[h.id].grade if h.id in entries else None,
                         heard_at=heard[h.id].at if h.id in heard else None) for h in households]
    audit(session, actor_id=person.id, action="read_building_as_leader", at=now, building=building.id)
    return building, out


# ---- a volunteer's profile ----------------------------------------------------------------------------------

RECORD_KINDS = ("training", "certificate", "ppe")
RECORD_MAX = 100


def parse_day(text: str | None, today: date) -> date:
    """"2026-11-20", "11-20" (this year, not in the future), "today" / "今天" -> a date."""
    s = (text or "").strip().casefold()
    if s in ("today", "今天"):
        return today
    for fmt, year in (("%Y-%m-%d", None), ("%m-%d", today.year)):
        try:
            d = datetime.strptime(s, fmt).date()
        except ValueError:
            continue
        d = d.replace(year=year) if year else d
        if d > today:
            raise DomainError("day_future")
        return d
    raise DomainError("day_format")


@dataclass
class Profile:
    person: Person
    skills: list[str]
    languages: list[str]
    availability: list[str]
    week: object  # tasks.rules.Served over 7 days
    month: object  # over 30 days
    max_per_day: int
    max_hours_week: int
    records: list[VolunteerRecord]


async def _profile(session: AsyncSession, person: Person, now: datetime) -> Profile:
    from datetime import timedelta

    from bot.tasks.rules import served

    duty = await session.get(VolunteerProfile, person.id)
    application = (await session.exec(select(VolunteerApplication).where(
        VolunteerApplication.person_id == person.id, VolunteerApplication.status == "approved")
        .order_by(VolunteerApplication.id.desc()))).first()
    records = list((await session.exec(select(VolunteerRecord).where(VolunteerRecord.person_id == person.id)
                                       .order_by(VolunteerRecord.day, VolunteerRecord.id))).all())
    return Profile(person=person, skills=list(duty.skills) if duty else [],
                   languages=list(application.languages) if application else [],
                   availability=list(application.availability) if application else [],
                   week=await served(session, person.id, now - timedelta(days=7), now),
                   month=await served(session, person.id, now - timedelta(days=30), now),
                   max_per_day=duty.max_per_day if duty else 8, max_hours_week=duty.max_hours_week if duty else 40,
                   records=records)


async def profile_for_staff(session: AsyncSession, actor: Actor, grant_id: int, now: datetime) -> Profile:
    grant = await session.get(RoleGrant, grant_id)
    if grant is None or grant.role != Role.VOLUNTEER.value or grant.revoked_at is not None:
        raise DomainError("not_found")
    if not actor.covering(APPROVER_ROLES, grant.community_id, grant.grid_id):
        raise PermissionDenied()
    person = await session.get(Person, grant.person_id)
    audit(session, actor_id=actor.person_id, action="read_volunteer_profile", at=now, subject_id=person.id)
    return await _profile(session, person, now)


async def own_profile(session: AsyncSession, person: Person | None, actor: Actor, now: datetime) -> Profile:
    if person is None or not actor.has_role(Role.VOLUNTEER):
        raise DomainError("not_volunteer")
    return await _profile(session, person, now)


async def add_record(session: AsyncSession, actor: Actor, grant_id: int, kind: str, what: str | None,
                     day: date, now: datetime) -> VolunteerRecord:
    grant = await session.get(RoleGrant, grant_id)
    if grant is None or grant.role != Role.VOLUNTEER.value:
        raise DomainError("not_found")
    if not actor.covering(APPROVER_ROLES, grant.community_id, grant.grid_id):
        raise PermissionDenied()
    if kind not in RECORD_KINDS:
        raise DomainError("bad_step")
    text = (what or "").strip()
    if not text:
        raise DomainError("record_empty")
    if len(text) > RECORD_MAX:
        raise DomainError("record_too_long", max=RECORD_MAX)
    record = VolunteerRecord(person_id=grant.person_id, kind=kind, what=text, day=day, recorded_by_id=actor.person_id,
                             at=now)
    session.add(record)
    audit(session, actor_id=actor.person_id, action="volunteer_record_added", at=now, subject_id=grant.person_id,
          kind=kind)
    return record


# ---- the area at a glance (/stats, /export) -----------------------------------------------------------------

def _volunteers(area: Area):
    """The people holding the volunteer role for the area (or for the whole community)."""
    q = select(RoleGrant.person_id).where(RoleGrant.role == Role.VOLUNTEER.value, RoleGrant.revoked_at.is_(None),
                                          RoleGrant.community_id == area.community_id)
    if area.building_id is not None:
        grids = select(Building.grid_id).where(Building.id == area.building_id)
    elif area.grid_ids is not None:
        grids = area.grid_ids
    else:
        return q
    return q.where(RoleGrant.grid_id.is_(None) | RoleGrant.grid_id.in_(grids))


async def glance(session: AsyncSession, area: Area, now: datetime) -> list[Figure]:
    on_duty = (await session.exec(select(func.count()).select_from(VolunteerProfile).where(
        VolunteerProfile.on_duty, VolunteerProfile.person_id.in_(_volunteers(area))))).one()
    in_hand = (await session.exec(select(func.count()).select_from(Task).where(
        Task.claimed_by_id.in_(_volunteers(area)), Task.status.in_(ACTIVE)))).one()
    return [Figure("on_duty", on_duty, opens="on_duty"), Figure("in_hand", in_hand)]


async def on_duty(session: AsyncSession, area: Area) -> list[tuple[Person, int]]:
    """The area's volunteers on duty, with the tasks each has in hand (two queries)."""
    people = (await session.exec(select(Person).join(VolunteerProfile, VolunteerProfile.person_id == Person.id).where(
        VolunteerProfile.on_duty, Person.id.in_(_volunteers(area)), Person.deleted_at.is_(None))
        .order_by(Person.id))).all()
    held = dict((await session.exec(select(Task.claimed_by_id, func.count()).where(
        Task.claimed_by_id.in_([p.id for p in people] or [-1]), Task.status.in_(ACTIVE))
        .group_by(Task.claimed_by_id))).all())
    return [(p, held.get(p.id, 0)) for p in people]


async def hours_rows(session: AsyncSession, area: Area, since: datetime, until: datetime
                     ) -> list[tuple[Person, VolunteerProfile | None, object]]:
    """Each volunteer of the area with what they did in [since, until): tasks taken and finished, hours."""
    people = (await session.exec(select(Person, VolunteerProfile)
                                 .outerjoin(VolunteerProfile, VolunteerProfile.person_id == Person.id)
                                 .where(Person.id.in_(_volunteers(area)), Person.deleted_at.is_(None))
                                 .order_by(Person.id))).all()
    return [(p, prof, await served(session, p.id, since, until)) for p, prof in people]

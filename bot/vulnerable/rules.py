"""The vulnerable register, Telegram-free: grading a household (1-3, with the reasons), who is responsible for
keeping in touch, when anyone last heard from it, and the 48-hour rule.

"Heard from" is read from what the bot already records, never asked again: a health report about any member (by
them or for them), a supply request of the household, a notice acknowledged by a member, a visit or call a
volunteer or staff member closed as reached (a check-in, a door-knock, a survey follow-up, a visit). Nobody
heard from in the community's `silence_hours` (48 unless its structure file says otherwise; `silence_red_hours`,
24, while a red alert is out in the community) → one visit-or-call task, offered to the one responsible and the
grid's volunteers and workers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.kernel.audit import audit
from bot.kernel.errors import DomainError, PermissionDenied
from bot.kernel.glance import Area, Figure
from bot.kernel.permissions import Actor, Role
from bot.kernel.personal_data import PersonalData, iso
from bot.kernel.text import clean_note
from bot.ledger import rules as ledger
from models import (
    Building,
    BuildingLeader,
    Community,
    HealthReport,
    Household,
    Notice,
    NoticeDelivery,
    NoticeSend,
    Person,
    RoleGrant,
    SupplyRequest,
    Task,
    VulnerableEntry,
)

KEEPER_ROLES = ledger.IMPORT_ROLES  # who keeps the register, in their area: the ledger's keepers
RESPONSIBLE_ROLES = (Role.STAFF, Role.VOLUNTEER)  # who can be made responsible (and take the visit)
GRADES = (1, 2, 3)
REASONS = ("alone_70", "disability", "chronic_meds", "pregnancy", "infant", "dementia", "other")
REACHED_KINDS = ("checkin", "doorknock", "survey", "visit")
RED_ALERT_DAYS = 3  # a red alert sent within this many days makes the rule stricter
NOTE_MAX = 300


def may_keep(actor: Actor) -> bool:
    return actor.superadmin or actor.has_role(*KEEPER_ROLES)


def grade(value: int) -> int:
    if value not in GRADES:
        raise DomainError("bad_step")
    return value


def toggle_reason(current: list[str], code: str) -> list[str]:
    if code not in REASONS:
        raise DomainError("bad_step")
    return [r for r in REASONS if (r in current) != (r == code)]


household_in_area = ledger.household_in_area  # a household of the keeper's area: the ledger's check


async def responsible_candidates(session: AsyncSession, building: Building) -> list[Person]:
    """The building's leaders, the grid's workers and volunteers (and the community-wide workers), reachable on
    Telegram."""
    leaders = (await session.exec(select(Person).join(BuildingLeader, BuildingLeader.person_id == Person.id).where(
        BuildingLeader.building_id == building.id, BuildingLeader.revoked_at.is_(None),
        Person.tg_user_id.is_not(None), Person.deleted_at.is_(None)).order_by(Person.id))).all()
    rows = (await session.exec(select(RoleGrant, Person).join(Person, Person.id == RoleGrant.person_id).where(
        RoleGrant.revoked_at.is_(None), RoleGrant.community_id == building.community_id,
        RoleGrant.role.in_([r.value for r in RESPONSIBLE_ROLES]), Person.tg_user_id.is_not(None),
        Person.deleted_at.is_(None)).order_by(Person.id))).all()
    return list({p.id: p for p in [*leaders, *(p for g, p in rows if g.grid_id in (None, building.grid_id))]}
                .values())


async def save(session: AsyncSession, actor: Actor, household_id: int, *, grade_: int, reasons: list[str],
               note: str | None, responsible_id: int | None, now: datetime) -> VulnerableEntry:
    """Add a household to the register or change its entry (staff of its area only; audited)."""
    household, building = await household_in_area(session, actor, household_id)
    grade(grade_)
    if not reasons or any(r not in REASONS for r in reasons):
        raise DomainError("reasons_missing")
    if responsible_id is not None and responsible_id not in {
            p.id for p in await responsible_candidates(session, building)}:
        raise PermissionDenied()
    entry = (await session.exec(select(VulnerableEntry).where(VulnerableEntry.household_id == household.id))).first()
    if entry is None:
        entry = VulnerableEntry(household_id=household.id, community_id=building.community_id,
                                grid_id=building.grid_id, created_at=now)
        session.add(entry)
    entry.grade, entry.reasons, entry.note = grade_, [r for r in REASONS if r in reasons], clean_note(note, NOTE_MAX)
    entry.responsible_id, entry.set_by_id, entry.updated_at = responsible_id, actor.person_id, now
    await session.flush()
    audit(session, actor_id=actor.person_id, action="vulnerable_saved", at=now, household=household.id,
          grade=grade_)
    return entry


async def remove(session: AsyncSession, actor: Actor, household_id: int, now: datetime) -> None:
    await household_in_area(session, actor, household_id)
    entry = (await session.exec(select(VulnerableEntry).where(VulnerableEntry.household_id == household_id))).first()
    if entry is None:
        raise DomainError("already_done")
    await session.delete(entry)
    audit(session, actor_id=actor.person_id, action="vulnerable_removed", at=now, household=household_id)


# ---- heard from ---------------------------------------------------------------------------------------------

@dataclass
class Heard:
    at: datetime | None
    how: str | None  # report | request | ack | reached


async def heard_from(session: AsyncSession, households) -> dict[int, Heard]:
    """The latest sign of life from each of these households (a list of ids, or a subquery of them: no long
    lists sent), from what the bot already records: a report about the household or one of its members, a
    request, a notice acknowledged by the household or a member, a visit or call that reached them. Six
    grouped queries, however many households; a household never heard from is not in the answer."""
    latest: dict[int, Heard] = {}

    async def take(how: str, q) -> None:
        for household_id, at in (await session.exec(q)).all():
            if household_id is not None and at is not None and (household_id not in latest
                                                                 or at > latest[household_id].at):
                latest[household_id] = Heard(at, how)

    for household, person, at, how in (
            (HealthReport.household_id, HealthReport.person_id, HealthReport.created_at, "report"),
            (NoticeDelivery.household_id, NoticeDelivery.person_id, NoticeDelivery.acked_at, "ack")):
        await take(how, select(household, func.max(at)).where(household.in_(households)).group_by(household))
        # by a member, whatever household the row itself names
        await take(how, select(Person.household_id, func.max(at)).join(Person, Person.id == person)
                   .where(Person.household_id.in_(households)).group_by(Person.household_id))
    await take("request", select(SupplyRequest.household_id, func.max(SupplyRequest.created_at))
               .where(SupplyRequest.household_id.in_(households)).group_by(SupplyRequest.household_id))
    await take("reached", select(Task.household_id, func.max(Task.confirmed_at))
               .where(Task.household_id.in_(households), Task.kind.in_(REACHED_KINDS), Task.outcome == "reached")
               .group_by(Task.household_id))
    return latest


NEVER = Heard(None, None)


async def last_heard(session: AsyncSession, household_id: int) -> Heard:
    """The latest sign of life from one household."""
    return (await heard_from(session, [household_id])).get(household_id, NEVER)


async def red_alert(session: AsyncSession, community_id: int, now: datetime) -> bool:
    """A red alert sent in the community within the last days (and not cancelled)."""
    return (await session.exec(select(NoticeSend.id).join(Notice, Notice.id == NoticeSend.notice_id).where(
        Notice.community_id == community_id, Notice.level == "red", Notice.status != "cancelled",
        NoticeSend.sent_at.is_not(None), NoticeSend.sent_at >= now - timedelta(days=RED_ALERT_DAYS)))).first() \
        is not None


def silence_limit(community: Community, red: bool) -> timedelta:
    return timedelta(hours=community.silence_red_hours if red else community.silence_hours)


@dataclass
class Row:
    entry: VulnerableEntry
    household: Household
    building: Building
    heard: Heard


async def register(session: AsyncSession, actor: Actor, now: datetime) -> list[Row]:
    """The register of the actor's area, the longest unheard first (audited by the caller)."""
    scopes = actor.scopes_for(KEEPER_ROLES)
    q = select(VulnerableEntry, Household, Building).join(Household, Household.id == VulnerableEntry.household_id) \
        .join(Building, Building.id == Household.building_id)
    if not actor.superadmin:
        q = q.where(VulnerableEntry.community_id.in_({s.community_id for s in scopes} or {-1}))
    mine = [(e, h, b) for e, h, b in (await session.exec(q)).all()
            if actor.covering(KEEPER_ROLES, b.community_id, b.grid_id)]
    heard = await heard_from(session, [h.id for _e, h, _b in mine])
    rows = [Row(e, h, b, heard.get(h.id, NEVER)) for e, h, b in mine]
    far_past = datetime.min.replace(tzinfo=now.tzinfo)
    return sorted(rows, key=lambda r: (r.heard.at or far_past, r.entry.grade))


def _heard_since(at: datetime | None):
    """A sign of life (as `heard_from` reads them) from the household of the row in hand, at or after `at`
    (None: ever), as an SQL condition: the time bound lets each test stop at the first row found by index."""
    def since(column) -> list:
        return [column.is_not(None)] + ([column >= at] if at is not None else [])

    member = Person.household_id == Household.id
    return or_(
        select(HealthReport.id).where(HealthReport.household_id == Household.id,
                                      *since(HealthReport.created_at)).exists(),
        select(HealthReport.id).join(Person, Person.id == HealthReport.person_id)
        .where(member, *since(HealthReport.created_at)).exists(),
        select(NoticeDelivery.id).where(NoticeDelivery.household_id == Household.id,
                                        *since(NoticeDelivery.acked_at)).exists(),
        select(NoticeDelivery.id).join(Person, Person.id == NoticeDelivery.person_id)
        .where(member, *since(NoticeDelivery.acked_at)).exists(),
        select(SupplyRequest.id).where(SupplyRequest.household_id == Household.id,
                                       *since(SupplyRequest.created_at)).exists(),
        select(Task.id).where(Task.household_id == Household.id, Task.kind.in_(REACHED_KINDS),
                              Task.outcome == "reached", *since(Task.confirmed_at)).exists())


async def _silence(session: AsyncSession, entries, now: datetime):
    """How many register entries this query (entry, household, building, community) holds, and the SQL
    condition that keeps those nobody has heard from for longer than their community's limit (shorter while it
    has a red alert out; silence counts from the last sign of life, or from the entry for a household never
    heard from). None: nothing on the register here."""
    registered = (await session.exec(select(func.count()).select_from(
        entries.with_only_columns(VulnerableEntry.id).subquery()))).one()
    if not registered:
        return 0, None
    silent = []
    for c in (await session.exec(select(Community).where(
            Community.id.in_(entries.with_only_columns(Community.id))))).all():
        quiet_since = now - silence_limit(c, await red_alert(session, c.id, now))
        silent.append(and_(Community.id == c.id, ~_heard_since(quiet_since),
                           or_(VulnerableEntry.created_at < quiet_since, _heard_since(None))))
    return registered, or_(*silent)


async def _unheard(session: AsyncSession, entries, now: datetime) -> tuple[int, list[Row]]:
    """How many entries the query holds, and the silent ones (found in the database; only they are read),
    the longest first."""
    registered, silent = await _silence(session, entries, now)
    if silent is None:
        return 0, []
    rows = list((await session.exec(entries.where(silent))).all())
    heard = await heard_from(session, [h.id for _e, h, _b, _c in rows]) if rows else {}
    out = [Row(e, h, b, heard.get(h.id, NEVER)) for e, h, b, _c in rows]
    return registered, sorted(out, key=lambda r: r.heard.at or r.entry.created_at)


def _entries():
    return (select(VulnerableEntry, Household, Building, Community)
            .join(Household, Household.id == VulnerableEntry.household_id)
            .join(Building, Building.id == Household.building_id)
            .join(Community, Community.id == Building.community_id))


async def silent(session: AsyncSession, now: datetime) -> list[Row]:
    """Register entries nobody has heard from for too long, with no visit already open for them."""
    open_visit = select(Task.id).where(Task.id == VulnerableEntry.task_id,
                                       Task.status.in_(("open", "claimed", "picked_up"))).exists()
    return (await _unheard(session, _entries().where(~open_visit), now))[1]


def visit_task(due: Row, now: datetime) -> Task:
    urgency = "urgent" if due.entry.grade == 1 else "today"
    return Task(kind="visit", community_id=due.building.community_id, grid_id=due.building.grid_id,
                household_id=due.household.id, skill="", urgency=urgency, priority=1 if urgency == "urgent" else 2,
                created_at=now)


async def entry_of_task(session: AsyncSession, task_id: int) -> VulnerableEntry | None:
    return (await session.exec(select(VulnerableEntry).where(VulnerableEntry.task_id == task_id))).first()


# ---- a person's data ----------------------------------------------------------------------------------------

async def _export(session: AsyncSession, person: Person, data: dict) -> None:
    """A resident may see that their household is on the care register, and why."""
    entry = (await session.exec(select(VulnerableEntry).where(
        VulnerableEntry.household_id == person.household_id))).first() if person.household_id else None
    if entry is not None:
        data["care_register"] = {"grade": entry.grade, "reasons": entry.reasons, "since": iso(entry.created_at)}


async def _erase(session: AsyncSession, person_ids: list[int], now: datetime) -> None:
    await session.exec(update(VulnerableEntry).where(VulnerableEntry.responsible_id.in_(person_ids))
                       .values(responsible_id=None))
    await session.exec(update(VulnerableEntry).where(VulnerableEntry.set_by_id.in_(person_ids))
                       .values(set_by_id=None))


async def _forget_household(session: AsyncSession, household_id: int) -> None:
    for entry in (await session.exec(select(VulnerableEntry).where(
            VulnerableEntry.household_id == household_id))).all():
        await session.delete(entry)


async def _move_household(session: AsyncSession, old: int, new: int) -> None:
    """Two households merged: one register entry, the one of the household kept if it has one."""
    moving, staying = await entry_for(session, old), await entry_for(session, new)
    if moving is None:
        return
    if staying is not None:
        await session.delete(moving)
    else:
        moving.household_id = new


PERSONAL_DATA = PersonalData(export=_export, erase=_erase, forget_household=_forget_household,
                             move_household=_move_household)


async def households_of(session: AsyncSession, actor: Actor, building_id: int) -> tuple[Building, list[Household]]:
    """A building of the actor's area and its known households (from the ledger or registered): the ledger's
    (its keepers are the register's)."""
    return await ledger.households_of(session, actor, building_id)


async def entry_for(session: AsyncSession, household_id: int) -> VulnerableEntry | None:
    return (await session.exec(select(VulnerableEntry).where(VulnerableEntry.household_id == household_id))).first()


# ---- the area at a glance (/stats, the evening summary) -----------------------------------------------------

def _in_area(area: Area):
    return _entries().where(*area.where(community=Building.community_id, grid=Building.grid_id,
                                        building=Building.id))


async def silent_in(session: AsyncSession, area: Area, now: datetime) -> tuple[int, list[Row]]:
    """How many households of the area are on the register, and those not heard from for longer than the
    community's limit, the longest first."""
    return await _unheard(session, _in_area(area), now)


async def glance(session: AsyncSession, area: Area, now: datetime) -> list[Figure]:
    """How many households of the area are on the register, and how many of them are silent (counted, not
    read)."""
    registered, silent = await _silence(session, _in_area(area), now)
    if silent is None:
        return []
    quiet = (await session.exec(select(func.count()).select_from(
        _in_area(area).where(silent).with_only_columns(VulnerableEntry.id).subquery()))).one()
    return [Figure("registered", registered), Figure("silent", quiet, opens="silent")]

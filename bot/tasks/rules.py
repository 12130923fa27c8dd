"""Volunteer tasks: who is offered a task, the atomic claim, the task's steps, release and cancel.

One set of rules for every kind of task. Telegram-free: functions take a session and plain values and
return what happened; the caller turns that into messages (bot/tasks/messages.py) before committing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.kernel.errors import DomainError, PermissionDenied
from bot.kernel.permissions import Actor, Role, can_view_person_in
from bot.kernel.personal_data import PersonalData
from bot.kernel.text import clean_line
from bot.registration.rules import dialable
from models import Building, BuildingLeader, Grid, Household, Person, RoleGrant, Task, TaskOffer, VolunteerProfile
from models.people import reachable
from models.tasks import task_kind

SKILLS: tuple[str, ...] = ("delivery", "medicine", "elderly_care", "phone", "patrol")
ACTIVE = ("claimed", "picked_up")
CASEWORK = (Role.STAFF, Role.ADMIN)
OUTCOMES = ("reached", "unreached", "escalated")  # how a call or visit ends
URGENCY_BASE = {"urgent": 0, "today": 2, "normal": 4}
REASON_MAX = 300


def task_priority(urgency: str, care_needs: list[str]) -> int:
    """Lower goes first. Households with care needs move up one step (urgent is already first)."""
    if urgency not in URGENCY_BASE:
        raise DomainError("bad_urgency")
    base = URGENCY_BASE[urgency]
    return max(0, base - 1) if care_needs and base > 0 else base


def validate_reason(text: str | None) -> str:
    return clean_line(text, max_len=REASON_MAX, code="reason", allow_slash=True)


async def active_count(session: AsyncSession, volunteer_id: int) -> int:
    return (await session.exec(select(func.count()).select_from(Task).where(
        Task.claimed_by_id == volunteer_id, Task.status.in_(ACTIVE)))).one()


def _roles_for(task: Task) -> tuple[str, ...]:
    """Who works on a task: its kind says (health follow-ups: doctors and staff; check-in calls: those and the
    volunteers; deliveries and door-knocks: volunteers and staff)."""
    return task_kind(task.kind).roles


async def _is_volunteer_for(session: AsyncSession, person_id: int, task: Task) -> bool:
    grants = (await session.exec(select(RoleGrant).where(
        RoleGrant.person_id == person_id, RoleGrant.revoked_at.is_(None),
        RoleGrant.role.in_(_roles_for(task)),
        RoleGrant.community_id == task.community_id))).all()
    return any(g.grid_id is None or g.grid_id == task.grid_id for g in grants)


LEADER_KINDS = ("doorknock", "visit", "checkin", "survey")  # a building leader's calls and visits


async def building_leaders(session: AsyncSession, task: Task) -> list[Person]:
    """The leaders of the building of the task's household, for the kinds of task a building leader does."""
    if task.kind not in LEADER_KINDS or task.household_id is None:
        return []
    household = await session.get(Household, task.household_id)
    if household is None:
        return []
    return list((await session.exec(select(Person).join(BuildingLeader, BuildingLeader.person_id == Person.id).where(
        BuildingLeader.building_id == household.building_id, BuildingLeader.revoked_at.is_(None),
        Person.tg_user_id.is_not(None), Person.deleted_at.is_(None)).order_by(Person.id))).all())


async def _leads_building_of(session: AsyncSession, person_id: int, task: Task) -> bool:
    return any(p.id == person_id for p in await building_leaders(session, task))


async def _is_volunteer_in_community(session: AsyncSession, person_id: int, community_id: int) -> bool:
    return (await session.exec(select(RoleGrant.id).where(
        RoleGrant.person_id == person_id, RoleGrant.revoked_at.is_(None), RoleGrant.community_id == community_id,
        RoleGrant.role.in_((Role.VOLUNTEER.value, Role.STAFF.value))))).first() is not None


async def staff_for(session: AsyncSession, task: Task) -> list[Person]:
    """Staff and admins whose scope covers the task (grid staff, else community-wide ones)."""
    rows = (await session.exec(select(RoleGrant, Person).join(Person, Person.id == RoleGrant.person_id).where(
        RoleGrant.revoked_at.is_(None), RoleGrant.community_id == task.community_id,
        RoleGrant.role.in_((Role.STAFF.value, Role.ADMIN.value)), Person.tg_user_id.is_not(None)))).all()
    seen: dict[int, Person] = {}
    for grant, person in rows:
        if grant.grid_id is None or grant.grid_id == task.grid_id:
            seen[person.id] = person
    return list(seen.values())


@dataclass
class Served:
    """What a helper did over a window: tasks taken, tasks finished, hours from taking each to finishing it (or
    to now, for one still in hand), and tasks in hand."""

    taken: int = 0
    finished: int = 0
    hours: float = 0.0
    in_hand: int = 0


async def served(session: AsyncSession, person_id: int, since: datetime, now: datetime) -> Served:
    out = Served()
    for task in (await session.exec(select(Task).where(Task.claimed_by_id == person_id))).all():
        end = task.delivered_at or task.confirmed_at
        if task.status in ACTIVE:
            out.in_hand += 1
            end = now
        elif task.status not in ("delivered", "confirmed") or end is None:
            continue
        if task.claimed_at is not None and task.claimed_at >= since:
            out.taken += 1
        if end >= since and task.status not in ACTIVE:
            out.finished += 1
        if task.claimed_at is not None and end >= since:
            out.hours += max(0.0, (end - max(task.claimed_at, since)).total_seconds() / 3600)
    return out


def over_rest_limit(profile: VolunteerProfile | None, day: Served, week: Served) -> DomainError | None:
    """The refusal to give when a volunteer has reached a rest limit (None: they may take more)."""
    if profile is None:
        return None
    if day.taken >= profile.max_per_day:
        return DomainError("rest_day", max=profile.max_per_day)
    if week.hours >= profile.max_hours_week:
        return DomainError("rest_week", max=profile.max_hours_week)
    return None


async def rest_refusal(session: AsyncSession, person_id: int, profile: VolunteerProfile | None,
                       now: datetime) -> DomainError | None:
    if profile is None:
        return None
    return over_rest_limit(profile, await served(session, person_id, now - timedelta(days=1), now),
                           await served(session, person_id, now - timedelta(days=7), now))


async def eligible_volunteers(session: AsyncSession, task: Task, *, exclude: set[int] | None = None,
                              community_wide: bool = False, now: datetime | None = None) -> list[Person]:
    """On-duty volunteers of the task's grid (or, escalated, of the whole community) with the needed skill,
    room for another task and within their rest limits, fewest active tasks first: work spreads out instead of
    piling up."""
    rows = (await session.exec(select(VolunteerProfile, Person).join(Person, Person.id == VolunteerProfile.person_id)
                               .where(VolunteerProfile.on_duty.is_(True), reachable()))).all()
    out: list[tuple[int, int, Person]] = []
    for profile, person in rows:
        if exclude and person.id in exclude:
            continue
        if task.skill and task.skill not in profile.skills:  # a door-knock needs no particular skill
            continue
        if not community_wide and task.grid_id not in profile.grid_ids:
            continue
        if not community_wide and not await _is_volunteer_for(session, person.id, task):
            continue
        if community_wide and not await _is_volunteer_in_community(session, person.id, task.community_id):
            continue
        load = await active_count(session, person.id)
        if load >= profile.max_tasks:
            continue
        if now is not None and await rest_refusal(session, person.id, profile, now) is not None:
            continue  # they have done their share for now: rest
        out.append((load, person.id, person))
    return [p for _, _, p in sorted(out, key=lambda t: (t[0], t[1]))]


@dataclass
class ClaimResult:
    task: Task
    other_offers: list[TaskOffer] = field(default_factory=list)  # to be edited: "already taken"


# Which of the winner's roles names them to the others, most specific first.
_ROLE_ORDER = (Role.DOCTOR, Role.STAFF, Role.COUNSELLOR, Role.ADMIN, Role.VOLUNTEER)


async def _taken(session: AsyncSession, task: Task) -> DomainError:
    """The refusal for a task someone else holds, naming them and their role in the task's community
    ("Wei, volunteer"; "Dr Zhang, community doctor"), so a doctor who lost the race is not told a volunteer won."""
    holder = await session.get(Person, task.claimed_by_id) if task.claimed_by_id else None
    if holder is None:
        return DomainError("task_taken_unknown")
    roles = set((await session.exec(select(RoleGrant.role).where(
        RoleGrant.person_id == holder.id, RoleGrant.community_id == task.community_id,
        RoleGrant.revoked_at.is_(None)))).all())
    role = next((r for r in _ROLE_ORDER if r in roles), Role.VOLUNTEER)
    return DomainError("task_taken", name=holder.full_name or "—", role=str(role))


async def claim(session: AsyncSession, task_id: int, volunteer: Person, now: datetime) -> ClaimResult:
    """First claim wins, atomically (a conditional UPDATE), whatever the number of processes."""
    task = await session.get(Task, task_id)
    if task is None:
        raise DomainError("not_found")
    offered = (await session.exec(select(TaskOffer.id).where(
        TaskOffer.task_id == task_id, TaskOffer.volunteer_id == volunteer.id, TaskOffer.status == "offered"))).first()
    # A volunteer of the task's grid, or anyone it was offered to (escalation widens it to the community),
    # as long as they still hold a volunteer role there.
    if not await _is_volunteer_for(session, volunteer.id, task) and not (
            offered is not None and await _is_volunteer_in_community(session, volunteer.id, task.community_id)) \
            and not await _leads_building_of(session, volunteer.id, task):
        raise PermissionDenied()
    if task.status == "cancelled":
        raise DomainError("task_cancelled")
    if task.status != "open":
        if task.claimed_by_id == volunteer.id:  # a second tap of their own claim
            raise DomainError("claimed_by_you" if task.status in ACTIVE else "already_done")
        raise await _taken(session, task)
    profile = await session.get(VolunteerProfile, volunteer.id)
    limit = profile.max_tasks if profile else 3
    if await active_count(session, volunteer.id) >= limit:
        raise DomainError("at_capacity", max=limit)
    rest = await rest_refusal(session, volunteer.id, profile, now)
    if rest is not None:
        raise rest
    res = await session.exec(update(Task).where(Task.id == task_id, Task.status == "open")
                             .values(status="claimed", claimed_by_id=volunteer.id, claimed_at=now))
    if res.rowcount != 1:
        await session.commit()  # end the (empty) write transaction without expiring the caller's objects
        await session.refresh(task)
        raise await _taken(session, task)
    others = []
    for o in await open_offers(session, task_id):
        o.status = "claimed" if o.volunteer_id == volunteer.id else "taken"
        if o.volunteer_id != volunteer.id:
            others.append(o)
    await session.refresh(task)
    return ClaimResult(task=task, other_offers=others)


async def _own_task(session: AsyncSession, task_id: int, volunteer: Person, expected: tuple[str, ...],
                    closes_by: str | None = None) -> Task:
    task = await session.get(Task, task_id)
    if task is None:
        raise DomainError("not_found")
    if closes_by is not None and task_kind(task.kind).closes_by != closes_by:
        raise DomainError("bad_step")  # e.g. "Delivered" forged for a phone call
    if task.claimed_by_id != volunteer.id:
        raise PermissionDenied()
    if task.status not in expected:
        raise DomainError("already_done")
    return task


async def picked_up(session: AsyncSession, task_id: int, volunteer: Person, now: datetime) -> Task:
    task = await _own_task(session, task_id, volunteer, ("claimed",), closes_by="delivery")
    task.status, task.picked_up_at = "picked_up", now
    return task


async def delivered(session: AsyncSession, task_id: int, volunteer: Person, now: datetime) -> Task:
    task = await _own_task(session, task_id, volunteer, ("claimed", "picked_up"), closes_by="delivery")
    task.status, task.delivered_at = "delivered", now
    task.picked_up_at = task.picked_up_at or now
    return task


async def releasable(session: AsyncSession, task_id: int, volunteer: Person) -> Task:
    """The task, if this volunteer holds it and may give it back. A button from before the task moved on
    (staff gave it to someone else, it was delivered) is "already handled", not an error."""
    task = await session.get(Task, task_id)
    if task is None or task.claimed_by_id != volunteer.id or task.status not in ACTIVE:
        raise DomainError("already_done")
    return task


async def release(session: AsyncSession, task_id: int, volunteer: Person, reason: str, now: datetime) -> Task:
    """Give a task back: it returns to the pool (and is offered again, not to this volunteer)."""
    reason = validate_reason(reason)
    task = await releasable(session, task_id, volunteer)
    task.status, task.claimed_by_id, task.claimed_at, task.picked_up_at = "open", None, None, None
    task.releases += 1
    task.close_reason = reason
    offer = (await session.exec(select(TaskOffer).where(TaskOffer.task_id == task_id,
                                                        TaskOffer.volunteer_id == volunteer.id))).first()
    if offer is not None:
        offer.status = "withdrawn"
    return task


async def confirm_receipt(session: AsyncSession, task_id: int, person: Person | None, now: datetime,
                          *, automatic: bool = False) -> Task:
    task = await session.get(Task, task_id)
    if task is None:
        raise DomainError("not_found")
    if not automatic and (person is None or task.household_id is None or person.household_id != task.household_id):
        raise PermissionDenied()
    if task.status != "delivered":
        raise DomainError("already_done")
    task.status, task.confirmed_at = "confirmed", now
    return task


async def cancel(session: AsyncSession, task_id: int, *, by_resident: Person | None = None,
                 by_staff: Actor | None = None, reason: str | None = None, now: datetime) -> Task:
    """A resident cancels their own request while nobody has picked it up; staff cancel with a reason."""
    task = await session.get(Task, task_id)
    if task is None:
        raise DomainError("not_found")
    if by_resident is not None:
        # Residents cancel their own supply requests; a call or a door-knock about them is not theirs to stop.
        if task.kind != "supply" or task.household_id is None or by_resident.household_id != task.household_id:
            raise PermissionDenied()
        if task.status == "cancelled":
            raise DomainError("already_done")
        if task.status not in ("open", "claimed"):
            raise DomainError("too_late_to_cancel")
    elif by_staff is not None:
        if not by_staff.covering([Role.STAFF, Role.ADMIN], task.community_id, task.grid_id):
            raise PermissionDenied()
        if task.status in ("delivered", "confirmed", "cancelled"):
            raise DomainError("already_done")
        reason = validate_reason(reason)
    else:
        raise PermissionDenied()
    task.status, task.cancelled_at, task.close_reason = "cancelled", now, reason
    return task


async def held_by(session: AsyncSession, person: Person) -> list[Task]:
    """The tasks a person has taken and not finished (/tasks), oldest first."""
    return list((await session.exec(select(Task).where(Task.claimed_by_id == person.id, Task.status.in_(ACTIVE))
                                    .order_by(Task.id))).all())


async def open_offers(session: AsyncSession, task_id: int) -> list[TaskOffer]:
    """The task's offers still showing their button ("I'll take it", "I'll call them")."""
    return list((await session.exec(select(TaskOffer).where(TaskOffer.task_id == task_id,
                                                            TaskOffer.status == "offered"))).all())


async def withdraw_open_offers(session: AsyncSession, task_id: int) -> list[TaskOffer]:
    """The task was cancelled: the offers still showing "I'll take it" are withdrawn (returned, to be edited)."""
    offers = await open_offers(session, task_id)
    for offer in offers:
        offer.status = "withdrawn"
    return offers


@dataclass(frozen=True)
class ResidentDetails:
    name: str | None
    building: str
    unit: str
    phone: str | None


async def resident_details(session: AsyncSession, task_id: int, viewer: Person, actor: Actor,
                           locale: str) -> ResidentDetails:
    """Name, address and phone: only the volunteer who holds the task, or staff of its scope."""
    task = await session.get(Task, task_id)
    if task is None:
        raise DomainError("not_found")
    holder = task.claimed_by_id == viewer.id and task.status in (*ACTIVE, "delivered")
    if not holder and not can_view_person_in(actor, task.community_id, task.grid_id):
        raise PermissionDenied()
    from models import SupplyRequest

    req = (await session.exec(select(SupplyRequest).where(SupplyRequest.task_id == task_id))).first()
    person = await session.get(Person, task.subject_person_id) if task.subject_person_id else None
    if req is not None:
        building = await session.get(Building, req.deliver_building_id)
        unit = req.deliver_unit
    else:
        hh = await session.get(Household, task.household_id) if task.household_id else None
        building = await session.get(Building, hh.building_id) if hh else None
        unit = hh.unit if hh else ""
    return ResidentDetails(name=person.full_name if person else None,
                           building=building.label(locale) if building else "?", unit=unit,
                           phone=dialable(person.phone) if person else None)


async def staff_return_to_pool(session: AsyncSession, task_id: int, actor: Actor, reason: str,
                               now: datetime) -> tuple[Task, int | None]:
    """Staff take a stuck task from its volunteer and put it back in the pool (to be offered again).
    Returns the task and the volunteer it was taken from."""
    reason = validate_reason(reason)
    task = await session.get(Task, task_id)
    if task is None:
        raise DomainError("not_found")
    if not actor.covering([Role.STAFF, Role.ADMIN], task.community_id, task.grid_id):
        raise PermissionDenied()
    if task.status not in ACTIVE:
        raise DomainError("already_done")
    previous = task.claimed_by_id
    task.status, task.claimed_by_id, task.claimed_at, task.picked_up_at = "open", None, None, None
    task.releases += 1
    task.close_reason = reason
    return task, previous


@dataclass
class Queue:
    counts: dict[str, int]
    tasks: list[Task]  # open and in progress, most urgent first


MAX_CHOICES = (1, 2, 3, 5)  # how many tasks at once a volunteer may choose
DAY_CHOICES = (3, 5, 8, 12)  # tasks a day
WEEK_CHOICES = (10, 20, 40, 60)  # hours a week


async def duty_profile(session: AsyncSession, person: Person | None, actor: Actor) -> VolunteerProfile:
    """A volunteer's (or worker's) duty profile; the first time, one for the grids of their role (the whole
    community's grids for a community-wide role), off duty until they say otherwise."""
    if person is None or not actor.has_role(Role.VOLUNTEER, Role.STAFF):
        raise PermissionDenied()
    profile = await session.get(VolunteerProfile, person.id)
    if profile is not None:
        return profile
    grids: list[int] = []
    for scope in actor.scopes_for([Role.VOLUNTEER, Role.STAFF]):
        if scope.grid_id is not None:
            grids.append(scope.grid_id)
        else:
            grids += [g.id for g in (await session.exec(select(Grid).where(Grid.community_id == scope.community_id)
                                                        .order_by(Grid.id))).all()]
    if not grids:
        raise PermissionDenied()
    profile = VolunteerProfile(person_id=person.id, grid_ids=sorted(set(grids)), skills=["delivery"], on_duty=False)
    session.add(profile)
    return profile


async def change_duty(session: AsyncSession, person: Person | None, actor: Actor, kind: str, value: str,
                      now: datetime) -> VolunteerProfile:
    """A skill on or off, how many tasks at once, on or off duty. Each button says what it does, so pressing it
    twice does it once; a button that no longer means what it says (yesterday's toggle) is refused."""
    profile = await session.get(VolunteerProfile, person.id) if person else None
    if profile is None or not actor.has_role(Role.VOLUNTEER, Role.STAFF):
        raise PermissionDenied()
    if kind == "skill" and value in SKILLS:
        skills = set(profile.skills) ^ {value}
        profile.skills = [s for s in SKILLS if s in skills]
    elif kind == "max" and value in {str(n) for n in MAX_CHOICES}:
        profile.max_tasks = int(value)
    elif kind == "day" and value in {str(n) for n in DAY_CHOICES}:
        profile.max_per_day = int(value)
    elif kind == "week" and value in {str(n) for n in WEEK_CHOICES}:
        profile.max_hours_week = int(value)
    elif kind == "duty" and value in ("on", "off"):
        profile.on_duty = value == "on"
    else:
        raise DomainError("bad_step")
    profile.updated_at = now
    return profile


def may_work_cases(actor: Actor) -> bool:
    """Community workers and admins: /queue, /stock and what staff do to a request."""
    return actor.superadmin or actor.has_role(*CASEWORK)


async def staff_queue(session: AsyncSession, actor: Actor, limit: int = 20) -> Queue:
    """Open and stuck work in the actor's scope only; counts by status over the same scope."""
    if not may_work_cases(actor):
        raise PermissionDenied()
    rows = (await session.exec(select(Task).where(Task.status.in_(("open", *ACTIVE, "delivered")))
                               .order_by(Task.priority, Task.created_at))).all()
    mine = [t for t in rows if actor.covering([Role.STAFF, Role.ADMIN], t.community_id, t.grid_id)]
    counts: dict[str, int] = {}
    for t in mine:
        counts[t.status] = counts.get(t.status, 0) + 1
    return Queue(counts=counts, tasks=[t for t in mine if t.status in ("open", *ACTIVE)][:limit])


async def health_responders(session: AsyncSession, task: Task) -> list[Person]:
    """Doctors and staff of the task's grid; if the grid has none, those of the whole community."""
    rows = (await session.exec(select(RoleGrant, Person).join(Person, Person.id == RoleGrant.person_id).where(
        RoleGrant.revoked_at.is_(None), RoleGrant.community_id == task.community_id,
        RoleGrant.role.in_((Role.DOCTOR.value, Role.STAFF.value)), Person.tg_user_id.is_not(None),
        Person.deleted_at.is_(None)))).all()
    grid = {p.id: p for g, p in rows if g.grid_id is not None and g.grid_id == task.grid_id}
    whole = {p.id: p for g, p in rows if g.grid_id is None}
    return list((grid or whole).values()) if grid or whole else []


async def staff_and_doctors(session: AsyncSession, task: Task, *, but: int | None = None) -> list[Person]:
    """Whom a call or visit that went wrong concerns: the grid's staff and its doctors (else the community's),
    without the one who reports it."""
    people = {p.id: p for p in [*await staff_for(session, task), *await health_responders(session, task)]}
    people.pop(but, None)
    return list(people.values())


async def resolvable(session: AsyncSession, task_id: int, person: Person, actor: Actor) -> Task:
    """The follow-up, if this person may close it: the one who took it, or doctors/staff of its area."""
    task = await session.get(Task, task_id)
    if task is None or task.status in ("confirmed", "cancelled"):
        raise DomainError("already_done")
    if task_kind(task.kind).closes_by != "resolve":
        raise DomainError("bad_step")  # calls and door-knocks close with an outcome instead
    if task.claimed_by_id != person.id and not actor.covering([Role.DOCTOR, Role.STAFF, Role.ADMIN],
                                                               task.community_id, task.grid_id):
        raise PermissionDenied()
    return task


async def resolve(session: AsyncSession, task_id: int, person: Person, actor: Actor, note: str | None,
                  now: datetime) -> Task:
    """Close a follow-up with a note for the record."""
    task = await resolvable(session, task_id, person, actor)
    task.status, task.confirmed_at, task.close_reason = "confirmed", now, note
    return task


async def close_with_outcome(session: AsyncSession, task_id: int, person: Person, actor: Actor, outcome: str,
                        now: datetime) -> Task:
    """The caller says how a call or visit (a kind that closes by outcome) ended: reached, could not reach, or
    escalated."""
    if outcome not in OUTCOMES:
        raise DomainError("bad_outcome")
    task = await session.get(Task, task_id)
    if task is None or task_kind(task.kind).closes_by != "outcome":
        raise DomainError("not_found")
    if task.status not in ("open", "claimed"):
        raise DomainError("already_done")
    if task.claimed_by_id != person.id and not actor.covering((Role.STAFF, Role.ADMIN, Role.DOCTOR),
                                                               task.community_id, task.grid_id):
        raise PermissionDenied() if task.claimed_by_id is not None else DomainError("claim_first")
    task.status, task.confirmed_at, task.outcome = "confirmed", now, outcome
    return task


# ---- a person's data (/deleteme) ---------------------------------------------------------------------------
async def _erase(session: AsyncSession, person_ids: list[int], now: datetime) -> None:
    """Open requests and calls about them are cancelled."""
    await session.exec(update(Task).where(Task.subject_person_id.in_(person_ids),
                                          Task.status.in_(("open", "claimed", "picked_up")))
                       .values(status="cancelled", cancelled_at=now, close_reason="erased"))


async def _forget_household(session: AsyncSession, household_id: int) -> None:
    await session.exec(update(Task).where(Task.household_id == household_id).values(household_id=None))


async def _move_household(session: AsyncSession, old: int, new: int) -> None:
    await session.exec(update(Task).where(Task.household_id == old).values(household_id=new))


PERSONAL_DATA = PersonalData(erase=_erase, forget_household=_forget_household, move_household=_move_household)

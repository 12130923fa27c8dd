"""The case engine's rules, Telegram-free: opening a case or joining the same one, who may handle it, each
state change (checked against the case's scope and state), the followers' "Is it fixed?", and the figures.

States: new -> acknowledged -> in_progress -> resolved -> closed; resolved -> in_progress when a follower says
it is not fixed; rejected (with a reason) from any open state. A capability (hazards now, feedback later)
gives its kinds' categories, urgency and time limits through `bot.cases.kinds`.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.access.rules import role_holders
from bot.cases import kinds
from bot.cases.kinds import HANDLER_ROLES
from bot.kernel.errors import DomainError, PermissionDenied
from bot.kernel.permissions import Actor, Role, Scope
from bot.kernel.personal_data import PersonalData, iso
from bot.kernel.structure import home_of
from bot.kernel.text import clean_line, clean_note, matching_key
from bot.tasks.rules import task_priority
from models import Building, Community, Person, Task
from models.cases import CLOSED_STATUSES, OPEN_STATUSES, Case, CaseAlert, CaseEvent, CaseFollower

NEAR_METRES = 100  # two reported points this close are the same place
PHOTOS_MAX = 5
NOTE_MAX = 1000
PLACE_MAX = 200
REASON_MAX = 300
CASEWORK_SKILL = "delivery"  # field work any errand-running volunteer can do


@dataclass(frozen=True)
class Place:
    building_id: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    text: str | None = None  # as typed

    def __post_init__(self) -> None:
        if self.building_id is None and self.latitude is None and not self.text:
            raise DomainError("place_missing")


@dataclass(frozen=True)
class Report:
    kind: str
    category: str
    place: Place | None  # None: about the community, not a place (feedback); scoped to the reporter's grid
    note: str | None = None
    photos: tuple[str, ...] = ()
    anonymous: bool = False
    urgent: bool = False
    hidden_from: tuple[int, ...] = ()  # people who must never see it (whom a complaint is about)


@dataclass
class Reported:
    case: Case
    follower: CaseFollower
    joined: bool  # True: an open case about the same thing already existed
    followers: int


def clean_place_text(text: str | None) -> str:
    return clean_line(text, max_len=PLACE_MAX, code="place")


def clean_case_note(text: str | None) -> str | None:
    return clean_note(text, NOTE_MAX)


def clean_reason(text: str | None) -> str:
    return clean_line(text, max_len=REASON_MAX, code="reason", allow_slash=True)


def metres_apart(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine) between two (latitude, longitude) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def same_place(case: Case, place: Place) -> bool:
    """The same building; else points within NEAR_METRES; else the same words (compared, never stored, in a
    normalised form: full-width and half-width, spaces and case do not matter)."""
    if place.building_id is not None or case.building_id is not None:
        return place.building_id == case.building_id
    if place.latitude is not None and case.latitude is not None:
        return metres_apart((place.latitude, place.longitude), (case.latitude, case.longitude)) <= NEAR_METRES
    if place.text and case.place_text:
        return matching_key(place.text) == matching_key(case.place_text)
    return False


async def _home(session: AsyncSession, person: Person) -> Building:
    _community, building, _household = await home_of(session, person)
    if building is None:
        raise DomainError("not_registered")
    return building


async def report(session: AsyncSession, person: Person, r: Report, *, join_window: timedelta,
                 now: datetime) -> Reported:
    """Open a case, or join the open one about the same thing at the same place (reported within the window):
    the reporter follows it either way, and their words and photos are added to its history."""
    home = await _home(session, person)
    building = home
    place = r.place or Place(text="-")  # only compared when the kind joins; never stored
    if r.place is not None and r.place.building_id is not None and r.place.building_id != home.id:
        building = await session.get(Building, r.place.building_id)
        if building is None or building.community_id != home.community_id:
            raise DomainError("bad_address")
    if len(r.photos) > PHOTOS_MAX:
        raise DomainError("too_many_photos", max=PHOTOS_MAX)
    # Neighbours reporting the same thing at the same moment: one community's reports are decided one at a time.
    # A write comes first (it changes nothing): it takes the community row's lock on PostgreSQL and the write
    # lock on SQLite, so the search below sees every case committed before it.
    await session.exec(update(Community).where(Community.id == home.community_id).values(code=Community.code))
    candidates = (await session.exec(select(Case).where(
        Case.community_id == home.community_id, Case.kind == r.kind, Case.category == r.category,
        Case.status.in_(OPEN_STATUSES), Case.created_at >= now - join_window).order_by(Case.id))).all() \
        if r.place is not None and kinds.kind(r.kind).joins else []
    case = next((c for c in candidates if same_place(c, place)), None)
    joined = case is not None
    if case is None:
        case = Case(kind=r.kind, category=r.category, community_id=home.community_id,
                    grid_id=(building or home).grid_id, building_id=r.place.building_id if r.place else None,
                    latitude=r.place.latitude if r.place else None, longitude=r.place.longitude if r.place else None,
                    place_text=r.place.text if r.place else None, urgent=r.urgent,
                    hidden_from=list(r.hidden_from) or None, created_at=now)
        session.add(case)
        await session.flush()
    follower = (await session.exec(select(CaseFollower).where(CaseFollower.case_id == case.id,
                                                              CaseFollower.person_id == person.id))).first()
    if follower is None:
        follower = CaseFollower(case_id=case.id, person_id=person.id, anonymous=r.anonymous, first=not joined,
                                joined_at=now)
        session.add(follower)
        await session.flush()
    elif not r.anonymous:
        follower.anonymous = False  # they now let staff see who they are
    session.add(CaseEvent(case_id=case.id, action="joined" if joined else "reported", follower_id=follower.id,
                          note=r.note, photos=list(r.photos), at=now))
    n = len((await session.exec(select(CaseFollower.id).where(CaseFollower.case_id == case.id))).all())
    return Reported(case=case, follower=follower, joined=joined, followers=n)


# ---- who handles it ------------------------------------------------------------------------------------------

def may_handle(actor: Actor, case: Case) -> bool:
    """Whose grants the case's kind accepts (community workers and admins of its area, unless the kind says
    otherwise) — never someone it is hidden from (the person a complaint is about)."""
    if actor.person_id is not None and actor.person_id in (case.hidden_from or ()):
        return False
    handles = kinds.kind(case.kind).handles
    return actor.superadmin or any(handles(g.role, g.scope, case) for g in actor.grants)


def may_handle_cases(actor: Actor) -> bool:
    """The staff router's gate: community workers and admins."""
    return actor.superadmin or actor.has_role(*HANDLER_ROLES)


async def grid_staff(session: AsyncSession, case: Case) -> list[Person]:
    """Who is told of a new case: the community workers of its grid, else those of the whole community,
    else its admins."""
    rows = await role_holders(session, case.community_id, (Role.STAFF,))
    grid = {p.id: p for g, p in rows if case.grid_id is not None and g.grid_id == case.grid_id}
    if grid:
        return list(grid.values())
    whole = {p.id: p for g, p in rows if g.grid_id is None}
    return list(whole.values()) or await community_admins(session, case.community_id)


async def grid_leaders(session: AsyncSession, case: Case) -> list[Person]:
    """Whom an overdue case is flagged to: the grid's own workers (its leader among them)."""
    rows = await role_holders(session, case.community_id, (Role.STAFF,))
    return list({p.id: p for g, p in rows if g.grid_id is not None and g.grid_id == case.grid_id}.values())


async def community_admins(session: AsyncSession, community_id: int) -> list[Person]:
    """Whom a case nobody took is escalated to: the community's admins, else its community-wide workers."""
    rows = await role_holders(session, community_id, (Role.ADMIN, Role.STAFF))
    admins = {p.id: p for g, p in rows if g.role == Role.ADMIN.value and g.grid_id is None}
    return list(admins.values()) or list({p.id: p for g, p in rows if g.grid_id is None}.values())


async def routed(session: AsyncSession, case: Case, purpose: str) -> list[Person]:
    """Whom a case goes to: "new" (the first alert), "escalate" (nobody took it in time), "overdue" (not resolved
    in time) — as its kind routes it, else the grid's workers, the community's admins, the grid's workers; never
    anyone it is hidden from."""
    hook = kinds.kind(case.kind).routes
    people = await hook(session, case, purpose) if hook is not None else None
    if people is None:
        if purpose == "new":
            people = await grid_staff(session, case)
        elif purpose == "escalate":
            people = await community_admins(session, case.community_id)
        else:
            people = await grid_leaders(session, case)
    hidden = set(case.hidden_from or ())
    return [p for p in people if p.id not in hidden]


async def handled_case(session: AsyncSession, actor: Actor, case_id: int) -> Case:
    case = await session.get(Case, case_id)
    if case is None:
        raise DomainError("not_found")
    if not may_handle(actor, case):
        raise PermissionDenied()
    return case


# ---- staff actions -------------------------------------------------------------------------------------------

async def acknowledge(session: AsyncSession, actor: Actor, case_id: int, now: datetime) -> Case:
    """"I'll handle it": the first press wins (a conditional UPDATE, whatever the number of processes); the
    one who pressed is its assignee."""
    case = await handled_case(session, actor, case_id)
    if case.status != "new":
        raise await _taken(session, case, actor)
    res = await session.exec(update(Case).where(Case.id == case_id, Case.status == "new")
                             .values(status="acknowledged", acknowledged_at=now, assignee_id=actor.person_id))
    if res.rowcount != 1:
        await session.commit()
        await session.refresh(case)
        raise await _taken(session, case, actor)
    await session.refresh(case)
    session.add(CaseEvent(case_id=case.id, action="acknowledged", actor_id=actor.person_id, at=now))
    return case


async def _taken(session: AsyncSession, case: Case, actor: Actor) -> DomainError:
    if case.status in CLOSED_STATUSES:
        return DomainError("already_done")
    if case.assignee_id == actor.person_id:
        return DomainError("case_yours")
    holder = await session.get(Person, case.assignee_id) if case.assignee_id else None
    return DomainError("case_taken", name=holder.full_name if holder and holder.full_name else "—")


async def start_work(session: AsyncSession, actor: Actor, case_id: int, now: datetime) -> Case:
    case = await handled_case(session, actor, case_id)
    if case.status != "acknowledged":
        raise DomainError("already_done")
    case.status = "in_progress"
    session.add(CaseEvent(case_id=case.id, action="in_progress", actor_id=actor.person_id, at=now))
    return case


async def resolve(session: AsyncSession, actor: Actor, case_id: int, note: str | None, photo: str | None,
                  now: datetime) -> Case:
    """Resolved, with what was done (and a photo) that the followers see; each follower is then asked."""
    note = clean_reason(note)
    case = await handled_case(session, actor, case_id)
    if case.status not in ("acknowledged", "in_progress"):
        raise DomainError("already_done")
    case.status, case.resolved_at, case.resolution, case.resolution_photo = "resolved", now, note, photo
    for f in await followers(session, case.id):
        f.fixed = None
    session.add(CaseEvent(case_id=case.id, action="resolved", actor_id=actor.person_id, note=note,
                          photos=[photo] if photo else [], at=now))
    return case


async def reject(session: AsyncSession, actor: Actor, case_id: int, reason: str | None, now: datetime) -> Case:
    """Not something staff will act on (not a hazard, not in the community...): the followers see why."""
    reason = clean_reason(reason)
    case = await handled_case(session, actor, case_id)
    if case.status not in ("new", "acknowledged", "in_progress"):  # resolved: the neighbours are asked
        raise DomainError("already_done")
    case.status, case.closed_at, case.reject_reason = "rejected", now, reason
    session.add(CaseEvent(case_id=case.id, action="rejected", actor_id=actor.person_id, note=reason, at=now))
    return case


async def ask_volunteer(session: AsyncSession, actor: Actor, case_id: int, now: datetime) -> tuple[Case, Task]:
    """Field work for a volunteer of the case's grid (clear the stairwell...), through the volunteer-task engine:
    one task per case at a time."""
    case = await handled_case(session, actor, case_id)
    if not kinds.kind(case.kind).field_work:
        raise DomainError("bad_step")
    if case.status not in ("acknowledged", "in_progress"):
        raise DomainError("already_done")
    current = await session.get(Task, case.task_id) if case.task_id else None
    if current is not None and current.status in ("open", "claimed", "picked_up"):
        raise DomainError("volunteer_asked")
    urgency = "urgent" if case.urgent else "today"
    task = Task(kind="casework", community_id=case.community_id, grid_id=case.grid_id, skill=CASEWORK_SKILL,
                urgency=urgency, priority=task_priority(urgency, []), created_at=now)
    session.add(task)
    await session.flush()
    case.task_id = task.id
    session.add(CaseEvent(case_id=case.id, action="volunteer", actor_id=actor.person_id, at=now))
    return case, task


async def case_of_task(session: AsyncSession, task_id: int) -> Case | None:
    return (await session.exec(select(Case).where(Case.task_id == task_id))).first()


async def resolve_by_task(session: AsyncSession, task: Task, by: Person, note: str, now: datetime) -> Case | None:
    """The volunteer who held the case's task says it is done: the case is resolved with their words (the
    task engine has checked that they hold it). Nothing if staff closed the case meanwhile."""
    case = await case_of_task(session, task.id)
    if case is None or case.status not in ("acknowledged", "in_progress"):
        return None
    case.status, case.resolved_at, case.resolution, case.resolution_photo = "resolved", now, note, None
    for f in await followers(session, case.id):
        f.fixed = None
    session.add(CaseEvent(case_id=case.id, action="resolved", actor_id=by.id, note=note, at=now))
    return case


async def colleagues(session: AsyncSession, actor: Actor, case: Case) -> list[Person]:
    """Whom a case can be passed to: the others who may handle it (its kind decides; never whom it is hidden
    from)."""
    handles, hidden = kinds.kind(case.kind).handles, set(case.hidden_from or ())
    rows = await role_holders(session, case.community_id, tuple(Role))
    return list({p.id: p for g, p in rows if handles(Role(g.role), Scope(g.community_id, g.grid_id), case)
                 and p.id != actor.person_id and p.id not in hidden}.values())


async def pass_to(session: AsyncSession, actor: Actor, case_id: int, person_id: int,
                  now: datetime) -> tuple[Case, Person]:
    case = await handled_case(session, actor, case_id)
    if case.status not in ("acknowledged", "in_progress"):
        raise DomainError("already_done")
    colleague = next((p for p in await colleagues(session, actor, case) if p.id == person_id), None)
    if colleague is None:
        raise PermissionDenied()
    case.assignee_id = colleague.id
    session.add(CaseEvent(case_id=case.id, action="assigned", actor_id=actor.person_id, at=now))
    return case, colleague


# ---- followers -----------------------------------------------------------------------------------------------

async def followers(session: AsyncSession, case_id: int) -> list[CaseFollower]:
    return list((await session.exec(select(CaseFollower).where(CaseFollower.case_id == case_id)
                                    .order_by(CaseFollower.id))).all())


@dataclass
class Answer:
    case: Case
    closed: bool = False
    reopened: bool = False


async def awaiting_answer(session: AsyncSession, person: Person | None, case_id: int) -> Case:
    """The case, if this person follows it and it waits for their "Is it fixed?"."""
    case = await session.get(Case, case_id)
    follower = (await session.exec(select(CaseFollower).where(
        CaseFollower.case_id == case_id, CaseFollower.person_id == person.id))).first() if person and case else None
    if case is None or follower is None:
        raise DomainError("not_found")
    if case.status != "resolved" or follower.fixed is not None:
        raise DomainError("already_done")
    return case


async def answer_fixed(session: AsyncSession, person: Person | None, case_id: int, fixed: bool,
                       comment: str | None, now: datetime) -> Answer:
    """A follower's "Is it fixed?": "no" reopens it with their comment (and counts against the closure rate);
    when everyone has said "yes", it is closed."""
    case = await session.get(Case, case_id)
    follower = (await session.exec(select(CaseFollower).where(
        CaseFollower.case_id == case_id, CaseFollower.person_id == person.id))).first() if person and case else None
    if case is None or follower is None:
        raise DomainError("not_found")
    if case.status != "resolved" or follower.fixed is not None:
        raise DomainError("already_done")
    if not fixed:
        comment = clean_case_note(comment)
        case.status, case.reopened, case.resolved_at = "in_progress", case.reopened + 1, None
        for f in await followers(session, case.id):
            f.fixed = None
        session.add(CaseEvent(case_id=case.id, action="not_fixed", follower_id=follower.id, note=comment, at=now))
        return Answer(case=case, reopened=True)
    follower.fixed = "yes"
    if all(f.fixed is not None for f in await followers(session, case.id)):
        _close(session, case, now)
        return Answer(case=case, closed=True)
    return Answer(case=case)


def _close(session: AsyncSession, case: Case, now: datetime) -> None:
    case.status, case.closed_at = "closed", now
    session.add(CaseEvent(case_id=case.id, action="closed", at=now))


async def close_unanswered(session: AsyncSession, case_id: int, reopened: int, now: datetime) -> Case | None:
    """No answer in time counts as fixed. Nothing to do if it was reopened or closed meanwhile."""
    case = await session.get(Case, case_id)
    if case is None or case.status != "resolved" or case.reopened != reopened:
        return None
    for f in await followers(session, case.id):
        if f.fixed is None:
            f.fixed = "timeout"
    _close(session, case, now)
    return case


async def alerts(session: AsyncSession, case_id: int) -> list[CaseAlert]:
    return list((await session.exec(select(CaseAlert).where(CaseAlert.case_id == case_id))).all())


async def history(session: AsyncSession, case_id: int) -> list[CaseEvent]:
    return list((await session.exec(select(CaseEvent).where(CaseEvent.case_id == case_id)
                                    .order_by(CaseEvent.id))).all())


async def followed_by(session: AsyncSession, person: Person, limit: int = 10) -> list[Case]:
    """The cases a resident reported or joined, newest first (My reports)."""
    return list((await session.exec(select(Case).join(CaseFollower, CaseFollower.case_id == Case.id).where(
        CaseFollower.person_id == person.id).order_by(Case.id.desc()).limit(limit))).all())


# ---- the figures ---------------------------------------------------------------------------------------------

@dataclass
class Figures:
    """Over a window: of the times a case was closed by staff — closed after "resolved" (confirmed fixed, or
    nobody said otherwise in time), reopened by a follower's "not fixed", or rejected — the share that stayed
    fixed is the closure rate."""

    fixed: int = 0
    reopened: int = 0
    rejected: int = 0
    ack_minutes: list[float] = field(default_factory=list)
    resolve_minutes: list[float] = field(default_factory=list)

    @property
    def closures(self) -> int:
        return self.fixed + self.reopened + self.rejected

    @property
    def closure_rate(self) -> float | None:
        return self.fixed / self.closures if self.closures else None

    @property
    def median_ack_minutes(self) -> float | None:
        return statistics.median(self.ack_minutes) if self.ack_minutes else None

    @property
    def median_resolve_minutes(self) -> float | None:
        return statistics.median(self.resolve_minutes) if self.resolve_minutes else None


def in_scope(actor: Actor, cases: list[Case]) -> list[Case]:
    return [c for c in cases if may_handle(actor, c)]


async def figures(session: AsyncSession, actor: Actor, kind: str, since: datetime, now: datetime) -> Figures:
    """The closure rate, the median times to acknowledge and to resolve (the first time), and the reopened
    count, for the cases in the actor's scope, from the events in [since, now]."""
    rows = (await session.exec(select(CaseEvent, Case).join(Case, Case.id == CaseEvent.case_id).where(
        Case.kind == kind, CaseEvent.at >= since, CaseEvent.at <= now,
        CaseEvent.action.in_(("acknowledged", "resolved", "closed", "not_fixed", "rejected"))))).all()
    out = Figures()
    first_resolved: set[int] = set()
    for event, case in sorted(rows, key=lambda r: r[0].id):
        if not may_handle(actor, case):
            continue
        if event.action == "closed":
            out.fixed += 1
        elif event.action == "not_fixed":
            out.reopened += 1
        elif event.action == "rejected":
            out.rejected += 1
        elif event.action == "acknowledged":
            out.ack_minutes.append((event.at - case.created_at).total_seconds() / 60)
        elif event.action == "resolved" and case.id not in first_resolved:
            first_resolved.add(case.id)
            earlier = (await session.exec(select(CaseEvent.id).where(
                CaseEvent.case_id == case.id, CaseEvent.action == "resolved", CaseEvent.id < event.id))).first()
            if earlier is None:
                out.resolve_minutes.append((event.at - case.created_at).total_seconds() / 60)
    return out


async def open_cases(session: AsyncSession, actor: Actor, kind: str) -> list[Case]:
    """Every open case in the actor's scope, oldest first (one query; filter and count from it)."""
    q = select(Case).where(Case.kind == kind, Case.status.in_(OPEN_STATUSES)).order_by(Case.created_at, Case.id)
    return in_scope(actor, list((await session.exec(q)).all()))


def matching(rows: list[Case], *, status: str | None = None, building_id: int | None = None) -> list[Case]:
    return [c for c in rows if (status is None or c.status == status)
            and (building_id is None or c.building_id == building_id)]


def count_by_category(rows: list[Case]) -> dict[str, int]:
    """How many of these cases per category, most first."""
    counts: dict[str, int] = {}
    for c in rows:
        counts[c.category] = counts.get(c.category, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


async def open_in_scope(session: AsyncSession, actor: Actor, kind: str, *, status: str | None = None,
                        building_id: int | None = None, limit: int = 10) -> tuple[list[Case], int]:
    """Open cases in the actor's scope, oldest first (and how many there are in all)."""
    chosen = matching(await open_cases(session, actor, kind), status=status, building_id=building_id)
    return chosen[:limit], len(chosen)


# ---- a person's data -----------------------------------------------------------------------------------------

async def _export(session: AsyncSession, person: Person, data: dict) -> None:
    rows = (await session.exec(select(Case, CaseFollower).join(CaseFollower, CaseFollower.case_id == Case.id)
                               .where(CaseFollower.person_id == person.id).order_by(Case.id))).all()
    data["cases"] = [{"ref": c.ref, "kind": c.kind, "category": c.category, "status": c.status,
                      "reported_at": iso(f.joined_at), "anonymous": f.anonymous} for c, f in rows]


async def _erase(session: AsyncSession, person_ids: list[int], now: datetime) -> None:
    """A deleted reporter's cases stay (a hazard is still a hazard), without them: anonymous and unlinked."""
    await session.exec(update(CaseFollower).where(CaseFollower.person_id.in_(person_ids))
                       .values(person_id=None, anonymous=True))
    await session.exec(update(Case).where(Case.assignee_id.in_(person_ids)).values(assignee_id=None))
    await session.exec(update(CaseEvent).where(CaseEvent.actor_id.in_(person_ids)).values(actor_id=None))
    await session.exec(update(CaseAlert).where(CaseAlert.person_id.in_(person_ids)).values(person_id=None))


PERSONAL_DATA = PersonalData(export=_export, erase=_erase)

"""Home monitoring: who may put whom under it, its reminder slots, and what to do when a slot passes in silence.

Telegram-free. Each slot of each monitored person is one due-work row (`mon_slot`, natural key
`mon:<id>:<slot>:<stage>`) that moves through three stages: reminder at the slot, a second reminder
`remind_again` later, a follow-up call `followup` after that. `slot_step` decides from the clock alone, so
a restart after an outage neither forgets a silent slot (the follow-up still comes) nor sends a burst of
stale reminders (a reminder whose moment has passed is skipped).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.health import rules as health
from bot.kernel.errors import DomainError, PermissionDenied
from bot.kernel.glance import Area, Figure
from bot.kernel.permissions import Actor, Role
from bot.kernel.personal_data import PersonalData, iso
from bot.kernel.text import clean_line
from bot.platform.scheduling.due import schedule
from bot.registration import rules as registration
from models import Building, Community, DueWork, HealthReport, Household, Monitoring, Person, Task, TaskOffer
from models.people import reachable

MONITOR_ROLES = (Role.DOCTOR, Role.STAFF, Role.ADMIN)
MAX_DAYS = 60
REASON_MAX = 300
@dataclass(frozen=True)
class Plan:
    times: tuple[str, ...] = ("08:00", "20:00")
    timezone: str = "Asia/Shanghai"
    early_minutes: int = 120
    remind_again_minutes: int = 120
    followup_minutes: int = 60


def plan_from(settings: object, community: Community | None) -> Plan:
    return Plan(times=tuple(settings.health_monitor_times),
                timezone=(community.timezone if community and community.timezone else settings.timezone),
                early_minutes=settings.health_slot_early_minutes,
                remind_again_minutes=settings.health_remind_again_minutes,
                followup_minutes=settings.health_followup_minutes)


def _at(day: date, hhmm: str, tz: ZoneInfo) -> datetime:
    h, m = (int(x) for x in hhmm.split(":"))
    return datetime.combine(day, time(h, m), tzinfo=tz).astimezone(UTC)


def slots_between(start: datetime, end: datetime, times: tuple[str, ...] | list[str], timezone: str) -> list[datetime]:
    """Reminder moments (UTC) strictly after `start` and before `end`, at local `times` in `timezone`."""
    tz = ZoneInfo(timezone)
    day = start.astimezone(tz).date()
    last = end.astimezone(tz).date()
    out: list[datetime] = []
    while day <= last:
        out += [t for t in (_at(day, hhmm, tz) for hhmm in sorted(times)) if start < t < end]
        day += timedelta(days=1)
    return out


def slot_step(stage: int, slot_at: datetime, now: datetime, m: Monitoring | Plan) -> tuple[str, int | None, datetime]:
    """What a slot row does now: (action, next stage or None, when the next stage is due).

    Actions: remind, remind_again, followup, skip (its moment passed: a late reminder helps nobody)."""
    again = slot_at + timedelta(minutes=m.remind_again_minutes)
    follow = again + timedelta(minutes=m.followup_minutes)
    if stage == 0:
        return ("remind" if now < again else "skip"), 1, again
    if stage == 1:
        return ("remind_again" if now < follow else "skip"), 2, follow
    return "followup", None, follow


def slot_key(m: Monitoring, slot_at: datetime, stage: int) -> str:
    return f"mon:{m.id}:{slot_at:%Y%m%dT%H%M}:{stage}"


def schedule_slot_stage(session: AsyncSession, m: Monitoring, slot_at: datetime, stage: int, due_at: datetime,
                        now: datetime) -> None:
    schedule(session, "mon_slot", due_at, ref=f"{m.id}:{slot_at.isoformat()}:{stage}",
             key=slot_key(m, slot_at, stage), now=now)


def parse_slot_ref(ref: str) -> tuple[int, datetime, int]:
    mid, rest = ref.split(":", 1)
    at, stage = rest.rsplit(":", 1)
    return int(mid), datetime.fromisoformat(at), int(stage)


def validate_days(value: int | str | None) -> int:
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        raise DomainError("days_not_number") from None
    if not 1 <= n <= MAX_DAYS:
        raise DomainError("days_range", max=MAX_DAYS)
    return n


def validate_reason(text: str | None) -> str:
    return clean_line(text, max_len=REASON_MAX, code="reason")


async def _place(session: AsyncSession, household_id: int) -> tuple[Household, Building]:
    household = await session.get(Household, household_id)
    if household is None:
        raise DomainError("not_found")
    return household, await session.get(Building, household.building_id)


async def may_monitor(session: AsyncSession, actor: Actor, household_id: int) -> tuple[Household, Building]:
    """Doctors, staff and admins whose scope covers the household."""
    household, building = await _place(session, household_id)
    if not actor.covering(MONITOR_ROLES, building.community_id, building.grid_id):
        raise PermissionDenied()
    return household, building


async def active_for(session: AsyncSession, person_id: int) -> Monitoring | None:
    return (await session.exec(select(Monitoring).where(Monitoring.person_id == person_id,
                                                        Monitoring.status == "active"))).first()


async def checkin_due(session: AsyncSession, person: Person | None, now: datetime, default_tz: str) -> bool:
    """Whether the main menu offers the one-tap "✅ I'm well today": a registered resident, while their
    community's daily check-in is on or they are under home monitoring, who has not been reported on today."""
    if person is None or person.household_id is None:
        return False
    tz, daily = await health.community_timezone(session, person.household_id, default_tz)
    if not daily and await active_for(session, person.id) is None:
        return False
    return not await health.reported_today(session, person.id, now, tz)


async def start(session: AsyncSession, actor: Actor, subjects: list[Person], *, days: int, reason: str,
                plan: Plan, now: datetime) -> list[Monitoring]:
    """Put people (one, or a household's members) under monitoring from now for `days` days. People already
    under monitoring are left as they are. Adds the rows and their due work to the caller's transaction."""
    days, reason = validate_days(days), validate_reason(reason)
    started: list[Monitoring] = []
    for subject in subjects:
        if subject.household_id is None or subject.deleted_at is not None:
            raise DomainError("not_found")
        household, building = await may_monitor(session, actor, subject.household_id)
        if await active_for(session, subject.id) is not None:
            continue
        m = Monitoring(person_id=subject.id, household_id=household.id, community_id=building.community_id,
                       grid_id=building.grid_id, reason=reason, days=days, starts_at=now,
                       ends_at=now + timedelta(days=days), slot_times=list(plan.times), timezone=plan.timezone,
                       early_minutes=plan.early_minutes, remind_again_minutes=plan.remind_again_minutes,
                       followup_minutes=plan.followup_minutes, created_by_id=actor.person_id, created_at=now)
        session.add(m)
        await session.flush()
        for slot_at in slots_between(m.starts_at, m.ends_at, m.slot_times, m.timezone):
            schedule_slot_stage(session, m, slot_at, 0, slot_at, now)
        schedule(session, "mon_end", m.ends_at, ref=str(m.id), key=f"mon:{m.id}:end", now=now)
        started.append(m)
    if not started:
        raise DomainError("already_monitored")
    return started


async def cancel_due_work(session: AsyncSession, m: Monitoring, now: datetime) -> None:
    """No more reminders, calls or end message for this monitoring."""
    await session.exec(update(DueWork).where(DueWork.status == "pending", DueWork.key.like(f"mon:{m.id}:%"))
                       .values(status="cancelled", done_at=now))


async def stoppable(session: AsyncSession, actor: Actor, monitoring_id: int) -> Monitoring:
    """Active monitoring that this doctor or staff member (of its scope) may end."""
    m = await session.get(Monitoring, monitoring_id)
    if m is None:
        raise DomainError("not_found")
    if not actor.covering(MONITOR_ROLES, m.community_id, m.grid_id):
        raise PermissionDenied()
    if m.status != "active":
        raise DomainError("already_done")
    return m


async def stop(session: AsyncSession, actor: Actor, monitoring_id: int, now: datetime) -> Monitoring:
    """End monitoring early (staff/doctor of the scope): no more reminders."""
    m = await stoppable(session, actor, monitoring_id)
    m.status, m.stopped_at, m.stopped_by_id = "stopped", now, actor.person_id
    await cancel_due_work(session, m, now)
    return m


async def finish(session: AsyncSession, m: Monitoring, now: datetime) -> bool:
    """The period is over. Returns False if it had already ended (stopped early)."""
    if m.status != "active":
        return False
    m.status = "ended"
    await cancel_due_work(session, m, now)
    return True


async def reported_for_slot(session: AsyncSession, m: Monitoring, slot_at: datetime, now: datetime) -> bool:
    """A report counts for the slot it falls in: from `early_minutes` before the slot on."""
    since = slot_at - timedelta(minutes=m.early_minutes)
    return (await session.exec(select(HealthReport.id).where(
        HealthReport.person_id == m.person_id, HealthReport.created_at >= since,
        HealthReport.created_at <= now))).first() is not None


async def contacts(session: AsyncSession, person: Person) -> list[Person]:
    """Whom to tell about a person: themselves if they use Telegram (and have not blocked the bot), else the
    household members who do (the relative who reports for an elderly parent without a phone)."""
    if person.tg_user_id is not None and person.deleted_at is None and person.unreachable_since is None:
        return [person]
    if person.household_id is None:
        return []
    return await registration.reachable_members(session, person.household_id)


_OPEN_CHECKIN = select(Task).where(Task.kind == "checkin", Task.subject_person_id == bindparam("person"),
                                   Task.status.in_(("open", "claimed")))


async def open_checkin(session: AsyncSession, person_id: int) -> Task | None:
    return (await session.exec(_OPEN_CHECKIN, params={"person": person_id})).first()


async def checkin_task(session: AsyncSession, m: Monitoring, slot_at: datetime, priority: int,
                       now: datetime) -> Task | None:
    """The follow-up call for a silent slot; None if one is already open for this person (one call
    covers every slot they missed, nobody is sent twice)."""
    if await open_checkin(session, m.person_id) is not None:
        return None
    task = Task(kind="checkin", community_id=m.community_id, grid_id=m.grid_id, household_id=m.household_id,
                subject_person_id=m.person_id, skill="phone", urgency="today", priority=priority,
                silent_since=slot_at, created_at=now)
    session.add(task)
    await session.flush()
    return task


async def close_on_report(session: AsyncSession, person_id: int, now: datetime) -> list[tuple[Task, list[TaskOffer]]]:
    """The person reported after all: their open check-in call is no longer needed. Returns each closed
    task with the offers still showing a button (to be edited), the claimer's included."""
    closed = []
    task = await open_checkin(session, person_id)
    if task is not None:
        task.status, task.confirmed_at, task.outcome = "confirmed", now, "reported"
        offers = list((await session.exec(select(TaskOffer).where(TaskOffer.task_id == task.id,
                                                                  TaskOffer.status.in_(("offered", "claimed"))))).all())
        closed.append((task, offers))
    return closed


async def in_scope(session: AsyncSession, actor: Actor) -> list[Monitoring]:
    rows = (await session.exec(select(Monitoring).where(Monitoring.status == "active")
                               .order_by(Monitoring.ends_at))).all()
    return [m for m in rows if actor.superadmin or actor.covering(MONITOR_ROLES, m.community_id, m.grid_id)]


async def missed_slots(session: AsyncSession, monitorings: list[Monitoring], since: datetime,
                       now: datetime) -> list[tuple[Monitoring, datetime]]:
    """Slots since `since` whose second reminder has come due without a report (as `reported_for_slot` counts
    them: one from `early_minutes` before the slot on), with one query for all: each person's latest report."""
    if not monitorings:
        return []
    latest = dict((await session.exec(select(HealthReport.person_id, func.max(HealthReport.created_at)).where(
        HealthReport.person_id.in_({m.person_id for m in monitorings}), HealthReport.created_at <= now)
        .group_by(HealthReport.person_id))).all())
    out = []
    for m in monitorings:
        last = latest.get(m.person_id)
        for slot_at in slots_between(max(since, m.starts_at), min(now, m.ends_at), m.slot_times, m.timezone):
            if slot_at + timedelta(minutes=m.remind_again_minutes) <= now and \
                    (last is None or last < slot_at - timedelta(minutes=m.early_minutes)):
                out.append((m, slot_at))
    return out


async def set_daily_checkin(session: AsyncSession, actor: Actor, community_id: int, on: bool) -> Community:
    """Switch the daily check-in reminder for every resident of a community (community-wide staff/admin)."""
    community = await session.get(Community, community_id)
    if community is None:
        raise DomainError("not_found")
    if not actor.covering((Role.STAFF, Role.ADMIN), community_id, None):
        raise PermissionDenied()
    community.daily_checkin = on
    return community


def next_daily(after: datetime, hhmm: str, timezone: str) -> datetime:
    """The next local `hhmm` strictly after `after`."""
    tz = ZoneInfo(timezone)
    day = after.astimezone(tz).date()
    at = _at(day, hhmm, tz)
    return at if at > after else _at(day + timedelta(days=1), hhmm, tz)


async def checkin_recipients(session: AsyncSession, community_id: int, since: datetime) -> list[Person]:
    """Registered residents of the community who use Telegram, have not reported since `since` and are not
    under home monitoring (they have their own reminders)."""
    monitored = select(Monitoring.person_id).where(Monitoring.status == "active")
    reported = select(HealthReport.person_id).where(HealthReport.created_at >= since)
    rows = (await session.exec(select(Person).join(Household, Household.id == Person.household_id)
                               .join(Building, Building.id == Household.building_id)
                               .where(Building.community_id == community_id, reachable(),
                                      Person.id.not_in(monitored), Person.id.not_in(reported))
                               .order_by(Person.id))).all()
    return list(rows)


# ---- a person's data (/mydata, /deleteme) ----------------------------------------------------------------
async def _export(session: AsyncSession, person: Person, data: dict) -> None:
    watched = (await session.exec(select(Monitoring).where(Monitoring.person_id == person.id)
                                  .order_by(Monitoring.starts_at))).all()
    data["home_monitoring"] = [{"from": iso(m.starts_at), "until": iso(m.ends_at), "reason": m.reason,
                                "status": m.status} for m in watched]


async def _erase(session: AsyncSession, person_ids: list[int], now: datetime) -> None:
    """Home monitoring is deleted with its reminders and calls still to come."""
    for m in (await session.exec(select(Monitoring).where(Monitoring.person_id.in_(person_ids)))).all():
        await cancel_due_work(session, m, now)
        await session.delete(m)


async def _move_household(session: AsyncSession, old: int, new: int) -> None:
    await session.exec(update(Monitoring).where(Monitoring.household_id == old).values(household_id=new))


PERSONAL_DATA = PersonalData(export=_export, erase=_erase, move_household=_move_household)


@dataclass
class Overview:
    reports: int
    abnormal: int
    red_flags: int
    follow_ups: list  # (report, subject person, task or None), red flags first
    under_monitoring: int = 0
    missed: list = field(default_factory=list)  # (monitoring, subject person, slot time) with no report
    checkins: list = field(default_factory=list)  # (check-in call task, subject person) still open


async def overview(session, actor, since, now) -> Overview:
    """The staff view of health (`/health`): today's reports in the actor's scope (doctors, staff, admins
    only), and home monitoring: how many, which of today's slots passed in silence, which check-in calls are
    still open."""
    from sqlmodel import select

    from bot.kernel.permissions import Role
    from models import Person, Task

    roles = [Role.DOCTOR, Role.STAFF, Role.ADMIN]
    if not (actor.superadmin or actor.has_role(*roles)):
        raise PermissionDenied()
    rows = (await session.exec(select(HealthReport).where(HealthReport.created_at >= since)
                               .order_by(HealthReport.created_at))).all()
    mine = [r for r in rows if actor.covering(roles, r.community_id, r.grid_id)]
    flagged = sorted((r for r in mine if r.abnormal), key=lambda r: (not r.red_flag, r.created_at))
    follow = []
    for r in flagged:
        person = await session.get(Person, r.person_id)
        task = (await session.exec(select(Task).where(Task.kind == "followup", Task.subject_person_id == r.person_id,
                                                      Task.created_at >= r.created_at)
                                   .order_by(Task.created_at))).first()
        follow.append((r, person, task))
    watched = await in_scope(session, actor)
    missed = [(m, await session.get(Person, m.person_id), at)
              for m, at in await missed_slots(session, watched, since, now)]
    calls = (await session.exec(select(Task).where(Task.kind == "checkin", Task.status.in_(("open", "claimed")))
                                .order_by(Task.created_at))).all()
    checkins = [(t, await session.get(Person, t.subject_person_id)) for t in calls
                if actor.covering(roles, t.community_id, t.grid_id)]
    return Overview(reports=len(mine), abnormal=len(flagged), red_flags=sum(1 for r in mine if r.red_flag),
                    follow_ups=follow, under_monitoring=len(watched), missed=missed, checkins=checkins)


# ---- the area at a glance (/stats, the evening summary) -----------------------------------------------------

async def watched_in(session: AsyncSession, area: Area) -> list[Monitoring]:
    return list((await session.exec(select(Monitoring).where(
        *area.where(community=Monitoring.community_id, grid=Monitoring.grid_id, household=Monitoring.household_id),
        Monitoring.status == "active").order_by(Monitoring.ends_at))).all())


def _open_checkins(area: Area):
    return select(Task).where(*area.where(community=Task.community_id, grid=Task.grid_id,
                                          household=Task.household_id),
                              Task.kind == "checkin", Task.status.in_(("open", "claimed")))


async def glance(session: AsyncSession, area: Area, now: datetime) -> list[Figure]:
    """Residents under home monitoring in the area, today's report times that passed in silence (after the
    second reminder), and the check-in calls still open."""
    watched = await watched_in(session, area)
    missed = await missed_slots(session, watched, area.day_start(now), now)
    calls = (await session.exec(select(func.count()).select_from(_open_checkins(area).subquery()))).one()
    return [Figure("watched", len(watched)), Figure("missed", len(missed), opens="missed"),
            Figure("calls", calls, opens="calls")]


async def _people(session: AsyncSession, ids: set[int | None]) -> dict[int, Person]:
    ids.discard(None)
    return {p.id: p for p in (await session.exec(select(Person).where(Person.id.in_(ids)))).all()} if ids else {}


async def missed_today(session: AsyncSession, area: Area, now: datetime) -> list[tuple[Monitoring, Person, datetime]]:
    missed = await missed_slots(session, await watched_in(session, area), area.day_start(now), now)
    people = await _people(session, {m.person_id for m, _at in missed})
    return [(m, people.get(m.person_id), at) for m, at in missed]


async def open_calls(session: AsyncSession, area: Area) -> list[tuple[Task, Person | None]]:
    calls = (await session.exec(_open_checkins(area).order_by(Task.created_at))).all()
    people = await _people(session, {t.subject_person_id for t in calls})
    return [(t, people.get(t.subject_person_id)) for t in calls]

"""What happens after each event in a case's life, now and later.

One function per event (reported, acknowledged, work started, resolved, rejected, a follower's answer): it
decides through the rules, stores, tells whom it concerns through the outbox, books the time limits and audits,
in the caller's transaction (the caller commits). The `@due_handler`s decide from the row when they come due,
so a restart neither forgets a limit nor fires it twice, and do nothing if the case moved on.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.access.rules import people_with_telegram_ids
from bot.cases import kinds
from bot.cases import messages as case_messages
from bot.cases import rules as cases
from bot.config import Settings
from bot.kernel.audit import audit
from bot.kernel.permissions import Actor
from bot.platform.scheduling.due import schedule
from bot.platform.scheduling.registry import due_handler
from bot.tasks import workflow as tasks_workflow
from models import DueWork, Person, Task
from models.cases import Case, CaseEvent


async def reported(session: AsyncSession, person: Person, report: cases.Report, settings: Settings,
                   now: datetime) -> cases.Reported:
    """A new case: the grid's staff are told (with photos; a community nobody holds a role in yet: the bot's own
    administrators), and its limits are booked. The same thing already
    reported: the reporter follows that case, and whoever handles it hears that one more neighbour reported it."""
    r = await cases.report(session, person, report, join_window=timedelta(hours=settings.case_join_window_hours),
                           now=now)
    if r.joined:
        await case_messages.tell_assignee(session, r.case, "joined", now, followers=r.followers, note=report.note,
                                          photos=report.photos)
        return r
    hidden = set(r.case.hidden_from or ())
    staff = await cases.routed(session, r.case, "new") or [
        p for p in await people_with_telegram_ids(session, settings.admin_ids) if p.id not in hidden]
    await case_messages.alert_staff(session, r.case, staff, now)
    ack = settings.case_ack_urgent_minutes if r.case.urgent else settings.case_ack_minutes
    schedule(session, "case_ack", now + timedelta(minutes=ack), ref=str(r.case.id), key=f"case:{r.case.id}:ack",
             now=now)
    schedule(session, "case_resolve", now + kinds.kind(r.case.kind).resolve_within(settings, r.case.category),
             ref=str(r.case.id), key=f"case:{r.case.id}:resolve", now=now)
    return r


async def acknowledged(session: AsyncSession, actor: Actor, by: Person, case_id: int, now: datetime) -> Case:
    """First press wins; the others' alerts say who has it; the followers hear that staff took it."""
    case = await cases.acknowledge(session, actor, case_id, now)
    await case_messages.taken_by(session, case, by, now)
    await case_messages.tell_followers(session, case, "acknowledged", now)
    audit(session, actor_id=actor.person_id, action="case_acknowledged", at=now, case=case.id)
    return case


async def work_started(session: AsyncSession, actor: Actor, case_id: int, now: datetime) -> Case:
    case = await cases.start_work(session, actor, case_id, now)
    await case_messages.tell_followers(session, case, "in_progress", now)
    audit(session, actor_id=actor.person_id, action="case_in_progress", at=now, case=case.id)
    return case


async def resolved(session: AsyncSession, actor: Actor, case_id: int, note: str | None, photo: str | None,
                   settings: Settings, now: datetime) -> Case:
    """Followers see what was done and are asked "Is it fixed?"; silence until the limit counts as fixed."""
    case = await cases.resolve(session, actor, case_id, note, photo, now)
    await _end_field_work(session, case, actor, now)
    await _ask_followers(session, case, settings, now)
    audit(session, actor_id=actor.person_id, action="case_resolved", at=now, case=case.id)
    return case


async def _end_field_work(session: AsyncSession, case: Case, actor: Actor, now: datetime) -> None:
    """Staff closed it themselves: a volunteer's field work on it is no longer needed."""
    if case.task_id is not None:
        await tasks_workflow.no_longer_needed(session, case.task_id, actor, f"{case.ref}: {case.status}", now)


async def _ask_followers(session: AsyncSession, case: Case, settings: Settings, now: datetime) -> None:
    """"Is it fixed?" to every follower; silence until the limit counts as fixed."""
    await case_messages.tell_followers(session, case, "resolved", now)
    schedule(session, "case_confirm", now + timedelta(hours=settings.case_confirm_hours),
             ref=f"{case.id}:{case.reopened}", key=f"case:{case.id}:confirm:{case.reopened}", now=now)


async def rejected(session: AsyncSession, actor: Actor, case_id: int, reason: str | None,
                   now: datetime) -> Case:
    case = await cases.reject(session, actor, case_id, reason, now)
    await _end_field_work(session, case, actor, now)
    await case_messages.tell_followers(session, case, "rejected", now)
    audit(session, actor_id=actor.person_id, action="case_rejected", at=now, case=case.id)
    return case


async def volunteer_asked(session: AsyncSession, actor: Actor, case_id: int, settings: Settings,
                          now: datetime) -> tuple[Case, int]:
    """Field work offered to the grid's volunteers (and escalated like any task); returns how many were asked."""
    case, task = await cases.ask_volunteer(session, actor, case_id, now)
    n = await tasks_workflow.offered(session, task, settings, now)
    audit(session, actor_id=actor.person_id, action="case_volunteer", at=now, case=case.id, task=task.id)
    return case, n


async def resolved_by_volunteer(session: AsyncSession, task: Task, by: Person, note: str, settings: Settings,
                                now: datetime) -> None:
    """The task engine's hook for "casework": the volunteer's "Resolved" resolves the case."""
    case = await cases.resolve_by_task(session, task, by, note, now)
    if case is None:
        return
    await _ask_followers(session, case, settings, now)
    await case_messages.resolved_by_volunteer(session, case, by, now)


async def passed(session: AsyncSession, actor: Actor, by: Person, case_id: int, person_id: int,
                 now: datetime) -> tuple[Case, Person]:
    case, colleague = await cases.pass_to(session, actor, case_id, person_id, now)
    await case_messages.passed_to(session, case, colleague, by, now)
    audit(session, actor_id=actor.person_id, action="case_passed", at=now, case=case.id, to=colleague.id)
    return case, colleague


async def answered(session: AsyncSession, person: Person | None, case_id: int, fixed: bool, comment: str | None,
                   now: datetime) -> cases.Answer:
    """"Not fixed": reopened, the one handling it and the other followers told. Everyone "fixed": closed."""
    answer = await cases.answer_fixed(session, person, case_id, fixed, comment, now)
    if answer.reopened:
        await case_messages.tell_assignee(session, answer.case, "reopened", now, note=comment)
        await case_messages.tell_followers(session, answer.case, "reopened", now, but=person.id if person else None)
    elif answer.closed:
        await case_messages.tell_followers(session, answer.case, "closed", now)
    return answer


# ---- later: the due work -------------------------------------------------------------------------------------

@due_handler("case_ack")
async def case_ack(session: AsyncSession, work: DueWork, now: datetime) -> None:
    """Nobody took it in time: the community's admins are alerted (urgently), once."""
    case = await session.get(Case, int(work.ref))
    if case is None or case.status != "new" or case.escalated_at is not None:
        return
    case.escalated_at = now
    session.add(CaseEvent(case_id=case.id, action="escalated", at=now))
    await case_messages.escalate(session, case, await cases.routed(session, case, "escalate"), now)


@due_handler("case_resolve")
async def case_resolve(session: AsyncSession, work: DueWork, now: datetime) -> None:
    """Still not resolved when its category's limit is up: a reminder to whoever handles it, a flag to the grid's
    workers (once)."""
    case = await session.get(Case, int(work.ref))
    if case is None or case.status not in ("new", "acknowledged", "in_progress") or case.overdue_at is not None:
        return
    case.overdue_at = now
    session.add(CaseEvent(case_id=case.id, action="overdue", at=now))
    await case_messages.overdue(session, case, await cases.routed(session, case, "overdue"), now)


@due_handler("case_confirm")
async def case_confirm(session: AsyncSession, work: DueWork, now: datetime) -> None:
    """No answer to "Is it fixed?" in time counts as fixed (unless it was reopened meanwhile)."""
    case_id, reopened = (int(x) for x in work.ref.split(":"))
    case = await cases.close_unanswered(session, case_id, reopened, now)
    if case is not None:
        await case_messages.tell_followers(session, case, "closed", now)

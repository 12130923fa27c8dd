"""What happens after each event in a task's life, now and later: nothing waits unseen.

One function per event (claimed, moved on, given back, resolved, closed with an outcome, cancelled, returned
to the pool): it decides through the rules, stores, tells whom it concerns through the outbox, books the
follow-ups and audits, all in the caller's transaction (the caller commits). `after_*` book the follow-ups;
the `@due_handler`s act when they come due and do nothing if the task moved on. What a capability adds for
its own kinds (stock taken on delivery, who is told when a call goes wrong) comes through `bot.tasks.kinds`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.kernel.audit import audit, audit_reads
from bot.kernel.permissions import Actor
from bot.platform.delivery.outbox import Recipient, enqueue
from bot.platform.i18n import duration, translate
from bot.platform.scheduling.due import schedule
from bot.platform.scheduling.registry import due_handler
from bot.tasks import kinds
from bot.tasks import messages as tasks_messages
from bot.tasks import rules as dispatch
from models import DueWork, Person, Task, TaskOffer
from models.delivery import HIGH, URGENT
from models.tasks import task_kind

# ---- now: one function per event ----------------------------------------------------------------------------

async def offered(session: AsyncSession, task: Task, settings: Settings, now: datetime, *,
                  exclude: set[int] | None = None, community_wide: bool = False) -> int:
    """A new or returned task: offered to the volunteers who fit, escalated if nobody takes it in time.
    Returns how many it was offered to."""
    volunteers = await dispatch.eligible_volunteers(session, task, exclude=exclude, community_wide=community_wide,
                                                    now=now)
    await tasks_messages.offer_task(session, task, volunteers, now)
    after_submit(session, task, settings, now)
    return len(volunteers)


async def claimed(session: AsyncSession, task_id: int, person: Person, actor: Actor, settings: Settings,
                  now: datetime) -> tuple[Task, dispatch.ResidentDetails]:
    """First press wins: the others' offers are withdrawn, the resident is told who comes, reminders are booked,
    and the claimer (only) gets the name, address and phone (a read of personal data, audited)."""
    result = await dispatch.claim(session, task_id, person, now)
    await tasks_messages.withdraw_offers(session, result.task, result.other_offers, now)
    await tasks_messages.tell_requester(session, result.task, "claimed", now)
    if task_kind(result.task.kind).reminders_after_claim:
        after_claim(session, result.task, settings, now)
    details = await dispatch.resident_details(session, task_id, person, actor, person.locale)
    audit_reads(session, actor_id=person.id, action="read_task_details", at=now,
                subject_ids=[result.task.subject_person_id])
    return result.task, details


async def picked_up(session: AsyncSession, task_id: int, person: Person, now: datetime) -> Task:
    task = await dispatch.picked_up(session, task_id, person, now)
    await tasks_messages.tell_requester(session, task, "picked_up", now)
    return task


async def delivered(session: AsyncSession, task_id: int, person: Person, settings: Settings,
                    now: datetime) -> Task:
    """The resident is asked to confirm (confirmed for them after a while); the kind adds its own (stock)."""
    task = await dispatch.delivered(session, task_id, person, now)
    await tasks_messages.tell_requester(session, task, "delivered", now)
    after_delivery(session, task, settings, now)
    hook = kinds.hooks(task.kind).delivered
    if hook is not None:
        await hook(session, task, now)
    return task


async def given_back(session: AsyncSession, task_id: int, person: Person, reason: str, settings: Settings,
                     now: datetime) -> Task:
    """Back in the pool and offered again, not to the one who gave it back; escalation booked afresh."""
    task = await dispatch.release(session, task_id, person, reason, now)
    await offered(session, task, settings, now, exclude={person.id})
    return task


async def _withdraw_others(session: AsyncSession, task: Task, person: Person, now: datetime) -> None:
    others = [o for o in await dispatch.open_offers(session, task.id) if o.volunteer_id != person.id]
    await tasks_messages.withdraw_offers(session, task, others, now)


async def resolved(session: AsyncSession, task_id: int, person: Person, actor: Actor, note: str | None,
                   settings: Settings, now: datetime) -> Task:
    """Resolved with a note for the record; the kind adds its own (a case's followers are asked)."""
    note = dispatch.validate_reason(note)
    task = await dispatch.resolve(session, task_id, person, actor, note, now)
    await _withdraw_others(session, task, person, now)
    hook = kinds.hooks(task.kind).resolved
    if hook is not None:
        await hook(session, task, person, note, settings, now)
    return task


async def closed_with_outcome(session: AsyncSession, task_id: int, person: Person, actor: Actor, outcome: str,
                              now: datetime) -> tuple[Task, int]:
    """A call or visit closed with how it went; returns the task and how many staff and doctors were told."""
    task = await dispatch.close_with_outcome(session, task_id, person, actor, outcome, now)
    await _withdraw_others(session, task, person, now)
    hook = kinds.hooks(task.kind).outcome
    return task, (await hook(session, task, person, now) if hook is not None else 0)


async def cancelled_by_resident(session: AsyncSession, task_id: int, person: Person | None,
                                now: datetime) -> Task:
    task = await session.get(Task, task_id)
    volunteer_id = task.claimed_by_id if task else None
    task = await dispatch.cancel(session, task_id, by_resident=person, now=now)
    await tasks_messages.tell_volunteer(session, volunteer_id, task, "cancelled_by_resident", now)
    await tasks_messages.withdraw_offers(session, task, await dispatch.withdraw_open_offers(session, task.id), now,
                                         cancelled=True)
    return task


async def cancelled_by_staff(session: AsyncSession, task_id: int, actor: Actor, reason: str | None,
                             now: datetime) -> Task:
    """The resident is told why, the volunteer that they need not go; audited."""
    task = await session.get(Task, task_id)
    volunteer_id = task.claimed_by_id if task else None
    task = await dispatch.cancel(session, task_id, by_staff=actor, reason=reason, now=now)
    await tasks_messages.tell_requester(session, task, "cancelled", now)
    await tasks_messages.tell_volunteer(session, volunteer_id, task, "cancelled_by_staff", now)
    await tasks_messages.withdraw_offers(session, task, await dispatch.withdraw_open_offers(session, task.id), now,
                                         cancelled=True)
    audit(session, actor_id=actor.person_id, action="task_cancel", at=now, task_id=task.id)
    return task


async def no_longer_needed(session: AsyncSession, task_id: int, actor: Actor, reason: str,
                           now: datetime) -> Task | None:
    """What the task was for has been handled otherwise (a case staff resolved themselves): the task is
    cancelled, open offers withdrawn and whoever held it thanked. Nothing if it is finished already."""
    task = await session.get(Task, task_id)
    if task is None or task.status not in ("open", *dispatch.ACTIVE):
        return None
    volunteer_id = task.claimed_by_id
    task = await dispatch.cancel(session, task_id, by_staff=actor, reason=reason, now=now)
    await tasks_messages.tell_volunteer(session, volunteer_id, task, "not_needed", now)
    await tasks_messages.withdraw_offers(session, task, await dispatch.withdraw_open_offers(session, task.id), now,
                                         cancelled=True)
    return task


async def returned_to_pool(session: AsyncSession, task_id: int, actor: Actor, reason: str, settings: Settings,
                           now: datetime) -> tuple[Task, int]:
    """Staff take a task from its volunteer and offer it to everyone else in the community; audited.
    Returns the task and how many volunteers it was offered to."""
    task, previous = await dispatch.staff_return_to_pool(session, task_id, actor, reason, now)
    await tasks_messages.tell_volunteer(session, previous, task, "reassigned", now)
    n = await offered(session, task, settings, now, exclude={previous} if previous else None, community_wide=True)
    audit(session, actor_id=actor.person_id, action="task_reassign", at=now, task_id=task.id)
    return task, n


# ---- later: the due work ---------------------------------------------------------------------------------------

@due_handler("task_unclaimed")
async def task_unclaimed(session: AsyncSession, work: DueWork, now: datetime) -> None:
    """Still unclaimed: offer it to the whole community and tell the grid's staff. Idempotent: a task
    that was claimed or cancelled meanwhile needs nothing, and nobody is offered it twice."""
    task = await session.get(Task, int(work.ref))
    if task is None or task.status != "open":
        return
    task.escalated_at = now
    offered = {o.volunteer_id for o in (await session.exec(select(TaskOffer).where(
        TaskOffer.task_id == task.id))).all()}
    wider = await dispatch.eligible_volunteers(session, task, exclude=offered, community_wide=True, now=now)
    await tasks_messages.offer_task(session, task, wider, now)
    for staff in await dispatch.staff_for(session, task):
        text = translate(staff.locale, "⏰ {ref} has not been taken by any volunteer for {duration}.",
                         ref=task.ref, duration=duration(staff.locale, now - task.created_at))
        text += "\n" + await tasks_messages.describe_request(session, task, staff.locale)
        enqueue(session, [Recipient(chat_id=staff.tg_user_id, person_id=staff.id)], text, now=now,
                cause=f"task:{task.id}", priority=URGENT if task.urgency == "urgent" else HIGH)


def after_submit(session: AsyncSession, task: Task, settings: Settings, now: datetime) -> None:
    minutes = settings.task_escalate_urgent_minutes if task.urgency == "urgent" else settings.task_escalate_minutes
    schedule_unclaimed(session, task, minutes, now)


async def offer_to_grid(session: AsyncSession, task: Task, escalate_after_minutes: int, now: datetime) -> None:
    """A call or a door-knock: offered to the grid's on-duty volunteers and to its staff at once, and to the
    whole community if nobody takes it in time."""
    people = {p.id: p for p in [*await dispatch.building_leaders(session, task),  # the building's leader first
                                *await dispatch.eligible_volunteers(session, task, now=now),
                                *await dispatch.staff_for(session, task)]}
    await tasks_messages.offer_task(session, task, list(people.values()), now)
    schedule_unclaimed(session, task, escalate_after_minutes, now)


def schedule_unclaimed(session: AsyncSession, task: Task, minutes: int, now: datetime) -> None:
    schedule(session, "task_unclaimed", now + timedelta(minutes=minutes), ref=str(task.id),
             key=f"task:{task.id}:unclaimed:{task.releases}", now=now)


def after_claim(session: AsyncSession, task: Task, settings: Settings, now: datetime) -> None:
    ref = f"{task.id}:{task.claimed_by_id}:{settings.task_staff_alert_minutes}"
    schedule(session, "task_not_picked_up", now + timedelta(minutes=settings.task_pickup_reminder_minutes),
             ref=ref, key=f"task:{task.id}:pickup:{task.releases}", now=now)


def after_delivery(session: AsyncSession, task: Task, settings: Settings, now: datetime) -> None:
    schedule(session, "task_autoconfirm", now + timedelta(hours=settings.task_autoconfirm_hours), ref=str(task.id),
             key=f"task:{task.id}:autoconfirm", now=now)


@due_handler("task_not_picked_up")
async def task_not_picked_up(session: AsyncSession, work: DueWork, now: datetime) -> None:
    """Claimed but not picked up: remind the volunteer, and alert staff a little later if still stuck."""
    task_id, volunteer_id, staff_after = (int(x) for x in work.ref.split(":"))
    task = await session.get(Task, task_id)
    if task is None or task.status != "claimed" or task.claimed_by_id != volunteer_id:
        return
    from models import Person

    volunteer = await session.get(Person, volunteer_id)
    if volunteer is not None and volunteer.tg_user_id is not None:
        text = translate(volunteer.locale, "⏰ Reminder: {ref} is waiting to be picked up. If you cannot do it, "
                                           "please give it back so someone else can.", ref=task.ref)
        enqueue(session, [Recipient(chat_id=volunteer.tg_user_id, person_id=volunteer.id)], text, now=now,
                cause=f"task:{task.id}", priority=HIGH)
    schedule(session, "task_stuck", now + timedelta(minutes=staff_after), ref=f"{task_id}:{volunteer_id}",
             key=f"task:{task.id}:stuck:{task.releases}", now=now)


@due_handler("task_stuck")
async def task_stuck(session: AsyncSession, work: DueWork, now: datetime) -> None:
    task_id, volunteer_id = (int(x) for x in work.ref.split(":"))
    task = await session.get(Task, task_id)
    if task is None or task.status != "claimed" or task.claimed_by_id != volunteer_id:
        return
    task.escalated_at = now
    claimed_for = now - (task.claimed_at or now)
    for staff in await dispatch.staff_for(session, task):
        text = translate(staff.locale, "⚠️ {ref} was claimed {duration} ago but has not been picked up.",
                         ref=task.ref, duration=duration(staff.locale, claimed_for))
        text += "\n" + await tasks_messages.describe_request(session, task, staff.locale)
        enqueue(session, [Recipient(chat_id=staff.tg_user_id, person_id=staff.id)], text, now=now,
                cause=f"task:{task.id}", priority=URGENT if task.urgency == "urgent" else HIGH)


@due_handler("task_autoconfirm")
async def task_autoconfirm(session: AsyncSession, work: DueWork, now: datetime) -> None:
    task = await session.get(Task, int(work.ref))
    if task is None or task.status != "delivered":
        return
    await dispatch.confirm_receipt(session, task.id, None, now, automatic=True)

"""Volunteer tasks over time: nothing waits unseen.

`after_*` functions schedule the follow-ups (rows, in the caller's transaction) when a task is created,
claimed or delivered; the `@due_handler`s act when they come due and do nothing if the task moved on.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.platform.delivery.outbox import Recipient, enqueue
from bot.platform.i18n import duration, translate
from bot.platform.scheduling.due import schedule
from bot.platform.scheduling.registry import due_handler
from bot.tasks import messages as tasks_messages
from bot.tasks import rules as dispatch
from models import DueWork, Task, TaskOffer
from models.delivery import HIGH, URGENT


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
    wider = await dispatch.eligible_volunteers(session, task, exclude=offered, community_wide=True)
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
    people = {p.id: p for p in [*await dispatch.eligible_volunteers(session, task),
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

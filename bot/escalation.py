"""Due-work handlers for volunteer tasks: nothing waits unseen."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import notify
from bot.delivery.outbox import Recipient, enqueue
from bot.i18n import translate
from bot.scheduling.registry import due_handler
from bot.services import dispatch
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
    await notify.offer_task(session, task, wider, now)
    minutes = int((now - task.created_at).total_seconds() // 60)
    for staff in await dispatch.staff_for(session, task):
        text = translate(staff.locale, "⏰ {ref} has not been taken by any volunteer for {minutes} minutes.",
                         ref=task.ref, minutes=minutes) + "\n" + await notify.describe_request(session, task,
                                                                                             staff.locale)
        enqueue(session, [Recipient(chat_id=staff.tg_user_id, person_id=staff.id)], text, now=now,
                cause=f"task:{task.id}", priority=URGENT if task.urgency == "urgent" else HIGH)

"""The 48-hour rule, every hour (recurring due work: a restart neither skips nor repeats an hour): each
household of the register nobody has heard from for too long gets one visit-or-call task, offered to the one
responsible for it and to the grid's volunteers and workers, escalated to the community if nobody takes it."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.platform.scheduling.due import next_full_hour
from bot.platform.scheduling.registry import recurring
from bot.tasks import messages as tasks_messages
from bot.tasks import rules as dispatch
from bot.tasks.workflow import schedule_unclaimed
from bot.vulnerable import rules as vulnerable
from models import DueWork, Person

ESCALATE_MINUTES = {"urgent": 30, "today": 120}


@recurring("vulnerable_watch", next_full_hour)
async def vulnerable_watch(session: AsyncSession, work: DueWork, now: datetime) -> None:
    for due in await vulnerable.silent(session, now):
        task = vulnerable.visit_task(due, now)
        session.add(task)
        await session.flush()
        due.entry.task_id = task.id
        people = {p.id: p for p in [*await dispatch.building_leaders(session, task),
                                    *await dispatch.eligible_volunteers(session, task, now=now),
                                    *await dispatch.staff_for(session, task)]}
        responsible = await session.get(Person, due.entry.responsible_id) if due.entry.responsible_id else None
        if responsible is not None and responsible.tg_user_id is not None and responsible.deleted_at is None:
            people = {responsible.id: responsible, **people}  # the one responsible first
        await tasks_messages.offer_task(session, task, list(people.values()), now)
        schedule_unclaimed(session, task, ESCALATE_MINUTES.get(task.urgency, 120), now)

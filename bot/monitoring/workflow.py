"""Home monitoring and the daily check-in over time (due-work handlers; see bot/monitoring/rules.py).

`mon_slot` walks one reminder slot through reminder → second reminder → follow-up call, each stage a row
scheduled by the one before; `mon_end` closes the period; `checkin_daily` reminds everyone once a day while
a community has it switched on. Every handler re-reads the state and does nothing if it moved on.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.monitoring import messages as monitoring_messages
from bot.monitoring import rules as monitoring
from bot.platform.clock import local_midnight
from bot.platform.scheduling.due import schedule
from bot.platform.scheduling.registry import due_handler
from bot.tasks import rules as dispatch
from bot.tasks.workflow import offer_to_grid
from models import Community, DueWork, Household, Monitoring, Person

CHECKIN_WINDOW = timedelta(hours=3)  # a daily check-in reminder later than this is not sent


@due_handler("mon_slot")
async def mon_slot(session: AsyncSession, work: DueWork, now: datetime) -> None:
    mid, slot_at, stage = monitoring.parse_slot_ref(work.ref)
    m = await session.get(Monitoring, mid)
    if m is None or m.status != "active":
        return
    if await monitoring.reported_for_slot(session, m, slot_at, now):
        return
    subject = await session.get(Person, m.person_id)
    if subject is None or subject.deleted_at is not None:
        return
    action, next_stage, next_at = monitoring.slot_step(stage, slot_at, now, m)
    if action in ("remind", "remind_again"):
        await monitoring_messages.monitoring_reminder(session, m, subject, slot_at, action == "remind_again",
                                                      next_at, now)
    elif action == "followup":
        household = await session.get(Household, m.household_id)
        priority = dispatch.task_priority("today", household.care_needs if household else [])
        task = await monitoring.checkin_task(session, m, slot_at, priority, now)
        if task is not None:
            await offer_to_grid(session, task, m.followup_minutes, now)
    if next_stage is not None:
        monitoring.schedule_slot_stage(session, m, slot_at, next_stage, next_at, now)


@due_handler("mon_end")
async def mon_end(session: AsyncSession, work: DueWork, now: datetime) -> None:
    m = await session.get(Monitoring, int(work.ref))
    if m is None or not await monitoring.finish(session, m, now):
        return
    subject = await session.get(Person, m.person_id)
    if subject is not None:
        await monitoring_messages.monitoring_over(session, m, subject, False, now)


async def ensure_daily_checkin(session: AsyncSession, community: Community, hhmm: str, default_tz: str,
                               now: datetime) -> None:
    """Book the next daily check-in, unless one is already booked (switched off and on again the same day)."""
    booked = (await session.exec(select(DueWork.id).where(DueWork.kind == "checkin_daily", DueWork.status == "pending",
                                                          DueWork.ref.startswith(f"{community.id}|")))).first()
    if booked is not None:
        return
    at = monitoring.next_daily(now, hhmm, community.timezone or default_tz)
    schedule(session, "checkin_daily", at, ref=f"{community.id}|{hhmm}|{community.timezone or default_tz}",
             key=f"checkin:{community.id}:{at:%Y%m%d}", now=now)


@due_handler("checkin_daily")
async def checkin_daily(session: AsyncSession, work: DueWork, now: datetime) -> None:
    """Remind every resident who has not reported today; then book tomorrow's (while it is switched on)."""
    cid, hhmm, tz = work.ref.split("|", 2)
    community = await session.get(Community, int(cid))
    if community is None or not community.daily_checkin:
        return  # switched off: the chain ends here; switching it on again starts a new one
    if now - work.due_at < CHECKIN_WINDOW:  # after a long outage, skip rather than remind at midnight
        since = local_midnight(work.due_at, tz)
        people = await monitoring.checkin_recipients(session, community.id, since)
        monitoring_messages.daily_checkin(session, community.id, people, work.due_at + CHECKIN_WINDOW, now)
    at = monitoring.next_daily(max(now, work.due_at), hhmm, tz)
    schedule(session, "checkin_daily", at, ref=work.ref, key=f"checkin:{community.id}:{at:%Y%m%d}", now=now)

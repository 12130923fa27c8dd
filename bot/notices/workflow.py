"""Notices over time (due-work handlers; rules in bot/notices/rules.py).

`notice_due`    a notice's send time: resolve the audience now, one outbox row and delivery record per
                recipient (quiet hours respected), the sender's progress message, and what follows:
                the next repeat, the acknowledgement reminder, the door-knock check.
`notice_progress` edits the sender's progress message (at most every few seconds) until all is final.
`notice_ack_remind` red and orange alerts: remind who has not pressed "I have read this".
`notice_doorknock` red alerts: households with care needs where nobody acknowledged get a visit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.kernel.audit import audit
from bot.kernel.permissions import Actor
from bot.notices import messages as notice_messages
from bot.notices import rules as notices
from bot.platform.clock import local_time
from bot.platform.delivery.outbox import Recipient, enqueue, enqueue_edit, progress
from bot.platform.scheduling.due import schedule
from bot.platform.scheduling.registry import due_handler
from bot.tasks.workflow import offer_to_grid
from models import Community, DueWork, OutboxMessage, Person, Task
from models.delivery import HIGH
from models.notices import Notice, NoticeSend

PROGRESS_EVERY = timedelta(seconds=5)
REPEAT_LATE_LIMIT = timedelta(hours=3)  # a one-off notice is sent however late; a daily one is skipped


def schedule_send(session: AsyncSession, notice: Notice, at: datetime, now: datetime) -> None:
    schedule(session, "notice_due", at, ref=f"{notice.id}|{at.isoformat()}", key=f"notice:{notice.id}:{at:%Y%m%dT%H%M}",
             now=now)


async def publish(session: AsyncSession, actor: Actor, community_id: int, text: str, translations: dict[str, str],
                  settings: Settings, at: datetime, now: datetime, buildings: list[int] | None = None) -> Notice:
    """Another capability posts an information notice to the actor's area, or to some of its buildings (their
    residents and bound group chats): checked, built, booked and audited as one composed by hand (a rumour's
    correction)."""
    audience = await notices.check_audience(session, actor, community_id,
                                            notices.Audience(buildings=list(buildings or [])))
    community = await session.get(Community, community_id)
    notice = Notice(community_id=community_id, created_by_id=actor.person_id, text=notices.clean_text(text),
                    translations=translations, level="info", audience=audience.to_json(), first_at=at,
                    timezone=(community.timezone if community and community.timezone else settings.timezone),
                    quiet_hours=(community.quiet_hours if community and community.quiet_hours
                                 else settings.notice_quiet_hours),
                    ack_remind_minutes=settings.notice_ack_remind_minutes,
                    doorknock_minutes=settings.notice_doorknock_minutes,
                    doorknock_escalate_minutes=settings.task_escalate_urgent_minutes, created_at=now)
    session.add(notice)
    await session.flush()
    schedule_send(session, notice, at, now)
    audit(session, actor_id=actor.person_id, action="send_notice", at=now, notice=notice.id, level=notice.level)
    return notice


@due_handler("notice_due")
async def notice_due(session: AsyncSession, work: DueWork, now: datetime) -> None:
    nid, at_iso = work.ref.split("|", 1)
    notice = await session.get(Notice, int(nid))
    if notice is None or notice.status != "scheduled":
        return
    due_at = datetime.fromisoformat(at_iso)
    following = notices.next_occurrence(notice, max(due_at, now))  # after an outage: no catching up
    if following is None:
        notice.status = "done"
    else:
        schedule_send(session, notice, following, now)
    if notice.repeat != "none" and now - due_at > REPEAT_LATE_LIMIT:
        return  # a repeating notice hours late (the runner was down): the next one comes at its time
    send = NoticeSend(notice_id=notice.id, due_at=due_at, sent_at=now)
    session.add(send)
    await session.flush()
    resolved = await notices.resolve(session, notice)
    not_before = now
    if notices.waits_for_morning(notice.level):
        not_before = notices.after_quiet_hours(now, notices.parse_hours(notice.quiet_hours), notice.timezone)
    send.goes_at = max(now, not_before)
    rows = notice_messages.notice_rows(session, notice, send, resolved, now, not_before)
    await session.flush()
    for row, delivery in rows:
        delivery.outbox_id = row.id
        session.add(delivery)
    send.recipients = len(rows)
    author = await session.get(Person, notice.created_by_id) if notice.created_by_id else None
    if author is not None and author.tg_user_id is not None:
        p = await progress(session, f"notice:{send.id}")
        msg = enqueue(session, [Recipient(chat_id=author.tg_user_id, person_id=author.id)],
                      notice_messages.progress_text(author.locale, notice.id, p, final=False,
                                           waits_until=_held_until(notice, not_before, now)), now=now,
                      cause=f"notice-progress:{send.id}", priority=HIGH)[0]
        await session.flush()
        send.progress_outbox_id = msg.id
        schedule(session, "notice_progress", max(now, not_before) + PROGRESS_EVERY, ref=f"{send.id}|1",
                 key=f"notice-send:{send.id}:progress:1", now=now)
    if notice.ack_required and notice.level in ("red", "orange"):
        schedule(session, "notice_ack_remind", now + timedelta(minutes=notice.ack_remind_minutes), ref=str(send.id),
                 key=f"notice-send:{send.id}:remind", now=now)
    if notice.ack_required and notice.level == "red":
        schedule(session, "notice_doorknock", now + timedelta(minutes=notice.doorknock_minutes), ref=str(send.id),
                 key=f"notice-send:{send.id}:doorknock", now=now)


def _held_until(notice: Notice, not_before: datetime | None, now: datetime) -> str | None:
    """The community-local time a notice held for the quiet hours goes out, or None if it is not held."""
    if not_before is None or not_before <= now:
        return None
    return local_time(not_before, notice.timezone)


@due_handler("notice_progress")
async def notice_progress(session: AsyncSession, work: DueWork, now: datetime) -> None:
    sid, n = (int(x) for x in work.ref.split("|"))
    send = await session.get(NoticeSend, sid)
    if send is None or send.progress_outbox_id is None or send.finished_at is not None:
        return
    notice = await session.get(Notice, send.notice_id)
    author = await session.get(Person, notice.created_by_id) if notice and notice.created_by_id else None
    target = await session.get(OutboxMessage, send.progress_outbox_id)
    if notice is None or author is None or target is None:
        return
    p = await progress(session, f"notice:{send.id}")
    final = p.done
    waiting = (await session.exec(select(func.min(OutboxMessage.not_before)).where(
        OutboxMessage.cause == f"notice:{send.id}", OutboxMessage.status == "pending"))).one()
    text = notice_messages.progress_text(author.locale, notice.id, p, final=final,
                                waits_until=None if final else _held_until(notice, waiting, now))
    enqueue_edit(session, target, text, now=now, cause=f"notice-progress:{send.id}", priority=HIGH)
    if final:
        send.finished_at = now
        enqueue(session, [Recipient(chat_id=author.tg_user_id, person_id=author.id)],
                notice_messages.progress_text(author.locale, notice.id, p, final=True), now=now,
                cause=f"notice-progress:{send.id}", priority=HIGH)
        return
    at = max(now + PROGRESS_EVERY, waiting or now)  # all waiting for the morning: look again then
    schedule(session, "notice_progress", at, ref=f"{send.id}|{n + 1}", key=f"notice-send:{send.id}:progress:{n + 1}",
             now=now)


@due_handler("notice_ack_remind")
async def notice_ack_remind(session: AsyncSession, work: DueWork, now: datetime) -> None:
    send = await session.get(NoticeSend, int(work.ref))
    notice = await session.get(Notice, send.notice_id) if send else None
    if send is None or notice is None or notice.status == "cancelled" or send.reminded_at is not None:
        return
    people = await notices.not_acked(session, send.id)
    notice_messages.ack_reminder(session, notice, send.id, people, now)
    send.reminded_at = now


@due_handler("notice_doorknock")
async def notice_doorknock(session: AsyncSession, work: DueWork, now: datetime) -> None:
    """Red alert, an hour on: each household with care needs where nobody acknowledged gets a door-knock
    task for the grid's volunteers (one per household and alert)."""
    send = await session.get(NoticeSend, int(work.ref))
    notice = await session.get(Notice, send.notice_id) if send else None
    if send is None or notice is None or notice.status == "cancelled":
        return
    from models import Building

    for hh in await notices.silent_care_households(session, send, notice):
        building = await session.get(Building, hh.building_id)
        task = Task(kind="doorknock", community_id=building.community_id, grid_id=building.grid_id,
                    household_id=hh.id, skill="", urgency="urgent", priority=0, created_at=now)
        session.add(task)
        await session.flush()
        await offer_to_grid(session, task, notice.doorknock_escalate_minutes, now)

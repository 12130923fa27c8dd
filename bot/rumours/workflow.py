"""What happens after the rumours capability's events that reach beyond the one who acted: a correction
published as a notice (through the notices capability and the outbox), and the weekly digest (booked as due
work per community, each week booking the next)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.kernel.audit import audit
from bot.kernel.permissions import Actor
from bot.notices import rules as notices_rules
from bot.notices import workflow as notices_workflow
from bot.platform.scheduling.due import schedule
from bot.platform.scheduling.registry import due_handler
from bot.rumours import messages as rumour_messages
from bot.rumours import rules as rumours
from models import Community, DueWork
from models.notices import Notice

LOCALES = ("zh_Hans", "zh_Hant", "en")


async def published(session: AsyncSession, actor: Actor, entry_id: int, settings: Settings, at: datetime,
                    now: datetime, buildings: list[int] | None = None) -> Notice:
    """The entry goes to the staff member's area (or the buildings chosen in it) as an information notice, each
    reader getting it in their language (now, or at the time given)."""
    entry, community_id = await rumours.usable_for_publishing(session, actor, entry_id)
    texts = {loc: "🔎 " + rumour_messages.entry_text(loc, entry) for loc in LOCALES}
    notice = await notices_workflow.publish(session, actor, community_id, texts[settings.default_locale], texts,
                                            settings, at, now, buildings=buildings)
    audit(session, actor_id=actor.person_id, action="rumour_entry_published", at=now, entry=entry.id,
          notice=notice.id)
    return notice


async def answered(session: AsyncSession, question, entry, actor: Actor, now: datetime) -> int:
    """A question answered with an entry: it and every open one like it are closed, and everyone who asked is
    told in their language; returns how many are told."""
    questions = await rumours.answer_questions(session, question, entry, actor, now)
    return await rumour_messages.tell_askers(session, questions, entry, now)


async def audience_choices(session: AsyncSession, actor: Actor) -> list:
    """The buildings of the staff member's area, for choosing where a correction goes."""
    community_id = rumours.home_community(actor)
    return await notices_rules.area_buildings(session, actor, community_id) if community_id is not None else []


async def ensure_digest(session: AsyncSession, community_id: int, settings: Settings, now: datetime) -> None:
    """Book the community's next weekly digest unless one is booked (a resident asked for it, a group watches)."""
    booked = (await session.exec(select(DueWork.id).where(DueWork.kind == "rumour_digest",
                                                          DueWork.status == "pending",
                                                          DueWork.ref.startswith(f"{community_id}|")))).first()
    if booked is not None:
        return
    community = await session.get(Community, community_id)
    tz = (community.timezone if community and community.timezone else settings.timezone)
    ref = f"{community_id}|{settings.rumour_digest_weekday}|{settings.rumour_digest_time}|{tz}"
    at = rumours.next_digest(now, settings.rumour_digest_weekday, settings.rumour_digest_time, tz)
    schedule(session, "rumour_digest", at, ref=ref, key=f"rumour-digest:{community_id}:{at:%Y%m%d}", now=now)


async def digest_switched(session: AsyncSession, person, on: bool, settings: Settings, now: datetime) -> bool:
    on = await rumours.set_digest(session, person, on, now)
    community_id = await rumours.community_of(session, person)
    if on and community_id is not None:
        await ensure_digest(session, community_id, settings, now)
    return on


@due_handler("rumour_digest")
async def rumour_digest(session: AsyncSession, work: DueWork, now: datetime) -> None:
    """The week's checked rumours to the residents who asked for them and the bound group chats; then next
    week's is booked. A quiet week sends nothing."""
    cid, weekday, hhmm, tz = work.ref.split("|", 3)
    entries = await rumours.digest_contents(session, int(cid), work.due_at - timedelta(days=7), work.due_at)
    if entries and now - work.due_at < timedelta(days=1):  # after a long outage, skip a stale week
        people, groups = await rumours.digest_readers(session, int(cid))
        rumour_messages.digest(session, entries, people, groups, now)
    at = rumours.next_digest(max(now, work.due_at), int(weekday), hhmm, tz)
    schedule(session, "rumour_digest", at, ref=work.ref, key=f"rumour-digest:{cid}:{at:%Y%m%d}", now=now)

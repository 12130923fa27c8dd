"""Staff at a glance, later (due work: a restart neither loses nor repeats any of it).

- Every hour, each community's next evening summary is booked as a keyed row (`summary:<community>:<day>`) at
  its own local time (default 18:00).
- When it comes due, each worker and admin gets their area's summary in their own language: a message and the
  14-day chart as a photo, through the outbox.
- An export asked for in the chat is built here, off the hot path, and sent as a document.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.glance import messages as words
from bot.glance import rules as glance
from bot.kernel.audit import audit_reads
from bot.platform.delivery.outbox import Recipient, attach, enqueue
from bot.platform.i18n import _, get_i18n, translate
from bot.platform.scheduling.due import next_full_hour, schedule
from bot.platform.scheduling.registry import due_handler, recurring
from bot.telegram.ui import split_text
from models import Community, DueWork
from models.delivery import LOW, ROUTINE
from models.glance import ExportJob

SUMMARY_VALID = timedelta(hours=6)  # a summary that could not go out by then is not sent late


@recurring("summary_book", next_full_hour)
async def summary_book(session: AsyncSession, work: DueWork, now: datetime) -> None:
    """Book each community's next summary at its local time (`work.ref`: the deployment's time zone, for a
    community without its own); the summary's row carries the zone it was placed in."""
    for c in (await session.exec(select(Community).order_by(Community.id))).all():
        tz = c.zone(work.ref or "UTC")
        at = glance.next_summary(c, now, tz)
        if at is None:
            continue
        key = f"summary:{c.id}:{at.date().isoformat()}"
        if (await session.exec(select(DueWork.id).where(DueWork.key == key))).first() is None:
            schedule(session, "daily_summary", at, ref=f"{c.id}|{tz}", key=key, valid_until=at + SUMMARY_VALID,
                     now=now)


@due_handler("daily_summary")
async def daily_summary(session: AsyncSession, work: DueWork, now: datetime) -> None:
    community_id, tz = work.ref.split("|", 1)
    community = await session.get(Community, int(community_id))
    if community is None:
        return
    day = now.astimezone(ZoneInfo(tz)).date()
    for area, people in await glance.summary_recipients(session, community.id, tz):
        sections = await glance.sections(session, area, now)
        days, series = await glance.daily_series(session, area, now)
        by_locale: dict[str, list] = {}
        for p in people:
            by_locale.setdefault(p.locale, []).append(p)
        for locale, readers in by_locale.items():
            with get_i18n().use_locale(locale):
                name = await glance.area_name(session, area, locale)
                lines = await glance.summary_lines(session, area, now, locale)
                text = words.summary_text(name, day, sections, lines)
                png = words.chart(name, days, series)
            to = [Recipient(p.tg_user_id, p.id) for p in readers]
            for part in split_text(text):
                enqueue(session, to, part, now=now, cause=f"summary:{community.id}", priority=LOW,
                        valid_until=now + SUMMARY_VALID)
            media = await attach(session, f"summary-{day.isoformat()}.png", png)
            enqueue(session, to, translate(locale, "📈 The last 14 days"), now=now, method="photo", media=media,
                    cause=f"summary:{community.id}", priority=LOW, valid_until=now + SUMMARY_VALID)
            for p in readers:
                audit_reads(session, actor_id=p.id, action="read_summary", at=now,
                            subject_ids=[x.person_id for _g, _k, ls in lines for x in ls])


@due_handler("glance_export")
async def build_export(session: AsyncSession, work: DueWork, now: datetime) -> None:
    job = await session.get(ExportJob, int(work.ref))
    if job is None or job.status != "queued":
        return
    community = await session.get(Community, job.community_id)
    tz = ZoneInfo(job.timezone)
    built = await glance.build(session, job, f"{community.code}-{now.astimezone(tz):%Y%m%d-%H%M}", now)
    if job.chat_id is not None:
        with get_i18n().use_locale(job.locale):
            caption = "\n".join([_("📎 Your export is ready: {from_} – {to}.").format(
                from_=job.since.astimezone(tz).strftime("%Y-%m-%d"),
                to=job.until.astimezone(tz).strftime("%Y-%m-%d"))]
                + [f"• {_(s.table.title)}: {len(s.rows)}" for s in built.sheets])
        media = await attach(session, built.name, built.data)
        enqueue(session, [Recipient(job.chat_id, job.person_id)], caption[:1000], now=now, method="document",
                media=media, cause=f"export:{job.id}", priority=ROUTINE)


def queue_export(session: AsyncSession, job: ExportJob, now: datetime) -> None:
    schedule(session, "glance_export", now, ref=str(job.id), key=f"export:{job.id}", now=now)

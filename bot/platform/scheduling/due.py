"""Due work: rows with a due time, swept by a fixed interval job, claimed once, acted on idempotently.

Business schedules (reminders, deadlines, escalations, scheduled notices) are rows, not pickled jobs,
so a restart loses nothing. `valid_until` keeps a long outage from replaying stale work. A failed
action is retried with backoff and, after `max_attempts`, marked failed and reported to the
administrators through the outbox: never silently dropped.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.platform import wake
from bot.platform.clock import Clock
from bot.platform.delivery.outbox import Recipient, enqueue
from bot.platform.i18n import translate
from models.delivery import HIGH, DueWork

log = logging.getLogger(__name__)

# A handler acts on one row inside the given session; the runner commits its effects together with
# marking the row done, so an action and its "done" are one transaction.
Handler = Callable[[AsyncSession, DueWork, datetime], Awaitable[None]]
# When recurring work comes next: (now, the deployment's time zone) -> the next occurrence, after now.
NextAt = Callable[[datetime, tzinfo], datetime]
RECURRING_VALID = timedelta(days=2)  # an occurrence missed by a longer outage is skipped, not sent late


def next_full_hour(now: datetime, _tz: tzinfo) -> datetime:
    """A `NextAt` for work done every hour, on the hour."""
    return (now.astimezone(UTC) + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)


def schedule(session: AsyncSession, kind: str, due_at: datetime, *, ref: str = "", key: str | None = None,
             valid_until: datetime | None = None, now: datetime) -> DueWork:
    """Add due work to the caller's transaction. With a `key`, scheduling the same work twice is a no-op
    (the unique key refuses the second row: use `schedule_once` outside a larger transaction)."""
    work = DueWork(kind=kind, ref=ref, key=key, due_at=due_at, valid_until=valid_until, created_at=now)
    session.add(work)
    wake.mark(session, wake.DUE, due_at, now)
    return work


async def schedule_once(session: AsyncSession, kind: str, due_at: datetime, *, key: str, ref: str = "",
                        valid_until: datetime | None = None, now: datetime) -> bool:
    if (await session.exec(select(DueWork.id).where(DueWork.key == key))).first() is not None:
        return False
    schedule(session, kind, due_at, ref=ref, key=key, valid_until=valid_until, now=now)
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        return False
    return True


@dataclass
class SweepReport:
    done: int = 0
    retried: int = 0
    failed: int = 0
    expired: int = 0


class DueWorkRunner:
    def __init__(self, sessionmaker: async_sessionmaker, clock: Clock, handlers: dict[str, Handler], *,
                 max_attempts: int = 5, lease: timedelta = timedelta(minutes=5), batch: int = 100,
                 admin_chat_ids: list[int] | None = None, locale: str = "zh_Hans",
                 recurring: dict[str, NextAt] | None = None, tz: tzinfo = UTC) -> None:
        self.sessionmaker = sessionmaker
        self.recurring = recurring or {}
        self.tz = tz
        self.clock = clock
        self.handlers = handlers
        self.max_attempts = max_attempts
        self.lease = lease
        self.batch = batch
        self.admin_chat_ids = admin_chat_ids or []
        self.locale = locale

    async def _claim(self, now: datetime) -> tuple[list[DueWork], int]:
        """Expire stale rows, take back abandoned ones, claim what is due. Returns (claimed, expired)."""
        token = secrets.token_hex(8)
        async with self.sessionmaker() as s:
            res = await s.exec(update(DueWork).where(
                DueWork.status == "pending", DueWork.valid_until.is_not(None), DueWork.valid_until <= now)
                .values(status="expired", done_at=now))
            expired = res.rowcount
            # A process that died in the middle of an action: give the row back after the lease.
            await s.exec(update(DueWork).where(DueWork.status == "running", DueWork.claimed_at <= now - self.lease)
                         .values(status="pending", claim=None))
            q = (select(DueWork.id).where(DueWork.status == "pending", DueWork.due_at <= now)
                 .order_by(DueWork.due_at, DueWork.id).limit(self.batch))
            if s.bind.dialect.name == "postgresql":
                q = q.with_for_update(skip_locked=True)
            ids = list((await s.exec(q)).all())
            if ids:
                await s.exec(update(DueWork).where(DueWork.id.in_(ids), DueWork.status == "pending")
                             .values(status="running", claim=token, claimed_at=now))
            await s.commit()
            rows = list((await s.exec(select(DueWork).where(DueWork.claim == token, DueWork.status == "running")
                                      .order_by(DueWork.due_at, DueWork.id))).all()) if ids else []
        return rows, expired

    async def book_recurring(self, now: datetime) -> None:
        """Keep the next occurrence of each recurring kind booked (one row per occurrence, by its key; its `ref`
        names the deployment's time zone, for work that must place a community's local times)."""
        for kind, next_at in self.recurring.items():
            at = next_at(now, self.tz)
            async with self.sessionmaker() as s:
                await schedule_once(s, kind, at, key=f"every:{kind}:{at:%Y%m%dT%H%M}", ref=str(self.tz),
                                    valid_until=at + RECURRING_VALID, now=now)

    async def sweep(self) -> SweepReport:
        now = self.clock.now()
        report = SweepReport()
        await self.book_recurring(now)
        rows, report.expired = await self._claim(now)
        for work in rows:
            handler = self.handlers.get(work.kind)
            try:
                if handler is None:
                    raise LookupError(f"no handler for due work of kind {work.kind!r}")
                async with self.sessionmaker() as s:
                    await handler(s, work, now)
                    await s.exec(update(DueWork).where(DueWork.id == work.id, DueWork.claim == work.claim)
                                 .values(status="done", done_at=self.clock.now(), attempts=work.attempts + 1))
                    await s.commit()
                report.done += 1
            except Exception as e:
                await self._failed(work, e, now, report)
        return report

    async def _failed(self, work: DueWork, error: Exception, now: datetime, report: SweepReport) -> None:
        attempts = work.attempts + 1
        reason = f"{type(error).__name__}: {error}"[:200]
        async with self.sessionmaker() as s:
            if attempts >= self.max_attempts:
                log.error("due work %s (%s) failed for good after %d attempts: %s", work.id, work.kind, attempts,
                          type(error).__name__)
                await s.exec(update(DueWork).where(DueWork.id == work.id).values(
                    status="failed", attempts=attempts, last_error=reason, done_at=now, claim=None))
                text = translate(self.locale, "⚠️ Scheduled work #{id} ({kind}) failed {n} times and was given up: "
                                              "{error}. See the logs.", id=work.id, kind=work.kind, n=attempts,
                                 error=type(error).__name__)
                enqueue(s, [Recipient(chat_id=c) for c in self.admin_chat_ids], text, now=now, priority=HIGH,
                        cause=f"duework:{work.id}")
                report.failed += 1
            else:
                log.warning("due work %s (%s) failed (attempt %d), will retry: %s", work.id, work.kind, attempts,
                            type(error).__name__)
                delay = timedelta(seconds=min(3600, 30 * 2 ** (attempts - 1)))
                await s.exec(update(DueWork).where(DueWork.id == work.id).values(
                    status="pending", attempts=attempts, last_error=reason, due_at=now + delay, claim=None))
                report.retried += 1
            await s.commit()

"""The one sender: drains the outbox within Telegram's limits, fastest and most urgent first.

Limits (all configurable): the whole bot at most `rate` messages/s (default 29 of Telegram's 30), and never
more than 29 in any sliding second counting the replies handlers sent meanwhile (`bot/platform/delivery/budget.py`:
a person's reply never waits for a broadcast); one message per second per private chat, 20 per minute per
group. Sends are paced evenly by a token bucket (aiolimiter) holding at most `burst` sends, so a short stall
(a refill, a slow answer) is made up instead of lost, never with more than `burst` at once; during a 429
`retry_after` pause the sender waits *before* the limiter, so the pause does not end in a burst either.

Row life: pending -> claimed (in memory) -> sending (request under way) -> sent | failed | blocked |
expired | unknown. A restart puts claimed rows back to pending. A row left in `sending` by a crash may or
may not have reached Telegram (the window is one request: between the request leaving and its answer
being recorded, at most `workers` rows per crash): urgent rows are sent again (a duplicate alert beats
a missed one), other rows are marked `unknown` and counted as not delivered by the progress API.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup, ReplyKeyboardMarkup
from aiolimiter import AsyncLimiter
from sqlalchemy import and_, or_, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select

from bot.platform.clock import Clock
from bot.platform.delivery.budget import SendBudget, Slot, current_slot
from bot.platform.delivery.outbox import FILE_PREFIX
from models import Person
from models.delivery import URGENT, OutboxFile, OutboxMessage

log = logging.getLogger(__name__)


@dataclass
class SenderConfig:
    rate: float = 29.0  # messages per second, whole bot
    burst: int = 3  # sends the token bucket may hold: what a stall can make up at once
    private_interval: float = 1.0  # seconds between two messages to one private chat
    group_interval: float = 3.0  # 20 per minute per group
    workers: int = 8  # requests under way at once (Telegram answers in ~100-300 ms)
    max_attempts: int = 5
    retry_base: float = 2.0  # seconds; doubled at every failed attempt, at most a minute
    buffer: int = 64  # rows claimed into memory (about two seconds of sending)
    idle_poll: float = 0.5  # how often to look for new (and more urgent) rows
    request_timeout: float = 20.0
    # `until_idle` drains stop when nothing is due within this horizon: a retry in a few seconds keeps the
    # drain going, a notice held until the end of the quiet hours does not.
    idle_horizon: float = 300.0


MigrateHook = Callable[[int, int], Awaitable[None]]


class Sender:
    def __init__(self, bot: Bot, sessionmaker: async_sessionmaker, clock: Clock,
                 config: SenderConfig | None = None, on_migrate: MigrateHook | None = None,
                 budget: SendBudget | None = None) -> None:
        self.bot = bot
        self.sessionmaker = sessionmaker
        self.clock = clock
        self.config = config or SenderConfig()
        self.on_migrate = on_migrate
        self.limiter = AsyncLimiter(self.config.burst, self.config.burst / self.config.rate)
        self.budget = budget or SendBudget()
        self.chat_ready: dict[int, float] = {}
        self.paused_until = 0.0
        self.buffer: list[OutboxMessage] = []
        self.inflight: set[asyncio.Task] = set()
        self.slots = asyncio.Semaphore(self.config.workers)
        self.token = secrets.token_hex(8)
        self.stats: Counter[str] = Counter()
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Something was just enqueued: look now instead of at the next poll."""
        self._wake.set()

    # ---- database steps ----------------------------------------------------------------------
    async def recover(self) -> None:
        """On start, as the only runner: nothing is in our memory, so nothing is claimed or in flight."""
        async with self.sessionmaker() as s:
            await s.exec(update(OutboxMessage).where(OutboxMessage.status == "claimed")
                            .values(status="pending", claim=None))
            await s.exec(update(OutboxMessage).where(OutboxMessage.status == "sending",
                                                        OutboxMessage.priority <= URGENT)
                            .values(status="pending", claim=None, last_error="resent after restart"))
            res = await s.exec(update(OutboxMessage).where(OutboxMessage.status == "sending")
                                  .values(status="unknown", last_error="interrupted by a restart"))
            await s.commit()
        if res.rowcount:
            log.warning("%d messages were being sent when the sender stopped; marked unknown", res.rowcount)

    async def refill(self) -> int:
        now = self.clock.now()
        worst = max((r.priority for r in self.buffer), default=None)
        room = self.config.buffer - len(self.buffer)
        async with self.sessionmaker() as s:
            await s.exec(update(OutboxMessage).where(
                OutboxMessage.status == "pending", OutboxMessage.valid_until.is_not(None),
                OutboxMessage.valid_until <= now).values(status="expired"))
            unreachable = select(Person.id).where(Person.unreachable_since.is_not(None))
            await s.exec(update(OutboxMessage).where(
                OutboxMessage.status == "pending", OutboxMessage.person_id.in_(unreachable))
                .values(status="blocked", last_error="recipient unreachable"))
            await s.commit()
            q = select(OutboxMessage.id).where(OutboxMessage.status == "pending", OutboxMessage.not_before <= now)
            if room <= 0:
                if worst is None or worst <= URGENT:
                    return 0
                q = q.where(OutboxMessage.priority < worst)  # only what overtakes the buffer
                room = self.config.buffer // 4
            q = q.order_by(OutboxMessage.priority, OutboxMessage.id).limit(room)
            if s.bind.dialect.name == "postgresql":
                q = q.with_for_update(skip_locked=True)
            ids = list((await s.exec(q)).all())
            if not ids:
                await s.commit()
                return 0
            await s.exec(update(OutboxMessage).where(OutboxMessage.id.in_(ids), OutboxMessage.status == "pending")
                            .values(status="claimed", claim=self.token))
            rows = list((await s.exec(select(OutboxMessage).where(
                OutboxMessage.id.in_(ids), OutboxMessage.status == "claimed",
                OutboxMessage.claim == self.token))).all())
            await s.commit()
        self.buffer.extend(rows)
        self.buffer.sort(key=lambda r: (r.priority, r.id))
        await self._supersede()
        return len(rows)

    async def _supersede(self) -> None:
        """An edit and the message it edits in the same batch: the original is out of date, drop it and let
        the edit (which then finds nothing on screen) do nothing."""
        edited = {r.edit_of for r in self.buffer if r.method == "edit" and r.edit_of is not None}
        stale = [r.id for r in self.buffer if r.id in edited]
        if not stale:
            return
        self.buffer = [r for r in self.buffer if r.id not in edited]
        async with self.sessionmaker() as s:
            await s.exec(update(OutboxMessage).where(OutboxMessage.id.in_(stale), OutboxMessage.status == "claimed")
                         .values(status="expired", claim=None, last_error="superseded before sending"))
            await s.commit()

    async def _finish(self, row: OutboxMessage, **values: object) -> None:
        async with self.sessionmaker() as s:
            await s.exec(update(OutboxMessage).where(OutboxMessage.id == row.id).values(claim=None, **values))
            await s.commit()

    async def _drop_chat(self, chat_id: int, reason: str) -> None:
        """The chat refused us: rows for it already claimed into memory are not sent either."""
        ids = [r.id for r in self.buffer if r.chat_id == chat_id]
        if not ids:
            return
        self.buffer = [r for r in self.buffer if r.chat_id != chat_id]
        async with self.sessionmaker() as s:
            await s.exec(update(OutboxMessage).where(OutboxMessage.id.in_(ids), OutboxMessage.status == "claimed")
                         .values(status="blocked", claim=None, last_error=reason))
            await s.commit()

    async def release_buffer(self) -> None:
        """Stopping: rows claimed but not started go back to the queue."""
        if not self.buffer:
            return
        ids = [r.id for r in self.buffer]
        self.buffer.clear()
        async with self.sessionmaker() as s:
            await s.exec(update(OutboxMessage).where(OutboxMessage.id.in_(ids), OutboxMessage.status == "claimed")
                            .values(status="pending", claim=None))
            await s.commit()

    # ---- pacing ------------------------------------------------------------------------------
    def _interval(self, chat_id: int) -> float:
        return self.config.private_interval if chat_id > 0 else self.config.group_interval

    def _next_ready(self) -> tuple[OutboxMessage | None, float]:
        """The most urgent buffered row whose chat may receive now, else how long until one may."""
        now = time.monotonic()
        soonest = float("inf")
        for row in self.buffer:
            ready = self.chat_ready.get(row.chat_id, 0.0)
            if ready <= now:
                return row, 0.0
            soonest = min(soonest, ready - now)
        return None, soonest

    # ---- sending -----------------------------------------------------------------------------
    async def _call(self, row: OutboxMessage) -> int:
        markup = None
        if row.reply_markup:
            markup = (InlineKeyboardMarkup.model_validate(row.reply_markup) if "inline_keyboard" in row.reply_markup
                      else ReplyKeyboardMarkup.model_validate(row.reply_markup))
        t = self.config.request_timeout
        if row.method == "edit":
            return await self._edit(row, markup, t)
        media = await self._media(row.media) if row.method in ("photo", "document") else None
        if row.method == "photo":
            msg = await self.bot.send_photo(row.chat_id, media, caption=row.text or None, reply_markup=markup,
                                            request_timeout=t)
        elif row.method == "document":
            msg = await self.bot.send_document(row.chat_id, media, caption=row.text or None,
                                               reply_markup=markup, request_timeout=t)
        else:
            msg = await self.bot.send_message(row.chat_id, row.text, reply_markup=markup, request_timeout=t)
        return msg.message_id

    async def _media(self, media: str | None) -> str | BufferedInputFile | None:
        """A Telegram file id or URL as it is; `file:<id>` is a file the bot made, uploaded from the database."""
        if not media or not media.startswith(FILE_PREFIX):
            return media
        async with self.sessionmaker() as s:
            f = await s.get(OutboxFile, int(media.removeprefix(FILE_PREFIX)))
        if f is None:
            raise LookupError(f"outbox file {media} is gone")
        return BufferedInputFile(f.data, filename=f.name)

    async def _edit(self, row: OutboxMessage, markup: InlineKeyboardMarkup | None, timeout: float) -> int:
        async with self.sessionmaker() as s:
            target = await s.get(OutboxMessage, row.edit_of)
            if target is not None and target.status in ("pending", "claimed"):
                # Not out yet: never send what is already out of date. (A claimed row is in some sender's
                # memory; marking it expired makes its "sending" step fail, so it is not sent.)
                await s.exec(update(OutboxMessage).where(OutboxMessage.id == target.id,
                                                         OutboxMessage.status.in_(("pending", "claimed")))
                             .values(status="expired", last_error="superseded before sending"))
                await s.commit()
                return 0
        if target is not None and target.status == "sending":
            raise TimeoutError("the message to edit is still being sent")  # retried shortly
        if target is None or target.tg_message_id is None:
            return 0  # nothing on screen to change
        try:
            await self.bot.edit_message_text(text=row.text, chat_id=target.chat_id,
                                             message_id=target.tg_message_id, reply_markup=markup,
                                             request_timeout=timeout)
        except TelegramBadRequest as e:
            if "not modified" not in str(e.message) and "not found" not in str(e.message):
                raise
        return target.tg_message_id

    async def _send(self, row: OutboxMessage, taken: Slot | None) -> None:
        try:
            async with self.sessionmaker() as s:  # in flight, recorded before the request leaves
                res = await s.exec(update(OutboxMessage).where(
                    OutboxMessage.id == row.id, OutboxMessage.status == "claimed", OutboxMessage.claim == self.token)
                    .values(status="sending", attempts=OutboxMessage.attempts + 1))
                await s.commit()
            if res.rowcount != 1:
                self.budget.forget(taken)  # not sent after all (expired or taken back meanwhile)
                return
            attempts = row.attempts + 1
            now = self.clock.now()
            if taken is not None:
                current_slot.set(taken)  # the request stamps it as it leaves; the middleware leaves it be
            try:
                try:
                    message_id = await self._call(row)
                finally:
                    if taken is not None:
                        taken.open = False  # answered: it now leaves the window a second after it went out
            except TelegramRetryAfter as e:
                self.stats["r429"] += 1
                self.budget.forget(taken)
                self.paused_until = max(self.paused_until, time.monotonic() + e.retry_after)
                log.warning("429 from Telegram: pausing all sends for %ss", e.retry_after)
                await self._finish(row, status="pending", attempts=attempts - 1, last_error="429",
                                   not_before=now + timedelta(seconds=e.retry_after))
            except TelegramMigrateToChat as e:
                self.stats["migrated"] += 1
                await self._finish(row, status="pending", chat_id=e.migrate_to_chat_id, attempts=attempts - 1)
                async with self.sessionmaker() as s:  # later rows for the old group follow it too
                    await s.exec(update(OutboxMessage).where(
                        OutboxMessage.chat_id == row.chat_id, OutboxMessage.status.in_(("pending", "claimed")))
                        .values(chat_id=e.migrate_to_chat_id))
                    await s.commit()
                for other in self.buffer:
                    if other.chat_id == row.chat_id:
                        other.chat_id = e.migrate_to_chat_id
                if self.on_migrate is not None:
                    await self.on_migrate(row.chat_id, e.migrate_to_chat_id)
            except TelegramForbiddenError as e:
                self.stats["blocked"] += 1
                self.budget.forget(taken)
                await self._finish(row, status="blocked", last_error=str(e.message)[:200])
                await self._drop_chat(row.chat_id, "recipient unreachable")
                if row.person_id is not None:
                    async with self.sessionmaker() as s:
                        await s.exec(update(Person).where(Person.id == row.person_id,
                                                             Person.unreachable_since.is_(None))
                                        .values(unreachable_since=now))
                        await s.commit()
            except TelegramBadRequest as e:
                self.stats["failed"] += 1
                await self._finish(row, status="failed", last_error=str(e.message)[:200])
            except (TelegramServerError, TelegramNetworkError, TelegramAPIError, TimeoutError, OSError) as e:
                self.stats["retried"] += 1
                if attempts >= self.config.max_attempts:
                    await self._finish(row, status="failed", last_error=f"{type(e).__name__} x{attempts}")
                else:
                    delay = min(60.0, self.config.retry_base * 2 ** (attempts - 1))
                    await self._finish(row, status="pending", last_error=type(e).__name__[:200],
                                       not_before=now + timedelta(seconds=delay))
            else:
                self.stats["sent"] += 1
                await self._finish(row, status="sent", tg_message_id=message_id, sent_at=self.clock.now())
        except Exception:
            log.exception("sender: outbox row %s could not be processed", row.id)
        finally:
            if taken is not None:
                taken.open = False  # whatever happened, it never holds the window for good
            self.slots.release()

    # ---- the loop ----------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event, *, is_leader: Callable[[], bool] = lambda: True,
                  until_idle: bool = False) -> None:
        """Send until `stop`. Only while `is_leader()`: becoming the runner starts with `recover()` (the
        previous runner's claimed and in-flight rows), losing it hands the claimed rows back."""
        running = False
        last_refill = 0.0
        try:
            while not stop.is_set():
                if not is_leader():
                    if running:
                        running = False
                        await self._quiesce()
                    await self._sleep(stop, 1.0)
                    continue
                if not running:
                    await self.recover()
                    running = True
                mono = time.monotonic()
                if len(self.buffer) < self.config.buffer // 2 or mono - last_refill >= self.config.idle_poll \
                        or self._wake.is_set():
                    self._wake.clear()
                    await self.refill()
                    last_refill = mono
                row, wait = self._next_ready()
                if row is None:
                    if until_idle and not self.buffer and not self.inflight and await self._nothing_due():
                        break
                    await self._sleep(stop, min(wait, self.config.idle_poll))
                    continue
                pause = self.paused_until - time.monotonic()
                if pause > 0:  # wait outside the limiter, so the pause does not end in a burst
                    await self._sleep(stop, pause)
                    continue
                await self.slots.acquire()
                await self.limiter.acquire()
                # This second's messages, replies included (edits are not new messages).
                taken = await self.budget.acquire() if row.method != "edit" else None
                self.buffer.remove(row)
                self.chat_ready[row.chat_id] = time.monotonic() + self._interval(row.chat_id)
                task = asyncio.create_task(self._send(row, taken))
                self.inflight.add(task)
                task.add_done_callback(self.inflight.discard)
        finally:
            await self._quiesce()

    async def _quiesce(self) -> None:
        """Let the requests under way finish and give the claimed rows back."""
        if self.inflight:
            await asyncio.gather(*self.inflight, return_exceptions=True)
        await self.release_buffer()

    async def _nothing_due(self) -> bool:
        """For `until_idle` (tests, benchmarks, one-off drains): no row is waiting for a final state, except
        rows held back beyond `idle_horizon` (quiet hours)."""
        horizon = self.clock.now() + timedelta(seconds=self.config.idle_horizon)
        async with self.sessionmaker() as s:
            waiting = or_(OutboxMessage.status.in_(("claimed", "sending")),
                          and_(OutboxMessage.status == "pending", OutboxMessage.not_before <= horizon))
            n = (await s.exec(select(OutboxMessage.id).where(waiting).limit(1))).first()
        return n is None

    async def _sleep(self, stop: asyncio.Event, seconds: float) -> None:
        if seconds <= 0:
            return
        waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        for w in waiters:
            w.cancel()

"""Long polling that handles a burst in parallel, keeps each person's updates in order, and loses nothing.

- **Recorded before confirmed.** Each batch from getUpdates is written to the update ledger (`bot.telegram.ledger`) in
  one commit; only then is it confirmed to Telegram (the next getUpdates' offset). So the offset only ever
  passes updates that are handled or durably recorded, and no slow update holds back the ones behind it.
  Updates recorded but not handled when the process stopped or died are handled first on the next start.
- **Parallel, in order per person.** Updates are queued by conversation key (user and chat, as aiogram's FSM
  keys them); each key's queue is worked through one update at a time, in arrival order, while different
  keys run in parallel, at most `concurrency` at once. Updates without a person run on their own.
- **Backpressure.** At most `concurrency * 8` updates are held in memory; past that, fetching waits (the rest
  wait safely at Telegram).
- **Clean stop.** Stop fetching; the updates being handled finish (none is cut short); queued ones not yet
  started stay recorded for the next start; the last batch is confirmed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable, Hashable

from aiogram import Bot, Dispatcher
from aiogram.dispatcher.middlewares.user_context import UserContextMiddleware
from aiogram.methods import GetUpdates
from aiogram.types import Update
from aiogram.utils.backoff import Backoff, BackoffConfig
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.platform.clock import Clock
from bot.telegram import ledger

log = logging.getLogger(__name__)
BACKOFF = BackoffConfig(min_delay=1.0, max_delay=30.0, factor=1.5, jitter=0.1)


def order_key(update: Update) -> Hashable:
    """Updates with the same key are handled one at a time, in order: one person in one chat."""
    ctx = UserContextMiddleware.resolve_event_context(update)
    if ctx.user_id is None and ctx.chat_id is None:
        return ("update", update.update_id)
    return (ctx.chat_id, ctx.user_id, ctx.thread_id)


class Poller:
    def __init__(self, dp: Dispatcher, bot: Bot, sessionmaker: async_sessionmaker, clock: Clock, *,
                 concurrency: int = 100, timeout: int = 25,
                 on_handled: Callable[[int], None] | None = None) -> None:
        self.dp, self.bot, self.sessionmaker, self.clock = dp, bot, sessionmaker, clock
        self.concurrency = concurrency
        self.timeout = timeout
        self.on_handled = on_handled
        self.max_in_hand = concurrency * 8
        self._slots = asyncio.Semaphore(concurrency)
        self._queues: dict[Hashable, deque[Update]] = {}
        self._workers: set[asyncio.Task] = set()
        self._known: set[int] = set()  # in hand: queued or being handled
        self._room = asyncio.Event()
        self._room.set()
        self._stopping = False
        self.handled = 0

    # ---- fetching ------------------------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        allowed = self.dp.resolve_used_update_types()
        await self._recover()
        backoff = Backoff(BACKOFF)
        offset: int | None = None
        confirmed: int | None = None
        while not stop.is_set():
            if not self._room.is_set() and await _unless_stopped(self._room.wait(), stop) is _STOPPED:
                break
            updates = await _unless_stopped(self.bot(GetUpdates(offset=offset, timeout=self.timeout,
                                                             allowed_updates=allowed),
                                                  request_timeout=self.timeout + 10), stop)
            if updates is _STOPPED:
                break
            if isinstance(updates, BaseException):
                delay = backoff.next_delay
                log.warning("getUpdates failed (%s); retrying in %.1fs", type(updates).__name__, delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
                continue
            backoff.reset()
            confirmed = offset
            if not updates:
                continue
            try:
                await self._record(updates)
            except Exception:  # not recorded, so not confirmed: fetch the same batch again
                log.exception("could not record %d updates; fetching them again", len(updates))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), backoff.next_delay)
                continue
            offset = updates[-1].update_id + 1
        await self._finish()
        if offset is not None and offset != confirmed:
            # Confirm the last recorded batch, so Telegram does not send it again.
            with contextlib.suppress(Exception):
                await self.bot(GetUpdates(offset=offset, timeout=0, limit=1, allowed_updates=allowed),
                               request_timeout=5)
        log.info("polling stopped (%d updates handled)", self.handled)

    async def _record(self, updates: list[Update]) -> None:
        now = self.clock.now()
        async with self.sessionmaker() as s:
            todo = await ledger.record(
                s, [(u.update_id, u.model_dump(mode="json", exclude_none=True)) for u in updates], now)
        for u in updates:
            if u.update_id in todo:
                self._schedule(u)
            elif u.update_id not in self._known:
                log.info("update %s already handled; skipped", u.update_id)
                self._done(u.update_id)

    async def _recover(self) -> None:
        async with self.sessionmaker() as s:
            rows = await ledger.pending(s)
        if rows:
            log.info("handling %d updates recorded before the last stop", len(rows))
        for _uid, payload in rows:
            self._schedule(Update.model_validate(payload, context={"bot": self.bot}))

    # ---- handling -------------------------------------------------------------------------------------------
    def _schedule(self, update: Update) -> None:
        if update.update_id in self._known:
            return
        self._known.add(update.update_id)
        if len(self._known) >= self.max_in_hand:
            self._room.clear()
        key = order_key(update)
        queue = self._queues.get(key)
        if queue is not None:
            queue.append(update)
            return
        queue = self._queues[key] = deque([update])
        task = asyncio.create_task(self._work(key, queue))
        self._workers.add(task)
        task.add_done_callback(self._workers.discard)

    async def _work(self, key: Hashable, queue: deque[Update]) -> None:
        try:
            while queue and not self._stopping:
                async with self._slots:
                    if self._stopping:
                        break
                    update = queue[0]
                    try:
                        await self.dp.feed_update(self.bot, update, ledger_checked=True)
                    except Exception:  # the error handler already answered; never let one update stop polling
                        log.exception("update %s failed outside the error handler", update.update_id)
                queue.popleft()
                self.handled += 1
                self._done(update.update_id)
        finally:
            if self._queues.get(key) is queue:
                del self._queues[key]

    def _done(self, update_id: int) -> None:
        self._known.discard(update_id)
        if len(self._known) < self.max_in_hand:
            self._room.set()
        if self.on_handled is not None:
            self.on_handled(update_id)

    async def _finish(self) -> None:
        """Let the updates being handled finish; queued ones stay recorded for the next start."""
        self._stopping = True
        if self._workers:
            await asyncio.gather(*list(self._workers), return_exceptions=True)
        left = len(self._known)
        if left:
            log.info("%d recorded updates left for the next start", left)


_STOPPED = object()


async def _unless_stopped(coro, stop: asyncio.Event):
    """Await `coro` (a network or backpressure wait) unless `stop` comes first: then it is cancelled and
    _STOPPED returned; an exception it raises is returned, not raised."""
    fetch = asyncio.ensure_future(coro)
    stopper = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait({fetch, stopper}, return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    if fetch not in done:
        fetch.cancel()
        with contextlib.suppress(BaseException):
            await fetch
        return _STOPPED
    try:
        return fetch.result()
    except Exception as e:
        return e


async def poll(dp: Dispatcher, bot: Bot, stop: asyncio.Event, *, timeout: int = 25,
               on_handled: Callable[[int], None] | None = None) -> None:
    """Poll until `stop` is set, with the dispatcher's settings (concurrency) and database."""
    settings = dp["settings"]
    await Poller(dp, bot, dp["sessionmaker"], dp["clock"], concurrency=settings.concurrency, timeout=timeout,
                 on_handled=on_handled).run(stop)

"""The background side of a bot process: the lease, the sender and the due-work sweep.

Every process runs this; only the one holding the lease sends and sweeps. APScheduler runs two fixed
interval jobs registered at start with explicit ids (`lease`, `sweep-due`); the sender is a long-lived
task that idles while this process is not the runner.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

# The features list names every capability's due-work modules (importing it registers their handlers).
import bot.features  # noqa: F401
from bot.app import App
from bot.platform import wake
from bot.platform.delivery.sender import Sender, SenderConfig
from bot.platform.scheduling.due import DueWorkRunner, Handler
from bot.platform.scheduling.lease import DbLease, Leadership, RedisLease
from bot.platform.scheduling.registry import HANDLERS, RECURRING

log = logging.getLogger(__name__)


class Background:
    def __init__(self, app: App, *, handlers: dict[str, Handler] | None = None,
                 sender_config: SenderConfig | None = None, lease_ttl: timedelta = timedelta(seconds=15),
                 tick_seconds: float = 5.0, sweep_seconds: float = 5.0, holder: str | None = None) -> None:
        self.app = app
        lease = (RedisLease(app.redis, app.settings.redis_prefix, ttl=lease_ttl, holder=holder)
                 if app.redis is not None else DbLease(app.sessionmaker, app.clock, ttl=lease_ttl, holder=holder))
        self.leadership = Leadership(lease)
        self.sender = Sender(app.bot, app.sessionmaker, app.clock, sender_config or SenderConfig(
            rate=app.settings.send_rate), on_migrate=self._group_migrated, budget=app.budget)
        self.runner = DueWorkRunner(app.sessionmaker, app.clock, handlers if handlers is not None else HANDLERS,
                                    admin_chat_ids=list(app.settings.admin_ids), locale=app.settings.default_locale,
                                    recurring={k: v for k, v in RECURRING.items()
                                               if handlers is None or k in handlers},
                                    tz=app.settings.tz)
        self.tick_seconds = tick_seconds
        self.sweep_seconds = sweep_seconds
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self._stop = asyncio.Event()
        self._sender_task: asyncio.Task | None = None
        self._sweep_lock = asyncio.Lock()
        self._wake_tasks: list[asyncio.Task] = []

    async def start(self) -> None:
        await self.leadership.tick()
        self.scheduler.add_job(self.leadership.tick, "interval", seconds=self.tick_seconds, id="lease",
                               max_instances=1, coalesce=True, replace_existing=True)
        self.scheduler.add_job(self.sweep, "interval", seconds=self.sweep_seconds, id="sweep-due",
                               max_instances=1, coalesce=True, replace_existing=True,
                               next_run_time=datetime.now(UTC))
        self.scheduler.add_job(self.retention, "interval", hours=1, id="retention", max_instances=1,
                               coalesce=True, replace_existing=True)
        self.scheduler.start()
        self._sender_task = asyncio.create_task(self._run_sender())
        hub = self.app.wakeups
        if hub is not None:
            self._wake_tasks = [asyncio.create_task(self._on_wake(hub, wake.DUE, self.sweep)),
                                asyncio.create_task(self._on_wake(hub, wake.SEND, self._wake_sender)),
                                asyncio.create_task(hub.listen(self._stop))]

    async def _on_wake(self, hub: wake.Wakeups, kind: str, act) -> None:
        """Work booked for now (here, or in another process with Redis): act at once, not at the next tick."""
        event = hub.events[kind]
        while not self._stop.is_set():
            await event.wait()
            event.clear()
            try:
                await act()
            except Exception:
                log.exception("acting on a wake-up failed; the periodic sweep carries on")

    async def _wake_sender(self) -> None:
        self.sender.wake()

    async def _group_migrated(self, old_chat_id: int, new_chat_id: int) -> None:
        from bot.notices.rules import group_migrated

        async with self.app.sessionmaker() as s:
            await group_migrated(s, old_chat_id, new_chat_id)

    async def _run_sender(self) -> None:
        while not self._stop.is_set():
            try:
                await self.sender.run(self._stop, is_leader=lambda: self.leadership.is_leader)
            except Exception:  # never let the sender die silently: log, wait, start again
                log.exception("sender crashed; restarting in 5 s")
                try:
                    await asyncio.wait_for(self._stop.wait(), 5)
                except TimeoutError:
                    pass

    async def sweep(self) -> None:
        if not self.leadership.is_leader:
            return
        async with self._sweep_lock:  # the periodic job and a wake-up never sweep at once
            report = await self.runner.sweep()
        if report.done or report.failed or report.retried or report.expired:
            log.info("due work: %s", report)
            self.sender.wake()

    async def retention(self) -> None:
        """Delete personal health data past its retention period, and the update ledger's old rows (only the
        runner does it)."""
        if not self.leadership.is_leader:
            return
        from bot.health.rules import purge_reports
        from bot.kernel import presses
        from bot.telegram import ledger

        async with self.app.sessionmaker() as s:
            await ledger.prune(s, self.app.clock.now())
            await presses.prune(s, self.app.clock.now())
            n = await purge_reports(s, self.app.clock.now(), self.app.settings.health_retention_days)
        if n:
            log.info("retention: %d health reports older than %d days deleted", n,
                     self.app.settings.health_retention_days)

    async def stop(self) -> None:
        self._stop.set()
        self.scheduler.shutdown(wait=False)
        for t in self._wake_tasks:
            t.cancel()
        await asyncio.gather(*self._wake_tasks, return_exceptions=True)
        if self._sender_task is not None:
            await self._sender_task
        await self.leadership.resign()

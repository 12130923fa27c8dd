"""Waking the runner when work is booked for now, instead of leaving it for the next sweep.

`schedule()` and `enqueue()` mark their session when what they add is due at once; when that session commits,
the process's `Wakeups` fires: the due-work sweep runs and the sender looks for new rows straight away (a red
alert's first copies, a reminder, a task offer). With Redis the wake-up is also published, so the process
holding the runner's lease hears it when another process (a webhook worker) booked the work. The periodic
sweep stays as the safety net: a lost wake-up only costs the old delay.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from datetime import datetime, timedelta

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

DUE, SEND = "due", "send"
SOON = timedelta(seconds=1)  # booked for no later than this: wake now rather than wait for the sweep


def mark(session, what: str, at: datetime | None, now: datetime) -> None:
    """Called by whoever adds due work or outbox rows to a transaction: wake `what` once it commits."""
    if at is None or at <= now + SOON:
        session.info.setdefault("wake", set()).add(what)


class Wakeups:
    """One per process: an event per kind of work, set locally and, with Redis, by other processes."""

    def __init__(self, redis=None, prefix: str = "cb") -> None:
        self.redis = redis
        self.channel = f"{prefix}:wake"
        self.events = {DUE: asyncio.Event(), SEND: asyncio.Event()}
        self._tasks: set[asyncio.Task] = set()

    def fire(self, kinds: set[str], *, publish: bool = True) -> None:
        for k in kinds:
            self.events[k].set()
        if publish and self.redis is not None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # a synchronous caller (a migration, a script): nobody to wake
                return
            task = loop.create_task(self._publish(",".join(sorted(kinds))))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        """Let the wake-ups still being published finish (before Redis is closed)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _publish(self, kinds: str) -> None:
        try:
            await self.redis.publish(self.channel, kinds)
        except Exception:  # the sweep is the safety net
            log.warning("could not publish a wake-up", exc_info=True)

    async def listen(self, stop: asyncio.Event) -> None:
        """Other processes' wake-ups (Redis only): set the local events until `stop`."""
        if self.redis is None:
            return
        while not stop.is_set():
            pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                while not stop.is_set():
                    msg = await pubsub.get_message(timeout=1.0)
                    if msg and msg.get("type") == "message":
                        data = msg["data"].decode() if isinstance(msg["data"], bytes) else str(msg["data"])
                        self.fire({k for k in data.split(",") if k in self.events}, publish=False)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("wake-up subscription lost; subscribing again in 1 s", exc_info=True)
                await asyncio.sleep(1.0)
            finally:
                try:
                    await pubsub.aclose()
                except Exception:
                    pass


_HUBS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # sync Engine -> set of Wakeups


def attach(engine, hub: Wakeups) -> None:
    """Sessions bound to this engine fire `hub` when a transaction that booked work for now commits."""
    _HUBS.setdefault(engine.sync_engine, set()).add(hub)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    kinds = session.info.pop("wake", None)
    if not kinds:
        return
    for hub in _HUBS.get(session.bind, ()):
        hub.fire(kinds)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop("wake", None)

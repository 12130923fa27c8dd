"""Event isolation: one person's updates (a user in a chat) are handled one at a time, in arrival order,
while other people's run in parallel.

In a process, a FIFO asyncio lock per key (freed when nobody holds or waits for it, so 10,000 residents do not
leave 10,000 locks behind); with Redis, a Redis lock per key is taken inside it as well, so two webhook
workers never run one person's updates at the same time. aiogram's FSM middleware takes it around every
update (the key is the conversation's StorageKey), before the conversation state is read.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager

from aiogram.fsm.storage.base import BaseEventIsolation, DefaultKeyBuilder, StorageKey
from redis.asyncio import Redis
from redis.asyncio.lock import Lock
from redis.exceptions import LockError

# A Redis lock expires this long after its holder stops renewing it (the process died), so after a crash a
# person waits seconds, not minutes; while held it is renewed every third of that.
REDIS_LOCK_TTL = 10.0


class KeyedLocks:
    """asyncio locks by key, created on demand and dropped when unused."""

    def __init__(self) -> None:
        self._locks: dict[object, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: object) -> AsyncGenerator[None, None]:
        lock, users = self._locks.get(key, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


class PersonIsolation(BaseEventIsolation):
    def __init__(self, redis: Redis | None = None, prefix: str = "cbot", *, ttl: float = REDIS_LOCK_TTL) -> None:
        self.local = KeyedLocks()
        self.redis = redis
        self.key_builder = DefaultKeyBuilder(prefix=f"{prefix}:fsm", with_destiny=True)
        self.ttl = ttl

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        async with self.local.hold(key):
            if self.redis is None:
                yield
                return
            lock = Lock(self.redis, self.key_builder.build(key, "lock"), timeout=self.ttl, sleep=0.02)
            await lock.acquire()
            renew = asyncio.create_task(self._renew(lock))
            try:
                yield
            finally:
                renew.cancel()
                with contextlib.suppress(LockError):  # it expired: renewals failed (Redis was away)
                    await lock.release()

    async def _renew(self, lock: Lock) -> None:
        while True:
            await asyncio.sleep(self.ttl / 3)
            await lock.reacquire()

    async def close(self) -> None:
        return None

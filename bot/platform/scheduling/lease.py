"""Exactly one process runs the sender and the sweeps: a renewed lease, taken over when it lapses.

Redis (`SET NX PX`, renewed and released only by its holder) when REDIS_URL is set; otherwise a row
in the database (works for several processes on one PostgreSQL, or on one SQLite file). A holder that
dies stops renewing, and another process takes over within one lease time (default 15 s).
"""

from __future__ import annotations

import logging
import secrets
import socket
from datetime import timedelta
from typing import Protocol

from redis.asyncio import Redis
from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.platform.clock import Clock
from models import RunnerLease

log = logging.getLogger(__name__)


def holder_id() -> str:
    return f"{socket.gethostname()[:40]}:{secrets.token_hex(6)}"


class Lease(Protocol):
    holder: str

    async def acquire_or_renew(self) -> bool: ...
    async def release(self) -> None: ...


class DbLease:
    def __init__(self, sessionmaker: async_sessionmaker, clock: Clock, name: str = "runner",
                 ttl: timedelta = timedelta(seconds=15), holder: str | None = None) -> None:
        self.sessionmaker = sessionmaker
        self.clock = clock
        self.name = name
        self.ttl = ttl
        self.holder = holder or holder_id()

    async def acquire_or_renew(self) -> bool:
        now = self.clock.now()
        async with self.sessionmaker() as s:
            res = await s.exec(update(RunnerLease).where(
                RunnerLease.name == self.name,
                or_(RunnerLease.holder == self.holder, RunnerLease.expires_at <= now),
            ).values(holder=self.holder, expires_at=now + self.ttl))
            await s.commit()
            if res.rowcount == 1:
                return True
            s.add(RunnerLease(name=self.name, holder=self.holder, expires_at=now + self.ttl))
            try:
                await s.commit()
                return True
            except IntegrityError:  # someone else holds it
                await s.rollback()
                return False

    async def release(self) -> None:
        async with self.sessionmaker() as s:
            await s.exec(update(RunnerLease).where(RunnerLease.name == self.name, RunnerLease.holder == self.holder)
                         .values(expires_at=self.clock.now()))
            await s.commit()


_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
elseif redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return 1
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class RedisLease:
    def __init__(self, redis: Redis, prefix: str, name: str = "runner",
                 ttl: timedelta = timedelta(seconds=15), holder: str | None = None) -> None:
        self.redis = redis
        self.key = f"{prefix}:lease:{name}"
        self.ttl_ms = int(ttl.total_seconds() * 1000)
        self.holder = holder or holder_id()

    async def acquire_or_renew(self) -> bool:
        return bool(await self.redis.eval(_RENEW, 1, self.key, self.holder, self.ttl_ms))

    async def release(self) -> None:
        await self.redis.eval(_RELEASE, 1, self.key, self.holder)


class Leadership:
    """Tracks whether this process holds the lease; `tick()` is called every few seconds."""

    def __init__(self, lease: Lease) -> None:
        self.lease = lease
        self.is_leader = False

    async def tick(self) -> bool:
        try:
            held = await self.lease.acquire_or_renew()
        except Exception:  # the store is unreachable: stop acting until we know again
            log.exception("lease renewal failed")
            held = False
        if held != self.is_leader:
            log.info("this process %s the runner (sender and sweeps)", "is now" if held else "is no longer")
        self.is_leader = held
        return held

    async def resign(self) -> None:
        if self.is_leader:
            self.is_leader = False
            await self.lease.release()

"""Handle each update_id once, also when Telegram (or a webhook retry) delivers it again.

An update is claimed as "processing" for a short lease before its handler runs and marked "done"
after. A redelivery of a done update, or one still being processed, is skipped. If the process
dies mid-update the lease expires and a redelivery is handled (at-least-once; business actions
carry natural keys so that is safe). If the handler fails, the claim is dropped so a retry can
run it again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, Protocol

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from redis.asyncio import Redis
from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.scheduling.clock import Clock
from models import ProcessedUpdate

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=2)
KEEP = timedelta(days=2)


class UpdateLedger(Protocol):
    async def begin(self, update_id: int) -> bool: ...
    async def done(self, update_id: int) -> None: ...
    async def abandon(self, update_id: int) -> None: ...


class RedisLedger:
    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix

    def _key(self, update_id: int) -> str:
        return f"{self.prefix}:upd:{update_id}"

    async def begin(self, update_id: int) -> bool:
        return bool(await self.redis.set(self._key(update_id), "processing", nx=True,
                                         ex=int(LEASE.total_seconds())))

    async def done(self, update_id: int) -> None:
        await self.redis.set(self._key(update_id), "done", ex=int(KEEP.total_seconds()))

    async def abandon(self, update_id: int) -> None:
        await self.redis.delete(self._key(update_id))


class DbLedger:
    def __init__(self, sessionmaker: async_sessionmaker, clock: Clock) -> None:
        self.sessionmaker = sessionmaker
        self.clock = clock
        self._last_prune = 0.0

    async def begin(self, update_id: int) -> bool:
        now = self.clock.now()
        async with self.sessionmaker() as s:
            s.add(ProcessedUpdate(update_id=update_id, status="processing", at=now))
            try:
                await s.commit()
                claimed = True
            except IntegrityError:
                await s.rollback()
                # Take over a lease left behind by a process that died mid-update.
                res = await s.exec(update(ProcessedUpdate).where(
                    ProcessedUpdate.update_id == update_id, ProcessedUpdate.status == "processing",
                    ProcessedUpdate.at < now - LEASE).values(at=now))
                await s.commit()
                claimed = res.rowcount == 1
            if time.monotonic() - self._last_prune > 3600:
                self._last_prune = time.monotonic()
                await s.exec(delete(ProcessedUpdate).where(ProcessedUpdate.at < now - KEEP))
                await s.commit()
        return claimed

    async def done(self, update_id: int) -> None:
        async with self.sessionmaker() as s:
            await s.exec(update(ProcessedUpdate).where(ProcessedUpdate.update_id == update_id)
                         .values(status="done", at=self.clock.now()))
            await s.commit()

    async def abandon(self, update_id: int) -> None:
        async with self.sessionmaker() as s:
            await s.exec(delete(ProcessedUpdate).where(ProcessedUpdate.update_id == update_id))
            await s.commit()


class DedupMiddleware(BaseMiddleware):
    def __init__(self, ledger: UpdateLedger) -> None:
        self.ledger = ledger

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, Update):
            return await handler(event, data)
        if not await self.ledger.begin(event.update_id):
            log.info("update %s already handled; skipped", event.update_id)
            return None
        try:
            result = await handler(event, data)
        except BaseException:
            await self.ledger.abandon(event.update_id)
            raise
        await self.ledger.done(event.update_id)
        return result

"""Conversation (FSM) state in the database, used when REDIS_URL is not set.

State survives a restart with SQLite or PostgreSQL alone. Without Redis the bot runs as one process, and one
person's updates are handled one at a time (`bot.telegram.isolation`), so this process is the only writer of a key:
reads are served from a write-through cache (bounded, least recently used out), and a write that changes
nothing is skipped. During an update, writes join the update's own transaction (`bot.platform.db.update_session`), so
they commit with it and never wait on it for SQLite's one write lock; outside an update they commit alone.
With several processes use Redis.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StateType, StorageKey
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.platform.clock import Clock
from bot.platform.db import update_session
from bot.telegram.ledger import ON_ROLLBACK
from models import FsmRecord

Entry = tuple[str | None, dict[str, Any]]


class SQLStorage(BaseStorage):
    def __init__(self, sessionmaker: async_sessionmaker, clock: Clock | None = None, *,
                 cache_size: int = 20_000) -> None:
        self.sessionmaker = sessionmaker
        self.clock = clock or Clock()
        self.key_builder = DefaultKeyBuilder(with_destiny=True)
        self.cache_size = cache_size
        self._cache: OrderedDict[str, Entry] = OrderedDict()

    def _key(self, key: StorageKey) -> str:
        return self.key_builder.build(key)

    def _remember(self, k: str, entry: Entry) -> None:
        self._cache[k] = entry
        self._cache.move_to_end(k)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)

    async def _get(self, key: StorageKey) -> Entry:
        k = self._key(key)
        entry = self._cache.get(k)
        if entry is None:
            session = update_session.get()
            if session is not None:
                rec = await session.get(FsmRecord, k)
            else:
                async with self.sessionmaker() as s:
                    rec = await s.get(FsmRecord, k)
            entry = (rec.state, dict(rec.data or {})) if rec is not None else (None, {})
        self._remember(k, entry)
        return entry

    async def _put(self, key: StorageKey, state: str | None, data: dict[str, Any]) -> None:
        k = self._key(key)
        if await self._get(key) == (state, data):
            return
        session = update_session.get()
        if session is not None:
            await self._write(session, k, state, data)
            # Should the update's transaction be rolled back, the cached value is no longer true.
            session.info.setdefault(ON_ROLLBACK, []).append(lambda: self._cache.pop(k, None))
        else:
            async with self.sessionmaker() as s:
                await self._write(s, k, state, data)
                await s.commit()
        self._remember(k, (state, copy.deepcopy(data)))

    async def _write(self, s: AsyncSession, k: str, state: str | None, data: dict[str, Any]) -> None:
        rec = await s.get(FsmRecord, k)
        if state is None and not data:
            if rec is not None:
                await s.delete(rec)
        elif rec is None:
            s.add(FsmRecord(key=k, state=state, data=copy.deepcopy(data), updated_at=self.clock.now()))
        else:
            rec.state, rec.data, rec.updated_at = state, copy.deepcopy(data), self.clock.now()
        await s.flush()

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        _old, data = await self._get(key)
        await self._put(key, value, data)

    async def get_state(self, key: StorageKey) -> str | None:
        return (await self._get(key))[0]

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        state, _old = await self._get(key)
        await self._put(key, state, dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        return copy.deepcopy((await self._get(key))[1])

    async def close(self) -> None:
        self._cache.clear()

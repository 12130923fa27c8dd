"""Conversation (FSM) state in the database, used when REDIS_URL is not set.

State survives a restart with SQLite or PostgreSQL alone; with several processes use Redis.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StateType, StorageKey
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.scheduling.clock import Clock
from models import FsmRecord


class SQLStorage(BaseStorage):
    def __init__(self, sessionmaker: async_sessionmaker, clock: Clock | None = None) -> None:
        self.sessionmaker = sessionmaker
        self.clock = clock or Clock()
        self.key_builder = DefaultKeyBuilder(with_destiny=True)

    def _key(self, key: StorageKey) -> str:
        return self.key_builder.build(key)

    async def _load(self, key: StorageKey) -> FsmRecord | None:
        async with self.sessionmaker() as s:
            return await s.get(FsmRecord, self._key(key))

    async def _save(self, key: StorageKey, **values: Any) -> None:
        k = self._key(key)
        async with self.sessionmaker() as s:
            rec = await s.get(FsmRecord, k)
            state = values.get("state", rec.state if rec else None)
            data = values.get("data", rec.data if rec else {})
            if state is None and not data:
                if rec is not None:
                    await s.delete(rec)
            elif rec is None:
                s.add(FsmRecord(key=k, state=state, data=data, updated_at=self.clock.now()))
            else:
                rec.state, rec.data, rec.updated_at = state, data, self.clock.now()
            await s.commit()

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._save(key, state=value)

    async def get_state(self, key: StorageKey) -> str | None:
        rec = await self._load(key)
        return rec.state if rec else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._save(key, data=dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        rec = await self._load(key)
        return dict(rec.data) if rec and rec.data else {}

    async def close(self) -> None:
        return None

"""If handling an update fails, put the conversation back where it was before that update.

The person then sees an error message and can repeat the step: nothing already entered is lost and
the state never runs ahead of what they were shown. The original state is read only when the handler
first writes to it (copy-on-write), so updates that do not touch the state cost nothing extra.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import TelegramObject

_UNSET = object()


class JournaledFSMContext(FSMContext):
    def __init__(self, storage: Any, key: Any) -> None:
        super().__init__(storage=storage, key=key)
        self._original: Any = _UNSET

    async def _remember(self) -> None:
        if self._original is _UNSET:
            self._original = (await super().get_state(), await super().get_data())

    async def set_state(self, state: str | State | None = None) -> None:
        await self._remember()
        await super().set_state(state)

    async def set_data(self, data: Any) -> None:
        await self._remember()
        await super().set_data(data)

    async def update_data(self, data: Any = None, **kwargs: Any) -> dict[str, Any]:
        await self._remember()
        return await super().update_data(data, **kwargs)

    async def clear(self) -> None:
        await self._remember()
        await super().clear()

    async def rollback(self) -> None:
        if self._original is not _UNSET:
            state, data = self._original
            await super().set_state(state)
            await super().set_data(data)


class FsmJournalMiddleware(BaseMiddleware):
    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        ctx: FSMContext | None = data.get("state")
        if ctx is None:
            return await handler(event, data)
        journaled = JournaledFSMContext(ctx.storage, ctx.key)
        data["state"] = journaled
        try:
            return await handler(event, data)
        except Exception:
            await journaled.rollback()
            raise

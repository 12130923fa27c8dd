from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User

from bot.access.rules import person_and_actor
from bot.kernel.permissions import Actor


class PersonMiddleware(BaseMiddleware):
    """Loads the person behind the update, with their roles, once per update."""

    def __init__(self, superadmin_ids: set[int]) -> None:
        self.superadmin_ids = superadmin_ids

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        session = data["session"]
        user: User | None = data.get("event_from_user")
        person, actor = None, Actor(person_id=None)
        if user is not None and not user.is_bot:
            person, actor = await person_and_actor(session, user.id, self.superadmin_ids)
            if person is not None and person.unreachable_since is not None:
                person.unreachable_since = None  # they wrote to us: reachable again (saved with the update)
        data["person"] = person
        # A plain copy: the error handler runs after the session is gone, and must not touch ORM objects.
        data["person_locale"] = person.locale if person is not None else None
        data["actor"] = actor
        return await handler(event, data)

"""Per-user flood control (the `limits` library: moving window, in memory or in Redis)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject, Update, User
from limits import RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter

from bot.i18n import get_i18n, translate
from bot.services.locale import locale_from_language_code

log = logging.getLogger(__name__)


def make_limits_storage(redis_url: str | None, prefix: str) -> Storage:
    if redis_url:
        uri = "async+" + redis_url if redis_url.startswith("redis") else redis_url
        return RedisStorage(uri, implementation="redispy", key_prefix=f"{prefix}:flood")
    return MemoryStorage()


class ThrottlingMiddleware(BaseMiddleware):
    def __init__(self, storage: Storage, limit: int, window_seconds: int, default_locale: str) -> None:
        self.limiter = SlidingWindowCounterRateLimiter(storage)
        self.item = RateLimitItemPerSecond(limit, window_seconds)
        self.warn_item = RateLimitItemPerSecond(1, window_seconds)
        self.default_locale = default_locale

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None or not isinstance(event, Update):
            return await handler(event, data)
        if await self.limiter.hit(self.item, "u", str(user.id)):
            return await handler(event, data)
        log.info("flood control: update %s dropped", event.update_id)
        if await self.limiter.hit(self.warn_item, "w", str(user.id)):
            locale = locale_from_language_code(user.language_code, self.default_locale)
            get_i18n()
            text = translate(locale, "You are sending messages very fast. Please wait a few seconds, "
                                     "then try again.")
            inner = event.event
            if isinstance(inner, CallbackQuery):
                await inner.answer(text, show_alert=True)
            elif isinstance(inner, Message) and inner.chat.type == "private":
                await inner.answer(text)
        return None

"""Per-user flood control: a burst of `FLOOD_LIMIT` updates, then at most that many per window; beyond it
updates are dropped with one polite warning per window.

In one process: a leaky bucket per person (aiolimiter), the least recently seen forgotten past 100,000 people;
checking costs a dictionary lookup. With Redis (several processes): the `limits` library's sliding-window
counter in Redis. (`limits`' in-memory storage is not used: it sweeps every person's entry, through a thread
hop each, on every hit, which under a burst of thousands of residents cost more than handling the updates.)
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject, Update, User
from aiolimiter import AsyncLimiter
from limits import RateLimitItemPerSecond
from limits.aio.storage import RedisStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter

from bot.kernel.locale import locale_from_language_code
from bot.platform.i18n import get_i18n, translate

log = logging.getLogger(__name__)


class Flood(Protocol):
    async def allow(self, kind: str, key: str) -> bool: ...


class MemoryFlood:
    def __init__(self, limit: int, window_seconds: int, *, remember: int = 100_000) -> None:
        self.rates = {"u": (limit, window_seconds), "w": (1, window_seconds)}
        self.remember = remember
        self._buckets: OrderedDict[tuple[str, str], AsyncLimiter] = OrderedDict()

    async def allow(self, kind: str, key: str) -> bool:
        bucket = self._buckets.get((kind, key))
        if bucket is None:
            bucket = self._buckets[(kind, key)] = AsyncLimiter(*self.rates[kind])
            if len(self._buckets) > self.remember:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end((kind, key))
        if not bucket.has_capacity():
            return False
        await bucket.acquire()  # has capacity: returns at once
        return True


class RedisFlood:
    def __init__(self, redis_url: str, prefix: str, limit: int, window_seconds: int) -> None:
        uri = "async+" + redis_url if redis_url.startswith("redis") else redis_url
        self.limiter = SlidingWindowCounterRateLimiter(
            RedisStorage(uri, implementation="redispy", key_prefix=f"{prefix}:flood"))
        self.items = {"u": RateLimitItemPerSecond(limit, window_seconds),
                      "w": RateLimitItemPerSecond(1, window_seconds)}

    async def allow(self, kind: str, key: str) -> bool:
        return await self.limiter.hit(self.items[kind], kind, key)


def make_flood(redis_url: str | None, prefix: str, limit: int, window_seconds: int) -> Flood:
    if redis_url:
        return RedisFlood(redis_url, prefix, limit, window_seconds)
    return MemoryFlood(limit, window_seconds)


class ThrottlingMiddleware(BaseMiddleware):
    def __init__(self, flood: Flood, default_locale: str) -> None:
        self.flood = flood
        self.default_locale = default_locale

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None or not isinstance(event, Update):
            return await handler(event, data)
        if await self.flood.allow("u", str(user.id)):
            return await handler(event, data)
        log.info("flood control: update %s dropped", event.update_id)
        if await self.flood.allow("w", str(user.id)):
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

"""Two request middlewares on the bot's session: commit the update's transaction before every request to
Telegram, and keep aiogram's response types alive.

Nothing reaches Telegram before what it reports is durable ("Saved" is said only after the report is
committed), and no database connection or SQLite write lock is held while a request takes its round trip
(tens to hundreds of milliseconds): with many updates handled at once, that is what keeps the pool free and
SQLite's one writer moving. Requests made outside an update (the sender, start-up) are untouched.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType

from bot.platform.db import TOLD_TELEGRAM, update_session


class CommitBeforeTelegram(BaseRequestMiddleware):
    async def __call__(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                       method: TelegramMethod[TelegramType]) -> Response[TelegramType]:
        session: Any = update_session.get()
        if session is not None:
            session.info[TOLD_TELEGRAM] = True
            if session.in_transaction():
                await session.commit()
        return await make_request(bot, method)


class KeepResponseTypes(BaseRequestMiddleware):
    """aiogram parses every answer with `Response[method.__returning__]`, a pydantic generic class that pydantic
    caches only weakly: once the garbage collector drops it, the next request builds it again, which costs
    milliseconds (in the one-tap check-in burst, half of all requests did, at about 7 ms each). Holding each
    one after its first use makes every later request find it."""

    def __init__(self) -> None:
        self.kept: dict[Any, type] = {}

    async def __call__(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                       method: TelegramMethod[TelegramType]) -> Response[TelegramType]:
        returning = method.__returning__
        if returning not in self.kept:
            self.kept[returning] = Response[returning]
        return await make_request(bot, method)

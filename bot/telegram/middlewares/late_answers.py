"""A callback query's answer that Telegram refuses as too late is not a failure of the update.

Telegram accepts the answer to a button press only for a short while (seconds) and only once. An update
handled late — deep in a burst of thousands, or run again after a crash because it had stored nothing yet —
may find its answer refused with "query is too old … or query ID is invalid". The answer only stops the
button's spinner; what the press does (store the report, send "Saved") must still happen, so the refusal is
logged and the handler carries on. Handlers still answer each query exactly once: the flow tests fail on any
refused answer (tests/conftest.py).
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from typing import Any, cast

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import AnswerCallbackQuery, TelegramMethod
from aiogram.methods.base import Response, TelegramType

log = logging.getLogger(__name__)

# The callback query this task last answered (ids are unique per press): the error handler, finding the press
# already answered, tells the person in the chat instead (a second answer would be refused).
answered_query: ContextVar[str | None] = ContextVar("answered_query", default=None)

TOO_LATE = ("query is too old", "query id is invalid")


class ToleratePastAnswers(BaseRequestMiddleware):
    async def __call__(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                       method: TelegramMethod[TelegramType]) -> Response[TelegramType]:
        try:
            result = await make_request(bot, method)
        except TelegramBadRequest as e:
            if not isinstance(method, AnswerCallbackQuery) or not any(t in e.message.lower() for t in TOO_LATE):
                raise
            log.warning("callback answer refused as too late (%s); carrying on", e.message)
            result = True
        if isinstance(method, AnswerCallbackQuery):
            answered_query.set(method.callback_query_id)
        return cast(Any, result)

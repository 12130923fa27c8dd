"""Unexpected errors: log with an id (no personal data), tell the person, keep their conversation state."""

from __future__ import annotations

import logging
import secrets

from aiogram.exceptions import TelegramAPIError
from aiogram.types import ErrorEvent

from bot.platform.i18n import _
from bot.telegram.middlewares.late_answers import answered_query

log = logging.getLogger("bot.errors")


async def on_error(event: ErrorEvent) -> bool:
    error_id = secrets.token_hex(4)
    exc = event.exception
    log.error("error %s while handling update %s: %s", error_id, event.update.update_id, type(exc).__name__,
              exc_info=(type(exc), exc, exc.__traceback__))
    text = _("Sorry, something went wrong on our side (error {id}). What you entered so far is kept: "
             "please try again in a moment.").format(id=error_id)
    try:
        query = event.update.callback_query
        if query is not None and answered_query.get() != query.id:
            await query.answer(text, show_alert=True)
        elif query is not None:  # the press was answered already: a second answer would be refused
            await query.bot.send_message(query.from_user.id, text)
        elif event.update.message is not None and event.update.message.chat.type == "private":
            await event.update.message.answer(text)
    except TelegramAPIError:
        log.warning("could not tell the person about error %s", error_id)
    return True

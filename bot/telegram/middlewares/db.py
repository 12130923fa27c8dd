"""One database session per update, which is also where the update is recorded as handled.

Handlers and services receive it as `session`. A redelivered update (a webhook retry, or Telegram sending it
again) that was already handled is skipped here (polling has already filtered its batch against the ledger
and says so with `ledger_checked`). The session's first commit that changes anything marks the update done
in the same transaction (`bot.telegram.ledger.LedgerSession`); an update that changes nothing is marked when it ends;
one whose handler failed is marked failed (the error handler tells the person) so it is not run again. An
update whose database connection turned out to be dead (the database restarted; the pool does not ping
connections before use, see bot/platform/db.py) is run once more on a fresh one, if it had not yet called Telegram.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.platform.clock import Clock
from bot.platform.db import TOLD_TELEGRAM, is_dead_connection, update_session
from bot.telegram import ledger

log = logging.getLogger(__name__)


class UpdateSessionMiddleware(BaseMiddleware):
    def __init__(self, sessionmaker: async_sessionmaker, clock: Clock) -> None:
        self.sessionmaker = sessionmaker
        self.clock = clock

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        try:
            return await self._once(handler, event, dict(data), last=False)
        except _DeadConnection:
            log.warning("update %s found a closed database connection; running it again", event.update_id)
            return await self._once(handler, event, dict(data), last=True)

    async def _once(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                    event: Update, data: dict[str, Any], *, last: bool) -> Any:
        async with self.sessionmaker() as session:
            token = update_session.set(session)
            try:
                ledger.begin_update(session, event.update_id, self.clock)
                if not data.get("ledger_checked") and await ledger.handled(session, event.update_id):
                    log.info("update %s already handled; skipped", event.update_id)
                    return None
                data["session"] = session
                result = await handler(event, data)
                await ledger.finish(session)
            except Exception as e:
                await session.rollback()
                if not last and is_dead_connection(e) and not session.info.get(TOLD_TELEGRAM):
                    # Nothing was stored and nobody was told: the pool is fresh now, so run it once more.
                    raise _DeadConnection from e
                try:
                    await ledger.finish(session, ledger.FAILED)
                except Exception:  # the database itself is failing: the update stays unmarked, to be run again
                    log.exception("update %s could not be marked failed", event.update_id)
                    await session.rollback()
                raise
            except BaseException:
                await session.rollback()
                raise
            finally:
                update_session.reset(token)
            return result


class _DeadConnection(Exception):
    """The update's first attempt found a database connection closed before it told Telegram anything."""

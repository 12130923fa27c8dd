"""Long polling that never loses or cuts short an update.

aiogram's own `start_polling` cancels its polling task on shutdown; with sequential handling that
would cancel a handler in the middle of an update. This loop only ever interrupts the *network wait*:
an update in hand is always handled to the end. Updates are handled one after another and confirmed
to Telegram (the next getUpdates offset) only after they have been handled, so a crash never loses
one; on a clean stop the handled ones are confirmed before exit and the rest are left for next time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiogram import Bot, Dispatcher
from aiogram.methods import GetUpdates
from aiogram.utils.backoff import Backoff, BackoffConfig

log = logging.getLogger(__name__)
BACKOFF = BackoffConfig(min_delay=1.0, max_delay=30.0, factor=1.5, jitter=0.1)


async def poll(dp: Dispatcher, bot: Bot, stop: asyncio.Event, *, timeout: int = 25) -> None:
    allowed = dp.resolve_used_update_types()
    backoff = Backoff(BACKOFF)
    offset: int | None = None
    handled_since_fetch = False
    while not stop.is_set():
        fetch = asyncio.create_task(bot(GetUpdates(offset=offset, timeout=timeout, allowed_updates=allowed),
                                        request_timeout=timeout + 10))
        stopper = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({fetch, stopper}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        if fetch not in done:
            fetch.cancel()
            with contextlib.suppress(BaseException):
                await fetch
            break
        try:
            updates = fetch.result()
        except Exception as e:
            delay = backoff.next_delay
            log.warning("getUpdates failed (%s); retrying in %.1fs", type(e).__name__, delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            continue
        backoff.reset()
        handled_since_fetch = False
        for update in updates:
            try:
                await dp.feed_update(bot, update)
            except Exception:  # the error handler already answered; never let one update stop polling
                log.exception("update %s failed outside the error handler", update.update_id)
            offset = update.update_id + 1
            handled_since_fetch = True
            if stop.is_set():
                break  # the rest stay unconfirmed: Telegram sends them again after restart
    if handled_since_fetch and offset is not None:
        # Confirm what was handled since the last fetch, so it is not delivered again.
        with contextlib.suppress(Exception):
            await bot(GetUpdates(offset=offset, timeout=0, limit=1, allowed_updates=allowed), request_timeout=5)
    log.info("polling stopped")

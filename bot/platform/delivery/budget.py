"""Telegram's "about 30 messages per second" for the whole bot, shared by the sender and direct replies.

The sender paces its pushes with a token bucket at `SEND_RATE` (a small burst lets it make up a short stall
instead of losing the slot) and, before each push, asks this budget, which counts the replies handlers send
meanwhile (a request middleware on the bot's session): the sender leaves room for them, they never wait for
it (a person's answer comes first).

A message is counted from the moment its request is on the wire (an aiohttp trace hook stamps it), not from
the moment it was decided: under load the event loop can hold a request back for tens of milliseconds after
the decision, and counting from the decision let two such requests land in one second at Telegram's end with
thirty others (measured: one 429 in a thousand pushes while residents were writing). Until its request has
been answered a message stays counted whatever its stamp.
"""

from __future__ import annotations

import asyncio
import logging
import time
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiohttp import TraceConfig

log = logging.getLogger(__name__)

TELEGRAM_PER_SECOND = 30
RETRY_REPLY_WITHIN = 5  # seconds: a reply refused with a longer wait is not tried again here
# Methods that put a new message in a chat (what Telegram's broadcast limit counts); edits and callback
# answers are not messages.
MESSAGE_METHODS = frozenset({
    "sendMessage", "sendPhoto", "sendDocument", "sendVideo", "sendAudio", "sendVoice", "sendAnimation",
    "sendVideoNote", "sendSticker", "sendLocation", "sendVenue", "sendContact", "sendPoll", "sendDice",
    "sendMediaGroup", "copyMessage", "copyMessages", "forwardMessage", "forwardMessages"})


@dataclass(eq=False)
class Slot:
    """One message in the window: `at` is when its request went on the wire (until then, when it was
    decided); `open` while its request is not yet answered."""

    at: float
    reply: bool = False
    open: bool = True


# The slot of the request this task is making: set by the sender for its pushes (so the middleware does not
# count them again) and by the middleware for replies; the trace hook stamps it.
current_slot: ContextVar[Slot | None] = ContextVar("current_slot", default=None)


class SendBudget:
    """A sliding one-second window of the messages this process sent, and of the replies among them.

    The sender may push while what went out in the last second, plus as many replies again as went out in it
    (the replies to come, forecast from the last second's), stays under `cap`. At a steady d replies a second
    the sender leaves 2d of room and d of it stays free for a reply arriving faster than the last second's; at
    none it uses all of `cap` (Telegram's 30 less one, for a reply that arrives out of the blue).
    """

    def __init__(self, per_second: int = TELEGRAM_PER_SECOND, headroom: int = 1) -> None:
        self.cap = per_second - headroom
        self.slots: list[Slot] = []
        self.direct = 0  # replies counted (for the benchmark and the logs)

    def _live(self, now: float) -> list[Slot]:
        self.slots = [s for s in self.slots if s.open or s.at > now - 1.0]
        return self.slots

    def note(self, now: float | None = None) -> Slot:
        """A reply is going out: it never waits, it only takes its place."""
        slot = Slot(time.monotonic() if now is None else now, reply=True)
        self.slots.append(slot)
        self.direct += 1
        return slot

    def wait(self, now: float | None = None) -> float:
        """Seconds until the sender may push one more (0: now)."""
        now = time.monotonic() if now is None else now
        live = self._live(now)
        if len(live) + sum(1 for s in live if s.reply) < self.cap:
            return 0.0
        closing = [s.at + 1.0 - now for s in live if not s.open]  # look again when the first one leaves
        return max(min(closing, default=0.01), 0.0) + 0.001

    def take(self, now: float | None = None) -> Slot:
        slot = Slot(time.monotonic() if now is None else now)
        self.slots.append(slot)
        return slot

    def forget(self, slot: Slot | None) -> None:
        """A push Telegram refused without delivering (403, 429), or not made after all: it was no message."""
        if slot is not None and slot in self.slots:
            self.slots.remove(slot)

    async def acquire(self) -> Slot:
        """The sender's turn: wait until the window has room (replies may take some meanwhile), then take it."""
        while (delay := self.wait()) > 0:  # noqa: ASYNC110 - the window empties with time, nothing signals it
            await asyncio.sleep(delay)
        return self.take()


async def _on_the_wire(_session: Any, _ctx: Any, _params: Any) -> None:
    slot = current_slot.get()
    if slot is not None and slot.open:
        slot.at = time.monotonic()


def wire_trace() -> TraceConfig:
    """For the bot's aiohttp session: stamps the current slot when the request's headers are sent."""
    trace = TraceConfig()
    trace.on_request_headers_sent.append(_on_the_wire)
    return trace


class CountSends(BaseRequestMiddleware):
    """Counts the messages handlers send (replies) in the process's budget."""

    def __init__(self, budget: SendBudget) -> None:
        self.budget = budget

    async def __call__(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                       method: TelegramMethod[TelegramType]) -> Response[TelegramType]:
        name: Any = getattr(method, "__api_method__", "")
        if name not in MESSAGE_METHODS or current_slot.get() is not None:  # not a message, or the sender's
            return await make_request(bot, method)
        try:
            return await self._once(make_request, bot, method)
        except TelegramRetryAfter as e:
            # The safety net: replies from several people landing in one already full second. Telegram sent
            # nothing; the person gets the reply a moment later rather than not at all.
            if e.retry_after > RETRY_REPLY_WITHIN:
                raise
            log.warning("429 on a reply: sending it again in %ss", e.retry_after)
            await asyncio.sleep(e.retry_after)
            return await self._once(make_request, bot, method)

    async def _once(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                    method: TelegramMethod[TelegramType]) -> Response[TelegramType]:
        slot = self.budget.note()
        token = current_slot.set(slot)
        try:
            return await make_request(bot, method)
        except TelegramRetryAfter:
            self.budget.forget(slot)  # refused, not delivered: no message (as the sender does for its pushes)
            raise
        finally:
            slot.open = False
            current_slot.reset(token)

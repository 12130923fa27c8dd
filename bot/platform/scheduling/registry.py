"""Where capabilities register what to do when their due work comes due: `@due_handler("kind")`; and work that
comes back on a calendar (`@recurring("kind", next_at)`: the runner keeps the next occurrence booked as a row,
so a restart neither skips nor repeats one)."""

from __future__ import annotations

from collections.abc import Callable

from bot.platform.scheduling.due import Handler, NextAt

HANDLERS: dict[str, Handler] = {}
RECURRING: dict[str, NextAt] = {}


def due_handler(kind: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        if kind in HANDLERS and HANDLERS[kind] is not fn:
            raise ValueError(f"two handlers for due work {kind!r}")
        HANDLERS[kind] = fn
        return fn

    return register


def recurring(kind: str, next_at: NextAt) -> Callable[[Handler], Handler]:
    """A handler for work that recurs: `next_at(now, tz)` gives the next occurrence strictly after `now` (in the
    deployment's time zone), which the due-work runner keeps booked."""
    def register(fn: Handler) -> Handler:
        due_handler(kind)(fn)
        RECURRING[kind] = next_at
        return fn

    return register

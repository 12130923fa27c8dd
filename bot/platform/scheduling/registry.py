"""Where capabilities register what to do when their due work comes due: `@due_handler("kind")`."""

from __future__ import annotations

from collections.abc import Callable

from bot.platform.scheduling.due import Handler

HANDLERS: dict[str, Handler] = {}


def due_handler(kind: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        if kind in HANDLERS and HANDLERS[kind] is not fn:
            raise ValueError(f"two handlers for due work {kind!r}")
        HANDLERS[kind] = fn
        return fn

    return register

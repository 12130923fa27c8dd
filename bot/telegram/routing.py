"""Router templates: handler modules declare handlers with the usual decorators, and every Dispatcher
gets a fresh aiogram Router built from them (aiogram attaches a Router to one parent only, and tests and
benchmarks build many dispatchers in one process)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram import Router


class _Observer:
    def __init__(self) -> None:
        self.filters: list[Any] = []
        self.handlers: list[tuple[Callable, tuple, dict]] = []

    def filter(self, *filters: Any) -> None:
        self.filters.extend(filters)

    def __call__(self, *filters: Any, **kwargs: Any) -> Callable[[Callable], Callable]:
        def wrap(fn: Callable) -> Callable:
            self.handlers.append((fn, filters, kwargs))
            return fn

        return wrap


class RouterTemplate:
    EVENTS = ("message", "callback_query", "my_chat_member", "chat_member", "edited_message")

    def __init__(self, name: str) -> None:
        self.name = name
        for event in self.EVENTS:
            setattr(self, event, _Observer())

    def build(self) -> Router:
        router = Router(name=self.name)
        for event in self.EVENTS:
            spec: _Observer = getattr(self, event)
            observer = getattr(router, event)
            if spec.filters:
                observer.filter(*spec.filters)
            for fn, filters, kwargs in spec.handlers:
                observer.register(fn, *filters, **kwargs)
        return router

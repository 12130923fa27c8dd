"""Router templates: handler modules declare handlers with the usual decorators, and every Dispatcher
gets a fresh aiogram Router built from them (aiogram attaches a Router to one parent only, and tests and
benchmarks build many dispatchers in one process)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.telegram.filters import Private, RoleGate
from bot.telegram.ui import refusal


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


def gated(name: str, may: Callable[..., bool], *, private: bool = True) -> RouterTemplate:
    """A staff router: its messages (private chats only) and its button presses pass `RoleGate(may)` first."""
    router = RouterTemplate(name)
    router.message.filter(*((Private(),) if private else ()), RoleGate(may))
    router.callback_query.filter(RoleGate(may))
    return router


def refusals(name: str, commands: tuple[str, ...] = (), buttons: tuple[type, ...] = ()) -> RouterTemplate:
    """What anyone a staff router's gate kept out meets for its commands and buttons: a polite "this is not for
    you" (a forwarded or forged staff button, a resident typing /queue). List it right after the gated router."""
    router = RouterTemplate(name)
    router.message.filter(Private())

    async def not_yours(message: Message) -> None:
        await message.answer(refusal("forbidden"))

    async def not_your_button(query: CallbackQuery) -> None:
        await query.answer(refusal("forbidden"), show_alert=True)

    if commands:
        router.message(Command(*commands))(not_yours)
    for factory in buttons:
        router.callback_query(factory.filter())(not_your_button)
    return router

"""Async filters (sync magic filters cost a thread hop per check on hot paths; see DESIGN.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram.filters import BaseFilter
from aiogram.types import Message

from bot.kernel.permissions import Actor
from bot.platform.i18n import get_i18n
from bot.telegram.keyboards.buttons import MENU_BUTTONS

_reverse: dict[str, str] | None = None


def button_keys() -> dict[str, str]:
    """Text of every reply button in every locale -> its key (built once)."""
    global _reverse
    if _reverse is None:
        i18n = get_i18n()
        rev: dict[str, str] = {}
        for key, msgid in MENU_BUTTONS.items():
            rev[msgid] = key
            for loc in i18n.available_locales:
                rev[i18n.gettext(msgid, locale=loc)] = key
        _reverse = rev
    return _reverse


class ButtonText(BaseFilter):
    """Matches a reply-keyboard button by key, whatever language the keyboard was drawn in."""

    def __init__(self, *keys: str) -> None:
        self.keys = set(keys)

    async def __call__(self, message: Message) -> bool | dict[str, Any]:
        key = button_keys().get(message.text or "")
        if key is not None and (not self.keys or key in self.keys):
            return {"button": key}
        return False


class StaffLike(BaseFilter):
    async def __call__(self, _event: object, actor: Actor) -> bool:
        return actor.is_staff_like()


class RoleGate(BaseFilter):
    """The gate on a staff router, as a whole: only those `may` lets in reach its handlers. It is not access
    control for the objects a press names: every action is still checked by the rules."""

    def __init__(self, may: Callable[[Actor], bool]) -> None:
        self.may = may

    async def __call__(self, _event: object, actor: Actor) -> bool:
        return self.may(actor)


class Private(BaseFilter):
    async def __call__(self, event: object, event_chat: Any = None) -> bool:
        return event_chat is not None and event_chat.type == "private"


class InGroup(BaseFilter):
    async def __call__(self, message: Message) -> bool:
        return message.chat.type in ("group", "supergroup")


class NotCommand(BaseFilter):
    """For free-text steps: a /command typed mid-conversation goes to its own handler instead."""

    async def __call__(self, message: Message) -> bool:
        return not (message.text or "").startswith("/")

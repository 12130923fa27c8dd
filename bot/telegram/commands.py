"""Bot command menus (setMyCommands) and the 🧰 Staff tools buttons, per language and per person.

Neither is written here: every capability names its commands and its staff-tools entries in `bot/features.py`,
which installs them (`install`). A person's command menu, /help and 🧰 Staff tools list what their own roles
let them do, from that one list.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault, InlineKeyboardButton

from bot.kernel.permissions import Actor, Role
from bot.platform.i18n import translate
from bot.telegram.keyboards.callbacks import StaffCB

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CommandEntry:
    """A command in the menu Telegram shows; `roles` empty: everyone's (a resident's) command."""

    name: str
    description: str  # msgid
    roles: tuple[Role, ...] = ()

    def allowed(self, actor: Actor | None) -> bool:
        return not self.roles or (actor is not None and (actor.superadmin or actor.has_role(*self.roles)))


@dataclass(frozen=True)
class StaffTool:
    """A button under 🧰 Staff tools. Pressing it sends `StaffCB(action=...)`, which the capability's own
    router handles (and checks again: a button proves nothing)."""

    action: str
    label: str  # msgid
    may: Callable[[Actor], bool]
    rank: int = 50  # lower comes first (sending a notice heads the list)


_commands: list[CommandEntry] = []
_tools: list[StaffTool] = []


def install(commands: Iterable[CommandEntry], tools: Iterable[StaffTool]) -> None:
    _commands[:] = list(commands)
    _tools[:] = sorted(tools, key=lambda t: t.rank)


def installed() -> tuple[list[CommandEntry], list[StaffTool]]:
    return list(_commands), list(_tools)


def role_commands(locale: str, actor: Actor | None) -> list[BotCommand]:
    """The commands a person's roles give them (none for a resident)."""
    return [BotCommand(command=c.name, description=translate(locale, c.description)) for c in _commands
            if c.roles and c.allowed(actor)]


def commands_for(locale: str, actor: Actor | None = None) -> list[BotCommand]:
    return [BotCommand(command=c.name, description=translate(locale, c.description)) for c in _commands
            if not c.roles] + role_commands(locale, actor)


def staff_tool_rows(locale: str, actor: Actor) -> list[list[InlineKeyboardButton]]:
    """One big button per staff tool this person may use, in the list's order."""
    return [[InlineKeyboardButton(text=translate(locale, t.label), callback_data=StaffCB(action=t.action).pack())]
            for t in _tools if t.may(actor)]


async def set_default_commands(bot: Bot, default_locale: str) -> None:
    """Telegram picks by the user's two-letter language code: 'zh' gets Simplified, 'en' English."""
    await bot.set_my_commands(commands_for(default_locale), scope=BotCommandScopeDefault())
    await bot.set_my_commands(commands_for("en"), scope=BotCommandScopeDefault(), language_code="en")
    await bot.set_my_commands(commands_for("zh_Hans"), scope=BotCommandScopeDefault(), language_code="zh")


async def set_chat_commands(bot: Bot, chat_id: int, locale: str, actor: Actor) -> None:
    """Per-chat commands in the person's own language (Traditional Chinese included), plus those of their
    roles (a volunteer sees /duty and /tasks, not the staff tools)."""
    try:
        await bot.set_my_commands(commands_for(locale, actor),
                                  scope=BotCommandScopeChat(chat_id=chat_id))
    except TelegramAPIError as e:  # cosmetic: never fail a conversation over the command menu
        log.warning("setMyCommands for a chat failed: %s", type(e).__name__)

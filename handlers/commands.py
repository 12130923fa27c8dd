"""Bot command menus (setMyCommands), per language and per chat."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault

from bot.kernel.permissions import Actor, Role
from bot.platform.i18n import N_, translate

log = logging.getLogger(__name__)

RESIDENT_COMMANDS = [
    ("start", N_("Start or register")),
    ("menu", N_("Show the main menu")),
    ("help", N_("How to use this bot")),
    ("language", N_("Change language")),
    ("cancel", N_("Stop what I am doing")),
    ("requests", N_("My supply requests")),
    ("mydata", N_("See what is stored about me")),
    ("deleteme", N_("Delete my data")),
]
# Each command with the roles that can use it: a person's menu lists only what they may do.
_VOL, _STAFF, _DOC, _ADMIN = Role.VOLUNTEER, Role.STAFF, Role.DOCTOR, Role.ADMIN
ROLE_COMMANDS: list[tuple[str, str, tuple[Role, ...]]] = [
    ("queue", N_("Requests waiting in my area"), (_STAFF, _ADMIN)),
    ("health", N_("Today's health reports in my area"), (_DOC, _STAFF, _ADMIN)),
    ("notice", N_("Send a notice or alert"), (_DOC, _STAFF, _ADMIN)),
    ("notices", N_("Notices: scheduled, sent, who has read them"), (_DOC, _STAFF, _ADMIN)),
    ("monitor", N_("Home monitoring in my area"), (_DOC, _STAFF, _ADMIN)),
    ("checkin", N_("Daily check-in reminder on/off"), (_STAFF, _ADMIN)),
    ("stock", N_("Community stock"), (_STAFF, _ADMIN)),
    ("duty", N_("Volunteer duty on/off and skills"), (_VOL, _STAFF)),
    ("tasks", N_("My volunteer tasks"), (_VOL, _DOC, _STAFF)),
    ("invite", N_("Create an invitation link"), (_STAFF, _ADMIN)),
    ("invites", N_("My open invitation links"), (_STAFF, _ADMIN)),
    ("roles", N_("List and revoke roles"), (_ADMIN,)),
    ("addbuilding", N_("Add a building"), (_ADMIN,)),
]


def role_commands(locale: str, actor: Actor | None) -> list[BotCommand]:
    """The commands a person's roles give them (none for a resident)."""
    return [BotCommand(command=c, description=translate(locale, d)) for c, d, roles in ROLE_COMMANDS
            if actor is not None and (actor.superadmin or actor.has_role(*roles))]


def commands_for(locale: str, actor: Actor | None = None) -> list[BotCommand]:
    return [BotCommand(command=c, description=translate(locale, d)) for c, d in RESIDENT_COMMANDS] + \
        role_commands(locale, actor)


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

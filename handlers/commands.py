"""Bot command menus (setMyCommands), per language and per chat."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault

from bot.i18n import N_, translate
from bot.services.permissions import Actor

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
STAFF_COMMANDS = [
    ("queue", N_("Requests waiting in my area")),
    ("health", N_("Today's health reports in my area")),
    ("notice", N_("Send a notice or alert")),
    ("notices", N_("Notices: scheduled, sent, who has read them")),
    ("monitor", N_("Home monitoring in my area")),
    ("checkin", N_("Daily check-in reminder on/off")),
    ("stock", N_("Community stock")),
    ("duty", N_("Volunteer duty on/off and skills")),
    ("tasks", N_("My volunteer tasks")),
    ("invite", N_("Create an invitation link")),
    ("invites", N_("My open invitation links")),
    ("roles", N_("List and revoke roles")),
    ("addbuilding", N_("Add a building")),
]


def commands_for(locale: str, staff: bool) -> list[BotCommand]:
    items = RESIDENT_COMMANDS + (STAFF_COMMANDS if staff else [])
    return [BotCommand(command=c, description=translate(locale, d)) for c, d in items]


async def set_default_commands(bot: Bot, default_locale: str) -> None:
    """Telegram picks by the user's two-letter language code: 'zh' gets Simplified, 'en' English."""
    await bot.set_my_commands(commands_for(default_locale, False), scope=BotCommandScopeDefault())
    await bot.set_my_commands(commands_for("en", False), scope=BotCommandScopeDefault(), language_code="en")
    await bot.set_my_commands(commands_for("zh_Hans", False), scope=BotCommandScopeDefault(), language_code="zh")


async def set_chat_commands(bot: Bot, chat_id: int, locale: str, actor: Actor) -> None:
    """Per-chat commands in the person's own language (Traditional Chinese included), plus staff ones."""
    try:
        await bot.set_my_commands(commands_for(locale, actor.is_staff_like()),
                                  scope=BotCommandScopeChat(chat_id=chat_id))
    except TelegramAPIError as e:  # cosmetic: never fail a conversation over the command menu
        log.warning("setMyCommands for a chat failed: %s", type(e).__name__)

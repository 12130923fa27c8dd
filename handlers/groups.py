"""Group chats: the bot answers only when addressed; conversations happen in private."""

from __future__ import annotations

from aiogram import Bot
from aiogram.filters import BaseFilter, Command
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.i18n import _
from bot.routing import RouterTemplate
from handlers.ui import deep_link

router = RouterTemplate("groups")


class InGroup(BaseFilter):
    async def __call__(self, message: Message) -> bool:
        return message.chat.type in ("group", "supergroup")


router.message.filter(InGroup())

PRIVATE_ONLY = ("start", "menu", "help", "language", "cancel", "mydata", "deleteme", "invite", "invites",
                "roles", "addbuilding", "queue", "duty", "tasks", "requests", "stock", "health", "monitor",
                "checkin")


@router.message(Command(*PRIVATE_ONLY))
async def private_only(message: Message, bot: Bot) -> None:
    link = await deep_link(bot, "")
    await message.reply(
        _("Please talk to me in a private chat: your information stays between you and the community."),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[[
            InlineKeyboardButton(text=_("Open a private chat"), url=link)]]))


@router.message()
async def ignore_group_chatter(message: Message) -> None:
    """Group messages not addressed to the bot are none of its business (and are not stored)."""
    return None

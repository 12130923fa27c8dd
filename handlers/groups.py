"""Group chats: the bot answers only when addressed; conversations happen in private. `router` (first of
all) sends the private chat's commands to the private chat; capabilities add their own group handlers
(notices: /bind, /unbind); `chatter` (last of all) leaves the rest alone."""

from __future__ import annotations

from aiogram import Bot
from aiogram.filters import BaseFilter, Command
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.platform.i18n import _
from bot.telegram import commands
from bot.telegram.filters import InGroup
from bot.telegram.routing import RouterTemplate
from bot.telegram.ui import deep_link

router = RouterTemplate("groups")
router.message.filter(InGroup())
# Last of all: what nobody took in a group chat is left alone.
chatter = RouterTemplate("groups-chatter")
chatter.message.filter(InGroup())


class PrivateOnly(BaseFilter):
    """A command of the private chat's menu (every capability's, from the features list) typed in a group."""

    async def __call__(self, message: Message, bot: Bot) -> bool | dict:
        if not (message.text or "").startswith("/"):
            return False
        return await Command(*(c.name for c in commands.installed()[0]))(message, bot)


@router.message(PrivateOnly())
async def private_only(message: Message, bot: Bot) -> None:
    link = await deep_link(bot, "")
    await message.reply(
        _("Please talk to me in a private chat: your information stays between you and the community."),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[[
            InlineKeyboardButton(text=_("Open a private chat"), url=link)]]))


@chatter.message()
async def ignore_group_chatter(message: Message) -> None:
    """Group messages not addressed to the bot are none of its business (and are not stored)."""
    return None

"""Group chats: the bot answers only when addressed; conversations happen in private."""

from __future__ import annotations

from aiogram import Bot
from aiogram.filters import BaseFilter, Command
from aiogram.types import CallbackQuery, ChatMemberUpdated, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.kernel.audit import audit
from bot.kernel.errors import DomainError
from bot.kernel.permissions import Actor
from bot.notices import rules as notices
from bot.notices.callbacks import BindCB
from bot.platform.clock import Clock
from bot.platform.i18n import _, get_i18n
from bot.telegram.routing import RouterTemplate
from bot.telegram.ui import deep_link, edit_text, refusal

router = RouterTemplate("groups")


class InGroup(BaseFilter):
    async def __call__(self, message: Message) -> bool:
        return message.chat.type in ("group", "supergroup")


router.message.filter(InGroup())

PRIVATE_ONLY = ("start", "menu", "help", "language", "cancel", "mydata", "deleteme", "invite", "invites",
                "roles", "addbuilding", "queue", "duty", "tasks", "requests", "stock", "health", "monitor",
                "checkin", "notice", "notices")


@router.message(Command("bind"))
async def cmd_bind(message: Message, session: AsyncSession, actor: Actor) -> None:
    """Staff bind this group to their community, a grid or a building: its notices come here too."""
    options = await notices.bind_options(session, actor)
    if not options:
        await message.reply(_("Only community staff of this area can bind a group."))
        return
    loc = get_i18n().current_locale
    icons = {"c": "🏘", "g": "🗺", "b": "🏢"}
    rows = [[InlineKeyboardButton(text=f"{icons[kind]} {place.label(loc)}",
                                  callback_data=BindCB(kind=kind, id=pid).pack())] for kind, pid, place in options[:40]]
    await message.reply(_("Which place is this group for? Notices for it will be posted here."),
                        reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


@router.callback_query(BindCB.filter())
async def on_bind(query: CallbackQuery, callback_data: BindCB, session: AsyncSession, actor: Actor,
                  clock: Clock) -> None:
    chat = query.message.chat if query.message else None
    if chat is None or chat.type not in ("group", "supergroup"):
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    try:
        _group, place = await notices.bind_group(session, actor, chat.id, chat.title or "", callback_data.kind,
                                                callback_data.id, get_i18n().current_locale, clock.now())
    except DomainError as e:
        await query.answer(refusal(e.code), show_alert=True)
        return
    audit(session, actor_id=actor.person_id, action="bind_group", at=clock.now(), chat=chat.id,
          kind=callback_data.kind, place=callback_data.id)
    await session.commit()
    await query.answer()
    await edit_text(query.message, _("✅ This group now receives the community's notices for {place}.").format(
        place=place.label(get_i18n().current_locale)))


@router.message(Command("unbind"))
async def cmd_unbind(message: Message, session: AsyncSession, actor: Actor, clock: Clock) -> None:
    try:
        await notices.unbind_group(session, actor, message.chat.id)
    except DomainError as e:
        await message.reply(refusal(e.code) if e.code != "forbidden" else
                            _("Only community staff of this area can bind a group."))
        return
    audit(session, actor_id=actor.person_id, action="unbind_group", at=clock.now(), chat=message.chat.id)
    await session.commit()
    await message.reply(_("This group will no longer receive the community's notices."))


@router.my_chat_member()
async def on_membership(event: ChatMemberUpdated, session: AsyncSession) -> None:
    """Removed from a group: its binding stops, so notices are not sent into the void."""
    if event.chat.type in ("group", "supergroup") and event.new_chat_member.status in ("left", "kicked"):
        await notices.group_left(session, event.chat.id)


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

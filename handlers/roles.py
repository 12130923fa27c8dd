"""/roles: administrators list active roles in their scope and revoke them (with confirmation)."""

from __future__ import annotations

from aiogram import Bot
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.access import rules as inv_svc
from bot.access.callbacks import RevokeCB
from bot.kernel.errors import DomainError
from bot.kernel.permissions import Actor
from bot.platform.clock import Clock
from bot.platform.i18n import _
from bot.telegram.filters import Private
from bot.telegram.routing import RouterTemplate
from bot.telegram.ui import LIST_MAX, edit_markup, edit_text, more_line, refusal, send_long
from bot.texts import role_label

router = RouterTemplate("roles")
router.message.filter(Private())


@router.message(Command("roles"))
async def cmd_roles(message: Message, session: AsyncSession, actor: Actor, clock: Clock) -> None:
    await show_roles(message.bot, message.chat.id, session, actor, clock)


async def show_roles(bot: Bot, chat_id: int, session: AsyncSession, actor: Actor, clock: Clock) -> None:
    try:
        rows = await inv_svc.list_grants(session, actor, clock.now())
    except DomainError as e:
        await bot.send_message(chat_id, refusal(e.code))
        return
    if not rows:
        await bot.send_message(chat_id, _("Nobody holds a role in your area yet. Use /invite to add people."))
        return
    lines = [_("Roles in your area:")]
    buttons = []
    for r in rows[:LIST_MAX]:
        name = r.person.full_name or _("(no name)")
        lines.append(f"#{r.grant.id} {name} — {role_label(r.grant.role)}")
        buttons.append([InlineKeyboardButton(text=_("Revoke #{id}").format(id=r.grant.id),
                                             callback_data=RevokeCB(kind="grant", id=r.grant.id).pack())])
    lines += more_line(len(rows) - LIST_MAX)
    await send_long(bot, chat_id, "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=buttons))


@router.callback_query(RevokeCB.filter())
async def on_revoke(query: CallbackQuery, callback_data: RevokeCB, session: AsyncSession, actor: Actor,
                    clock: Clock) -> None:
    kind, item_id = callback_data.kind, callback_data.id
    if kind not in ("grant", "invite"):
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    if not callback_data.confirm:
        await query.answer()
        question = (_("Revoke role #{id}? The person keeps their resident registration.") if kind == "grant"
                    else _("Withdraw invitation link #{id}? Nobody will be able to use it any more."))
        await query.bot.send_message(query.from_user.id, question.format(id=item_id),
                                     reply_markup=InlineKeyboardMarkup(inline_keyboard=[[
                                         InlineKeyboardButton(text=_("Yes"), callback_data=RevokeCB(
                                             kind=kind, id=item_id, confirm=True).pack()),
                                     ]]))
        return
    try:
        if kind == "grant":
            await inv_svc.revoke_grant(session, actor, item_id, clock.now())
        else:
            await inv_svc.revoke_invitation(session, actor, item_id, clock.now())
    except DomainError as e:
        await edit_markup(query.message, None)
        await query.answer(refusal(e.code), show_alert=True)
        return
    await query.answer()
    await edit_text(query.message, _("Done: #{id} revoked.").format(id=item_id))

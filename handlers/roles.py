"""/roles: administrators list active roles in their scope and revoke them (with confirmation).

```mermaid
stateDiagram-v2
    [*] --> listed: /roles or 🧰 "Roles" (admins)
    listed --> asked: "Revoke #n"
    asked --> [*]: "Yes" (revoked, audited; the person stays a resident)
```
"""

from __future__ import annotations

from aiogram import Bot, F
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.access.callbacks import RevokeCB
from bot.access.messages import role_label
from bot.kernel.errors import DomainError
from bot.kernel.permissions import Actor, Role, is_admin
from bot.platform.clock import Clock
from bot.platform.i18n import N_, _
from bot.roles import rules as roles_rules
from bot.telegram.commands import CommandEntry, StaffTool
from bot.telegram.keyboards.callbacks import StaffCB
from bot.telegram.routing import gated
from bot.telegram.routing import refusals as refusals_router
from bot.telegram.ui import LIST_MAX, more_line, refusal, revoke_after_yes, send_long

router = gated("roles", is_admin)
refusals = refusals_router("roles-others", commands=("roles",), buttons=(RevokeCB,))

COMMANDS = (CommandEntry("roles", N_("List and revoke roles"), (Role.ADMIN,)),)
TOOLS = (StaffTool("roles", N_("👥 Roles"), is_admin),)


@router.message(Command("roles"))
async def cmd_roles(message: Message, session: AsyncSession, actor: Actor, clock: Clock) -> None:
    await show_roles(message.bot, message.chat.id, session, actor, clock)


async def show_roles(bot: Bot, chat_id: int, session: AsyncSession, actor: Actor, clock: Clock) -> None:
    try:
        rows = await roles_rules.list_grants(session, actor, clock.now())
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


@router.callback_query(StaffCB.filter(F.action == "roles"))
async def on_roles_tool(query: CallbackQuery, session: AsyncSession, actor: Actor, clock: Clock, bot: Bot) -> None:
    await query.answer()
    await show_roles(bot, query.from_user.id, session, actor, clock)


@router.callback_query(RevokeCB.filter(F.kind == "grant"))
async def on_revoke(query: CallbackQuery, callback_data: RevokeCB, session: AsyncSession, actor: Actor,
                    clock: Clock) -> None:
    """Revoke a role: asked once ("Yes"), then done; the rules check the grant is in the admin's scope."""
    await revoke_after_yes(query, callback_data, _("Revoke role #{id}? The person keeps their resident registration."),
                           lambda: roles_rules.revoke_grant(session, actor, callback_data.id, clock.now()))


@router.callback_query(RevokeCB.filter())
async def stale_revoke(query: CallbackQuery) -> None:
    await query.answer(_("This button is no longer active."), show_alert=True)

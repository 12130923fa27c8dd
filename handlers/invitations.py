"""/invite: role -> scope -> uses -> validity -> link. /invites: list and withdraw open links.

```mermaid
stateDiagram-v2
    [*] --> role: /invite (staff, admins)
    role --> scope
    scope --> uses
    uses --> ttl
    ttl --> [*]: link shown once
```
The service re-checks the whole choice when the link is created; buttons prove nothing.
"""

from __future__ import annotations

from datetime import timedelta

from aiogram import Bot, F
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.access import rules as inv_svc
from bot.access.callbacks import InviteCB, RevokeCB
from bot.access.messages import role_label
from bot.kernel import structure
from bot.kernel.errors import DomainError
from bot.kernel.permissions import Actor, Role, Scope, can_grant, may_invite, roles_actor_may_grant
from bot.platform.clock import Clock
from bot.platform.i18n import N_, _, get_i18n
from bot.telegram.commands import CommandEntry, StaffTool
from bot.telegram.filters import NotCommand
from bot.telegram.keyboards.callbacks import StaffCB
from bot.telegram.routing import gated
from bot.telegram.routing import refusals as refusals_router
from bot.telegram.ui import LIST_MAX, deep_link, edit_text, more_line, refusal, revoke_after_yes, send_long
from models import Community, Grid

router = gated("invitations", may_invite)  # staff and admins
refusals = refusals_router("invitations-others", commands=("invite", "invites"), buttons=(InviteCB,))

COMMANDS = (
    CommandEntry("invite", N_("Create an invitation link"), (Role.STAFF, Role.ADMIN)),
    CommandEntry("invites", N_("My open invitation links"), (Role.STAFF, Role.ADMIN)),
)
TOOLS = (
    StaffTool("invite", N_("➕ Invite a volunteer or staff member"), may_invite),
    StaffTool("invites", N_("🔗 My open invitation links"), may_invite),
)

USES = {"1": 1, "10": 10, "50": 50, "inf": None}
TTLS = {"1": 1, "7": 7, "30": 30}


class Inv(StatesGroup):
    role = State()
    scope = State()
    uses = State()
    ttl = State()


@router.callback_query(StaffCB.filter(F.action == "invite"))
async def on_invite_tool(query: CallbackQuery, state: FSMContext, actor: Actor, bot: Bot) -> None:
    await query.answer()
    await start_invite(bot, query.from_user.id, state, actor)


@router.callback_query(StaffCB.filter(F.action == "invites"))
async def on_invites_tool(query: CallbackQuery, session: AsyncSession, actor: Actor, clock: Clock, bot: Bot) -> None:
    await query.answer()
    await show_invites(bot, query.from_user.id, session, actor, clock)


@router.message(Command("invite"))
async def cmd_invite(message: Message, state: FSMContext, actor: Actor) -> None:
    await start_invite(message.bot, message.chat.id, state, actor)


async def start_invite(bot: Bot, chat_id: int, state: FSMContext, actor: Actor) -> None:
    roles = roles_actor_may_grant(actor)
    if not roles:
        await bot.send_message(chat_id, refusal("forbidden"))
        return
    await state.set_state(Inv.role)
    await state.set_data({})
    b = InlineKeyboardBuilder()
    for r in roles:
        b.button(text=role_label(r.value), callback_data=InviteCB(step="role", value=r.value))
    b.button(text=_("✖️ Cancel"), callback_data=InviteCB(step="cancel", value="-"))
    b.adjust(1)
    await bot.send_message(chat_id, _("Whom do you want to invite? Choose the role:"), reply_markup=b.as_markup())


async def _scopes(session: AsyncSession, actor: Actor, role: Role) -> list[tuple[str, str]]:
    """(value, label) of every scope where the actor may grant this role."""
    out: list[tuple[str, str]] = []
    loc = get_i18n().current_locale
    for comm in await structure.list_communities(session):
        if can_grant(actor, role, Scope(comm.id)):
            out.append((f"c{comm.id}", _("All of {name}").format(name=comm.label(loc))))
        if role is Role.ADMIN:
            continue
        for g in await structure.list_grids(session, comm.id):
            if can_grant(actor, role, Scope(comm.id, g.id)):
                out.append((f"g{g.id}", f"{comm.label(loc)} · {g.label(loc)}"))
    return out


async def _parse_scope(session: AsyncSession, value: str) -> Scope | None:
    if value.startswith("c") and value[1:].isdigit():
        return Scope(int(value[1:])) if await session.get(Community, int(value[1:])) else None
    if value.startswith("g") and value[1:].isdigit():
        grid = await session.get(Grid, int(value[1:]))
        return Scope(grid.community_id, grid.id) if grid else None
    return None


def _cancel_row() -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(text=_("✖️ Cancel"), callback_data=InviteCB(step="cancel", value="-").pack())]


@router.callback_query(InviteCB.filter(F.step == "cancel"))
async def on_cancel(query: CallbackQuery, state: FSMContext) -> None:
    await query.answer()
    if await state.get_state() in (Inv.role.state, Inv.scope.state, Inv.uses.state, Inv.ttl.state):
        await state.clear()
    await edit_text(query.message, _("Cancelled. No link was created."))


@router.callback_query(InviteCB.filter(F.step == "role"), StateFilter(Inv.role))
async def on_role(query: CallbackQuery, callback_data: InviteCB, state: FSMContext, session: AsyncSession,
                  actor: Actor) -> None:
    try:
        role = Role(callback_data.value)
    except ValueError:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    scopes = await _scopes(session, actor, role)
    if not scopes:
        await query.answer(refusal("forbidden"), show_alert=True)
        return
    await query.answer()
    await state.update_data(role=role.value)
    await state.set_state(Inv.scope)
    b = InlineKeyboardBuilder()
    for v, label in scopes:
        b.button(text=label, callback_data=InviteCB(step="scope", value=v))
    b.adjust(1)
    b.row(*_cancel_row())
    await edit_text(query.message, _("Where will the new {role} work?").format(role=role_label(role.value)),
                    b.as_markup())


@router.callback_query(InviteCB.filter(F.step == "scope"), StateFilter(Inv.scope))
async def on_scope(query: CallbackQuery, callback_data: InviteCB, state: FSMContext, session: AsyncSession,
                   actor: Actor) -> None:
    scope = await _parse_scope(session, callback_data.value)
    data = await state.get_data()
    if scope is None or not can_grant(actor, Role(data["role"]), scope):
        await query.answer(refusal("forbidden"), show_alert=True)
        return
    await query.answer()
    await state.update_data(community_id=scope.community_id, grid_id=scope.grid_id)
    await state.set_state(Inv.uses)
    b = InlineKeyboardBuilder()
    b.button(text=_("One person"), callback_data=InviteCB(step="uses", value="1"))
    b.button(text=_("Up to 10 people"), callback_data=InviteCB(step="uses", value="10"))
    b.button(text=_("Up to 50 people"), callback_data=InviteCB(step="uses", value="50"))
    b.button(text=_("Anyone with the link"), callback_data=InviteCB(step="uses", value="inf"))
    b.adjust(2)
    b.row(*_cancel_row())
    await edit_text(query.message, _("How many people may use this link?"), b.as_markup())


@router.callback_query(InviteCB.filter(F.step == "uses"), StateFilter(Inv.uses))
async def on_uses(query: CallbackQuery, callback_data: InviteCB, state: FSMContext) -> None:
    if callback_data.value not in USES:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    await query.answer()
    await state.update_data(uses=callback_data.value)
    await state.set_state(Inv.ttl)
    b = InlineKeyboardBuilder()
    b.button(text=_("1 day"), callback_data=InviteCB(step="ttl", value="1"))
    b.button(text=_("7 days"), callback_data=InviteCB(step="ttl", value="7"))
    b.button(text=_("30 days"), callback_data=InviteCB(step="ttl", value="30"))
    b.adjust(3)
    b.row(*_cancel_row())
    await edit_text(query.message, _("How long should the link work?"), b.as_markup())


@router.callback_query(InviteCB.filter(F.step == "ttl"), StateFilter(Inv.ttl))
async def on_ttl(query: CallbackQuery, callback_data: InviteCB, state: FSMContext, session: AsyncSession,
                 actor: Actor, clock: Clock, bot: Bot) -> None:
    if callback_data.value not in TTLS:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    data = await state.get_data()
    try:
        created = await inv_svc.create_invitation(
            session, actor, role=Role(data["role"]), scope=Scope(data["community_id"], data.get("grid_id")),
            max_uses=USES[data["uses"]], ttl=timedelta(days=TTLS[callback_data.value]), now=clock.now())
    except DomainError as e:
        await state.clear()
        await query.answer(refusal(e.code, **e.params), show_alert=True)
        return
    await state.clear()
    await query.answer()
    link = await deep_link(bot, created.payload)
    await edit_text(query.message, _(
        "Invitation link for a {role} (valid for {days} days):\n{link}\n\nSend it only to the person(s) "
        "you mean to invite. You can withdraw it with /invites.").format(
            role=role_label(data["role"]), days=TTLS[callback_data.value], link=link))


@router.callback_query(InviteCB.filter())
async def stale_step(query: CallbackQuery) -> None:
    """A step's button pressed out of its step (twice, from an older link's conversation, or forged)."""
    await query.answer(_("This button is no longer active."), show_alert=True)


@router.message(StateFilter(Inv.role, Inv.scope, Inv.uses, Inv.ttl), NotCommand())
async def invite_press_button(message: Message) -> None:
    await message.answer(_("Please press one of the buttons above. (Type /cancel to stop.)"))


@router.message(Command("invites"))
async def cmd_invites(message: Message, session: AsyncSession, actor: Actor, clock: Clock) -> None:
    await show_invites(message.bot, message.chat.id, session, actor, clock)


async def show_invites(bot: Bot, chat_id: int, session: AsyncSession, actor: Actor, clock: Clock) -> None:
    invites = await inv_svc.list_invitations(session, actor, clock.now())
    if not invites:
        await bot.send_message(chat_id, _("There are no open invitation links."))
        return
    rows = []
    lines = [_("Open invitation links:")]
    for i in invites[:LIST_MAX]:
        uses = f"{i.uses}/{i.max_uses}" if i.max_uses else f"{i.uses}/∞"
        lines.append(_("#{id} {role}: used {uses}, expires {date}").format(
            id=i.id, role=role_label(i.role), uses=uses, date=i.expires_at.strftime("%Y-%m-%d")))
        rows.append([InlineKeyboardButton(text=_("Withdraw #{id}").format(id=i.id),
                                          callback_data=RevokeCB(kind="invite", id=i.id).pack())])
    lines += more_line(len(invites) - LIST_MAX)
    await send_long(bot, chat_id, "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows))


@router.callback_query(RevokeCB.filter(F.kind == "invite"))
async def on_withdraw(query: CallbackQuery, callback_data: RevokeCB, session: AsyncSession, actor: Actor,
                      clock: Clock) -> None:
    """Withdraw an invitation link: asked once ("Yes"), then done; the rules check it is the actor's to withdraw."""
    await revoke_after_yes(query, callback_data, _("Withdraw invitation link #{id}? Nobody will be able to use it "
                                                   "any more."),
                           lambda: inv_svc.revoke_invitation(session, actor, callback_data.id, clock.now()))

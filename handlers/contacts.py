"""☎️ Contacts: residents read their community's and grid's public contacts; staff keep them (/contacts).

```mermaid
stateDiagram-v2
    [*] --> list: "☎️ Contacts" or /contacts (residents)
    [*] --> editor: /contacts (community workers and admins: their area's entries, 🗑 and ➕)
    editor --> label: "➕ Add" for the whole community or one grid
    label --> phone: what it is, typed
    phone --> note: a number typed (or Skip)
    note --> [*]: hours or a note typed (or Skip): saved, audited
```
"""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.contacts import messages as contact_messages
from bot.contacts import rules as contacts
from bot.contacts.callbacks import ContactCB
from bot.kernel import structure
from bot.kernel.errors import DomainError
from bot.kernel.permissions import Actor
from bot.platform.clock import Clock
from bot.platform.i18n import N_, _, get_i18n
from bot.registration.rules import dialable
from bot.telegram.commands import CommandEntry
from bot.telegram.filters import ButtonText, NotCommand, Private
from bot.telegram.routing import RouterTemplate
from bot.telegram.ui import act_on_press, edit_markup, finish_pressed_step, finish_typed_step, refusal
from models import Person

router = RouterTemplate("contacts")
router.message.filter(Private())

COMMANDS = (CommandEntry("contacts", N_("Who to contact: the committee, the grid worker, the doctor")),)


class Ct(StatesGroup):
    label = State()
    phone = State()
    note = State()


def _skip_kb() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=_("Skip"), callback_data=ContactCB(action="skip").pack())],
        [InlineKeyboardButton(text=_("✖️ Cancel"), callback_data=ContactCB(action="cancel").pack())]])


@router.message(ButtonText("contacts"))
async def on_contacts(message: Message, session: AsyncSession, person: Person | None) -> None:
    community, rows = await contacts.for_person(session, person)
    await message.answer(contact_messages.listing(community, rows, get_i18n().current_locale))


@router.message(Command("contacts"))
async def cmd_contacts(message: Message, state: FSMContext, session: AsyncSession, person: Person | None,
                       actor: Actor) -> None:
    """Residents: the list. Staff: their area's entries to keep."""
    if not contacts.may_edit(actor):
        await on_contacts(message, session, person)
        return
    await state.clear()
    community = await contacts.editor_community(session, actor)
    loc = get_i18n().current_locale
    rows = await contacts.editable(session, actor, community.id)
    grids = {g.id: g for g in await structure.list_grids(session, community.id)}
    lines = [_("☎️ Contacts residents see — {community}").format(community=community.label(loc))]
    buttons = []
    for c in rows:
        where = grids[c.grid_id].label(loc) if c.grid_id in grids else _("whole community")
        lines.append(f"• {c.label}: {dialable(c.phone) or '—'}" + (f" ({c.note})" if c.note else "") + f" · {where}")
        buttons.append([InlineKeyboardButton(text=_("🗑 {label}").format(label=c.label),
                                             callback_data=ContactCB(action="remove", id=c.id).pack())])
    if not rows:
        lines.append(_("None yet."))
    if actor.covering(contacts.EDIT_ROLES, community.id, None):
        buttons.append([InlineKeyboardButton(text=_("➕ Add for the whole community"),
                                             callback_data=ContactCB(action="add", id=0).pack())])
    for g in await structure.covered_grids(session, actor, contacts.EDIT_ROLES, community.id):
        buttons.append([InlineKeyboardButton(text=_("➕ Add for {grid}").format(grid=g.label(loc)),
                                             callback_data=ContactCB(action="add", id=g.id).pack())])
    await message.answer("\n".join(lines), reply_markup=InlineKeyboardMarkup(inline_keyboard=buttons))


@router.callback_query(ContactCB.filter(F.action == "add"))
async def on_add(query: CallbackQuery, callback_data: ContactCB, state: FSMContext, session: AsyncSession,
                 actor: Actor) -> None:
    if not contacts.may_edit(actor):
        await query.answer(refusal("forbidden"), show_alert=True)
        return
    community = await contacts.editor_community(session, actor)
    if not actor.covering(contacts.EDIT_ROLES, community.id, callback_data.id or None):
        await query.answer(refusal("forbidden"), show_alert=True)
        return
    await query.answer()
    await state.set_state(Ct.label)
    await state.set_data({"grid_id": callback_data.id or None})
    await query.bot.send_message(query.from_user.id, _(
        "What is it? For example: 居委会值班电话, Grid 1 worker Ms Lin, community doctor, nearest clinic."))


@router.message(StateFilter(Ct.label), NotCommand())
async def on_label(message: Message, state: FSMContext) -> None:
    try:
        label = contacts.clean_label(message.text)
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params))
        return
    await state.update_data(label=label)
    await state.set_state(Ct.phone)
    await message.answer(_("The phone number (for example 021-5555 1234), or Skip."), reply_markup=_skip_kb())


@router.message(StateFilter(Ct.phone), NotCommand())
async def on_phone(message: Message, state: FSMContext, settings: Settings) -> None:
    try:
        contacts.clean_phone(message.text, settings.phone_region)
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params), reply_markup=_skip_kb())
        return
    await state.update_data(phone=message.text.strip())
    await _ask_note(message.bot, message.chat.id, state)


async def _ask_note(bot, chat_id: int, state: FSMContext) -> None:
    await state.set_state(Ct.note)
    await bot.send_message(chat_id, _("Office hours or a note (for example: 8:00-20:00, room 101), or Skip."),
                           reply_markup=_skip_kb())


@router.callback_query(ContactCB.filter(F.action == "skip"), StateFilter(Ct.phone))
async def on_skip_phone(query: CallbackQuery, state: FSMContext) -> None:
    await query.answer()
    await edit_markup(query.message, None)
    await _ask_note(query.bot, query.from_user.id, state)


async def _save(state: FSMContext, session: AsyncSession, actor: Actor, note: str | None, settings: Settings,
                clock: Clock) -> str:
    data = await state.get_data()
    community = await contacts.editor_community(session, actor)
    c = await contacts.add(session, actor, community.id, data.get("grid_id"), data.get("label"), data.get("phone"),
                           note, settings.phone_region, clock.now())
    return _("Saved: {label}. Residents see it under ☎️ Contacts.").format(label=c.label)


@router.message(StateFilter(Ct.note), NotCommand())
async def on_note(message: Message, state: FSMContext, session: AsyncSession, actor: Actor, settings: Settings,
                  clock: Clock) -> None:
    await finish_typed_step(message, state, session, lambda: _save(state, session, actor, message.text, settings,
                                                                  clock))


@router.callback_query(ContactCB.filter(F.action == "skip"), StateFilter(Ct.note))
async def on_skip_note(query: CallbackQuery, state: FSMContext, session: AsyncSession, actor: Actor,
                       settings: Settings, clock: Clock) -> None:
    done = await finish_pressed_step(query, state, session, lambda: _save(state, session, actor, None, settings,
                                                                          clock))
    if done:
        await query.bot.send_message(query.from_user.id, done)


@router.callback_query(ContactCB.filter(F.action == "cancel"), StateFilter(Ct))
async def on_cancel(query: CallbackQuery, state: FSMContext) -> None:
    await query.answer()
    await state.clear()
    await edit_markup(query.message, None)
    await query.bot.send_message(query.from_user.id, _("Cancelled. Nothing was saved."))


@router.callback_query(ContactCB.filter(F.action == "remove"))
async def on_remove(query: CallbackQuery, callback_data: ContactCB, session: AsyncSession, actor: Actor,
                    clock: Clock) -> None:
    removed = await act_on_press(query, session, lambda: contacts.remove(session, actor, callback_data.id,
                                                                         clock.now()))
    if removed is None:
        return
    await query.answer(_("Removed: {label}.").format(label=removed.label), show_alert=True)
    await edit_markup(query.message, None)


@router.callback_query(ContactCB.filter())
async def stale(query: CallbackQuery) -> None:
    await query.answer(_("This button is no longer active."), show_alert=True)

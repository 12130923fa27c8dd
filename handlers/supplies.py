"""“Request supplies”: category -> item -> quantity (repeat) -> urgency -> note -> confirm.

```mermaid
stateDiagram-v2
    [*] --> category: "Request supplies"
    category --> item
    item --> qty
    qty --> more
    more --> item: Add another item
    more --> urgency: That's all
    urgency --> note
    note --> confirm: text or "No note"
    confirm --> [*]: Send (request S-0042 created and offered) / Cancel
```
Everything entered is kept in the conversation state until Send; bad input re-asks that step only.
"""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.kernel import structure
from bot.kernel.errors import DomainError
from bot.platform.clock import Clock
from bot.platform.i18n import N_, _, get_i18n
from bot.registration.rules import normalize_unit
from bot.supplies import messages as supplies_messages
from bot.supplies import rules as supplies
from bot.supplies.callbacks import SupplyCB
from bot.tasks import messages as tasks_messages
from bot.tasks import workflow as tasks_workflow
from bot.tasks.callbacks import TaskCB
from bot.telegram.commands import CommandEntry
from bot.telegram.filters import ButtonText, NotCommand, Private
from bot.telegram.routing import RouterTemplate
from bot.telegram.ui import address_label, edit_markup, refusal
from models import Building, Household, Person

router = RouterTemplate("supplies")
router.message.filter(Private())

COMMANDS = (CommandEntry("requests", N_("My supply requests")),)

class Sup(StatesGroup):
    category = State()
    item = State()
    qty = State()
    more = State()
    urgency = State()
    address = State()
    other_building = State()
    other_unit = State()
    note = State()
    confirm = State()


def _kb(step: str, options: list[tuple[str, str]], width: int = 2):
    b = InlineKeyboardBuilder()
    for value, label in options:
        b.button(text=label, callback_data=SupplyCB(step=step, value=value))
    b.adjust(width)
    b.button(text=_("✖️ Cancel"), callback_data=SupplyCB(step="cancel", value="-"))
    b.adjust(width)
    return b.as_markup()


def category_kb():
    return _kb("cat", [(c, _(supplies_messages.CATEGORY[c])) for c in supplies.CATEGORIES])


@router.message(ButtonText("supplies"))
async def start_request(message: Message, state: FSMContext, person: Person | None) -> None:
    if person is None or person.household_id is None:
        await message.answer(refusal("not_registered"))
        return
    await state.set_state(Sup.category)
    await state.set_data({"items": []})
    await message.answer(_("What do you need? Choose a kind:"), reply_markup=category_kb())


# One small handler per step: the step in the callback data and the conversation's state pick it; a press out
# of its turn (a stale or forged button) falls through to `stale` at the end.
@router.callback_query(SupplyCB.filter(F.step == "cancel"), StateFilter(Sup))
async def on_cancel(query: CallbackQuery, state: FSMContext) -> None:
    await query.answer()
    await state.clear()
    await edit_markup(query.message, None)
    await query.bot.send_message(query.from_user.id, _("Cancelled. Nothing was sent."))


@router.callback_query(SupplyCB.filter(F.step == "cat"), StateFilter(Sup.category))
async def on_category(query: CallbackQuery, callback_data: SupplyCB, state: FSMContext) -> None:
    await query.answer()
    if callback_data.value not in supplies.CATEGORIES:
        await query.bot.send_message(query.from_user.id, refusal("bad_uses"))
        return
    await state.update_data(category=callback_data.value)
    await state.set_state(Sup.item)
    await edit_markup(query.message, None)
    await query.bot.send_message(query.from_user.id,
                                 _("Type the first item, for example: rice, or the name of a medicine."))


@router.callback_query(SupplyCB.filter(F.step == "qty"), StateFilter(Sup.qty))
async def on_quantity(query: CallbackQuery, callback_data: SupplyCB, state: FSMContext) -> None:
    await query.answer()
    await _add_quantity(query.message, state, await state.get_data(), callback_data.value)


@router.callback_query(SupplyCB.filter(F.step == "more"), StateFilter(Sup.more))
async def on_more(query: CallbackQuery, callback_data: SupplyCB, state: FSMContext) -> None:
    """Another item, or that's all (then: how urgent)."""
    await query.answer()
    chat, send = query.from_user.id, query.bot.send_message
    await edit_markup(query.message, None)
    if callback_data.value == "add":
        if len((await state.get_data())["items"]) >= supplies.MAX_ITEMS:
            await send(chat, refusal("too_many_items", max=supplies.MAX_ITEMS))
        else:
            await state.set_state(Sup.item)
            await send(chat, _("Type the next item."))
            return
    await state.set_state(Sup.urgency)
    await send(chat, _("How urgent is it?"), reply_markup=_kb(
        "urg", [(u, _(supplies_messages.URGENCY[u])) for u in supplies.URGENCIES], width=1))


@router.callback_query(SupplyCB.filter(F.step == "urg"), StateFilter(Sup.urgency))
async def on_urgency(query: CallbackQuery, callback_data: SupplyCB, state: FSMContext, session: AsyncSession,
                     person: Person | None) -> None:
    await query.answer()
    if callback_data.value not in supplies.URGENCIES:
        return
    await state.update_data(urgency=callback_data.value)
    await state.set_state(Sup.address)
    await edit_markup(query.message, None)
    home = await address_label(session, person.household_id, person.locale) if person else ""
    await query.bot.send_message(query.from_user.id, _("Where should it be delivered?"), reply_markup=_kb(
        "addr", [("home", _("🏠 My home: {address}").format(address=home)),
                 ("other", _("📍 Another address in the community"))], width=1))


@router.callback_query(SupplyCB.filter(F.step == "addr"), StateFilter(Sup.address))
async def on_address(query: CallbackQuery, callback_data: SupplyCB, state: FSMContext, session: AsyncSession,
                     person: Person | None) -> None:
    """Home, or another building of the community (then: which one)."""
    await query.answer()
    await edit_markup(query.message, None)
    if callback_data.value == "other" and person is not None:
        household = await session.get(Household, person.household_id)
        home = await session.get(Building, household.building_id)
        buildings = [b for g in await structure.list_grids(session, home.community_id)
                     for b in await structure.list_buildings(session, g.id)]
        await state.set_state(Sup.other_building)
        await query.bot.send_message(query.from_user.id, _("Which building?"), reply_markup=_kb(
            "bld", [(str(b.id), b.label(person.locale)) for b in buildings]))
        return
    await state.update_data(deliver_building_id=None, deliver_unit=None)
    await _ask_note(query.message, state)


@router.callback_query(SupplyCB.filter(F.step == "bld"), StateFilter(Sup.other_building))
async def on_building(query: CallbackQuery, callback_data: SupplyCB, state: FSMContext, session: AsyncSession,
                      person: Person | None) -> None:
    await query.answer()
    value = callback_data.value
    building = await session.get(Building, int(value)) if value.isdigit() else None
    household = await session.get(Household, person.household_id) if person else None
    home = await session.get(Building, household.building_id) if household else None
    if building is None or home is None or building.community_id != home.community_id:
        await query.bot.send_message(query.from_user.id, refusal("bad_address"))
        return
    await edit_markup(query.message, None)
    await state.update_data(deliver_building_id=building.id)
    await state.set_state(Sup.other_unit)
    await query.bot.send_message(query.from_user.id, _("Which unit and room in {building}? For example 2-502.").format(
        building=building.label(person.locale)))


@router.callback_query(SupplyCB.filter(F.step == "note"), StateFilter(Sup.note))
async def on_no_note(query: CallbackQuery, state: FSMContext) -> None:
    await query.answer()
    await edit_markup(query.message, None)
    await _ask_confirm(query.message, state, {**await state.get_data(), "note": None})


@router.callback_query(SupplyCB.filter(F.step == "ok"), StateFilter(Sup.confirm))
async def on_send(query: CallbackQuery, state: FSMContext, session: AsyncSession, person: Person | None,
                  clock: Clock, settings: Settings) -> None:
    await query.answer()
    await edit_markup(query.message, None)
    await _submit(query.message, state, session, person, clock, settings, await state.get_data())


@router.callback_query(SupplyCB.filter(), StateFilter(Sup))
async def stale(query: CallbackQuery) -> None:
    """A step pressed out of its turn (an older keyboard, a second tap) or a forged one."""
    await query.answer(_("This button is no longer active."), show_alert=True)


async def _ask_note(message: Message, state: FSMContext) -> None:
    await state.set_state(Sup.note)
    await message.answer(_("Anything the volunteer should know (for example: call before coming)? Type it, or "
                           "press “No note”."), reply_markup=_kb("note", [("-", _("No note"))]))


@router.message(StateFilter(Sup.other_unit), NotCommand())
async def on_other_unit(message: Message, state: FSMContext) -> None:
    try:
        unit = normalize_unit(message.text)
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params))
        return
    await state.update_data(deliver_unit=unit)
    await _ask_note(message, state)


async def _add_quantity(message: Message, state: FSMContext, data: dict, raw: str) -> None:
    try:
        qty = supplies.parse_quantity(raw)
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params), reply_markup=_qty_kb())
        return
    items = [*data.get("items", []), {"name": data["pending_item"], "qty": qty}]
    await state.update_data(items=items, pending_item=None)
    await state.set_state(Sup.more)
    listing = "\n".join(f"• {i['name']} × {i['qty']}" for i in items)
    await message.answer(_("Your list so far:\n{items}").format(items=listing), reply_markup=_kb(
        "more", [("add", _("➕ Add another item")), ("done", _("That's all"))]))


def _qty_kb():
    return _kb("qty", [(str(n), str(n)) for n in (1, 2, 3, 5, 10)], width=5)


@router.message(StateFilter(Sup.item), NotCommand())
async def on_item(message: Message, state: FSMContext) -> None:
    try:
        name = supplies.validate_item(message.text)
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params))
        return
    await state.update_data(pending_item=name)
    await state.set_state(Sup.qty)
    await message.answer(_("How many {item}? Press a number or type it (1 to {max}).").format(
        item=name, max=supplies.MAX_QTY), reply_markup=_qty_kb())


@router.message(StateFilter(Sup.qty), NotCommand())
async def on_qty_text(message: Message, state: FSMContext) -> None:
    await _add_quantity(message, state, await state.get_data(), message.text or "")


@router.message(StateFilter(Sup.note), NotCommand())
async def on_note(message: Message, state: FSMContext) -> None:
    try:
        note = supplies.validate_note(message.text)
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params))
        return
    await _ask_confirm(message, state, {**await state.get_data(), "note": note})


@router.message(StateFilter(Sup.category, Sup.more, Sup.urgency, Sup.address, Sup.other_building, Sup.confirm),
                NotCommand())
async def press_a_button(message: Message) -> None:
    await message.answer(_("Please press one of the buttons above. (Type /cancel to stop.)"))


async def _ask_confirm(message: Message, state: FSMContext, data: dict) -> None:
    await state.update_data(note=data.get("note"))
    await state.set_state(Sup.confirm)
    listing = "\n".join(f"• {i['name']} × {i['qty']}" for i in data["items"])
    category, urgency = supplies_messages.CATEGORY[data["category"]], supplies_messages.URGENCY[data["urgency"]]
    text = _("Please check your request:\n{category} · {urgency}\n{items}\nNote: {note}").format(
        category=_(category), urgency=_(urgency), items=listing, note=data.get("note") or "—")
    await message.answer(text, reply_markup=_kb("ok", [("send", _("✅ Send the request"))], width=1))


async def _submit(message: Message, state: FSMContext, session: AsyncSession, person: Person | None,
                  clock: Clock, settings: Settings, data: dict) -> None:
    if person is None:
        await state.clear()
        return
    now = clock.now()
    try:
        new = await supplies.create_request(session, person, category=data["category"], items=data["items"],
                                            urgency=data["urgency"], note=data.get("note"), now=now,
                                            deliver_building_id=data.get("deliver_building_id"),
                                            deliver_unit=data.get("deliver_unit"))
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params))
        return
    task = new.task
    await tasks_workflow.offered(session, task, settings, now)
    await session.commit()
    await state.clear()
    await message.answer(_("Your request {ref} has been sent. We will tell you when a volunteer takes it.").format(
        ref=task.ref))


# ---- /requests: the resident's own requests, with a cancel button while nobody has brought them -------------

@router.message(Command("requests"))
async def cmd_requests(message: Message, session: AsyncSession, person: Person | None) -> None:
    if person is None or person.household_id is None:
        await message.answer(refusal("not_registered"))
        return
    tasks = await supplies.household_requests(session, person.household_id)
    if not tasks:
        await message.answer(_("You have no requests yet."))
        return
    loc = get_i18n().current_locale
    for t in tasks:
        text = await tasks_messages.describe_request(session, t, person.locale) + "\n" + _("Status: {status}").format(
            status=tasks_messages.status_words(loc, t.status))
        markup = None
        if t.status in ("open", "claimed"):
            markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(
                text=_("✖️ Cancel this request"), callback_data=TaskCB(action="cancel", id=t.id).pack())]])
        await message.answer(text, reply_markup=markup)


@router.callback_query(TaskCB.filter(F.action == "cancel"))
async def on_resident_cancel(query: CallbackQuery, callback_data: TaskCB, session: AsyncSession,
                             person: Person | None, clock: Clock) -> None:
    try:
        task = await tasks_workflow.cancelled_by_resident(session, callback_data.id, person, clock.now())
    except DomainError as e:
        await query.answer(refusal(e.code, **e.params), show_alert=True)
        await edit_markup(query.message, None)
        return
    await session.commit()
    await query.answer()
    await edit_markup(query.message, None)
    await query.bot.send_message(query.from_user.id, _("{ref} has been cancelled.").format(ref=task.ref))

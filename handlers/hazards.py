"""“Report a hazard”: category -> where -> words and photos -> anonymous or not -> a case (or the same one joined);
📋 My reports; and each follower's answer to "Is it fixed?".

```mermaid
stateDiagram-v2
    [*] --> category: "⚠️ Report a hazard" (the first question at once)
    category --> where: a category (fire/gas: the emergency number first)
    where --> details: my building
    where --> building: another building
    building --> details
    where --> location: a location
    location --> details: location sent
    where --> place: a few words
    place --> details: words typed
    details --> details: words, photos (up to 5)
    details --> anonymous: Continue
    anonymous --> [*]: case H-0007 opened, or the open one about the same thing joined
    [*] --> not_fixed: "❌ No, not fixed" under a resolved case
    not_fixed --> [*]: comment typed (the case is reopened)
```
Everything entered is kept in the conversation until the last press; a bad answer re-asks that step only.
"""

from __future__ import annotations

from datetime import timedelta

from aiogram import F
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.cases import messages as case_messages
from bot.cases import rules as cases
from bot.cases import workflow as case_workflow
from bot.cases.callbacks import FixedCB
from bot.config import Settings
from bot.hazards import messages as hazard_messages
from bot.hazards import rules as hazards
from bot.hazards.callbacks import HazardCB
from bot.kernel import structure
from bot.kernel.errors import DomainError
from bot.kernel.permissions import Actor
from bot.platform.clock import Clock
from bot.platform.i18n import _, duration, get_i18n
from bot.telegram.filters import ButtonText, NotCommand, Private
from bot.telegram.routing import RouterTemplate
from bot.telegram.ui import (
    collect_photo,
    collect_words,
    edit_markup,
    emergency_number,
    finish_pressed_step,
    finish_typed_step,
    refusal,
    show_menu,
)
from handlers.menu import menu_for
from models import Building, Person

router = RouterTemplate("hazards")
router.message.filter(Private())


class Hz(StatesGroup):
    category = State()
    where = State()
    building = State()
    location = State()
    place = State()
    details = State()
    anonymous = State()
    not_fixed = State()


def _kb(rows: list[list[tuple[str, str, str]]], cancel: bool = True) -> InlineKeyboardMarkup:
    out = [[InlineKeyboardButton(text=t, callback_data=HazardCB(step=s, value=v).pack()) for t, s, v in row]
           for row in rows]
    if cancel:
        out.append([InlineKeyboardButton(text=_("✖️ Cancel"), callback_data=HazardCB(step="cancel", value="-").pack())])
    return InlineKeyboardMarkup(inline_keyboard=out)


def category_kb() -> InlineKeyboardMarkup:
    loc = get_i18n().current_locale
    b = InlineKeyboardBuilder()
    for c in hazards.CATEGORIES:
        b.button(text=hazard_messages.category_label(loc, c), callback_data=HazardCB(step="cat", value=c))
    b.adjust(2)
    b.row(InlineKeyboardButton(text=_("📋 My reports"), callback_data=HazardCB(step="mine", value="-").pack()))
    b.row(InlineKeyboardButton(text=_("✖️ Cancel"), callback_data=HazardCB(step="cancel", value="-").pack()))
    return b.as_markup()


def continue_kb() -> InlineKeyboardMarkup:
    return _kb([[(_("➡️ Continue"), "done", "-")]])


async def _home(session: AsyncSession, person: Person) -> Building | None:
    _community, building, _household = await structure.home_of(session, person)
    return building


@router.message(ButtonText("hazard"))
async def start_report(message: Message, state: FSMContext, person: Person | None) -> None:
    if person is None or person.household_id is None:
        await message.answer(refusal("not_registered"))
        return
    await state.set_state(Hz.category)
    await state.set_data({"photos": []})
    await message.answer(_("What is the hazard? Choose one:"), reply_markup=category_kb())


# One small handler per step: the step in the callback data and the conversation's state pick it; a press out
# of its turn (a stale or forged button) falls through to `stale` at the end.
@router.callback_query(HazardCB.filter(F.step == "cancel"), StateFilter(Hz))
async def on_cancel(query: CallbackQuery, state: FSMContext, session: AsyncSession, person: Person | None,
                    actor: Actor, clock: Clock, settings: Settings) -> None:
    await query.answer()
    await state.clear()
    await edit_markup(query.message, None)
    await query.bot.send_message(query.from_user.id, _("Cancelled. Nothing was sent."),
                                 reply_markup=await menu_for(session, person, actor, clock, settings))


@router.callback_query(HazardCB.filter(F.step == "mine"))
async def on_my_reports(query: CallbackQuery, session: AsyncSession, person: Person | None) -> None:
    """📋 My reports: every case the resident reported or joined, and where it stands."""
    if person is None:
        await query.answer(refusal("not_registered"), show_alert=True)
        return
    await query.answer()
    loc = get_i18n().current_locale
    mine = await cases.followed_by(session, person)
    if not mine:
        await query.bot.send_message(query.from_user.id, _("You have not reported anything yet."))
        return
    parts = [_("Your reports:")] + [await case_messages.summary(session, c, loc) for c in mine]
    await query.bot.send_message(query.from_user.id, "\n\n".join(parts))


@router.callback_query(HazardCB.filter(F.step == "cat"), StateFilter(Hz.category))
async def on_category(query: CallbackQuery, callback_data: HazardCB, state: FSMContext, session: AsyncSession,
                      person: Person | None) -> None:
    try:
        category = hazards.category(callback_data.value)
    except DomainError as e:
        await query.answer(refusal(e.code), show_alert=True)
        return
    await query.answer()
    await state.update_data(category=category)
    await state.set_state(Hz.where)
    await edit_markup(query.message, None)
    home = await _home(session, person) if person else None
    loc = get_i18n().current_locale
    text = _("Where is it?")
    if hazards.is_urgent(category):
        text = _("If there is fire or a smell of gas, leave the building and call {number} now. "
                 "Then tell us where it is:").format(number=await emergency_number(session, person))
    rows = []
    if home is not None:
        rows.append([(_("🏢 My building ({name})").format(name=home.label(loc)), "where", "mine")])
    rows += [[(_("🏘 Another building"), "where", "other")], [(_("📍 Send a location"), "where", "loc")],
             [(_("✍️ Type the place"), "where", "text")]]
    await query.bot.send_message(query.from_user.id, text, reply_markup=_kb(rows))


@router.callback_query(HazardCB.filter(F.step == "where"), StateFilter(Hz.where))
async def on_where(query: CallbackQuery, callback_data: HazardCB, state: FSMContext, session: AsyncSession,
                   person: Person | None) -> None:
    home = await _home(session, person) if person else None
    if home is None:
        await state.clear()
        await query.answer(refusal("not_registered"), show_alert=True)
        return
    await query.answer()
    await edit_markup(query.message, None)
    chat, send = query.from_user.id, query.bot.send_message
    if callback_data.value == "mine":
        await state.update_data(building_id=home.id)
        await _ask_details(query.message, state)
    elif callback_data.value == "other":
        loc = get_i18n().current_locale
        buildings = [b for g in await structure.list_grids(session, home.community_id)
                     for b in await structure.list_buildings(session, g.id)]
        b = InlineKeyboardBuilder()
        for x in buildings[:60]:
            b.button(text=x.label(loc), callback_data=HazardCB(step="bld", value=str(x.id)))
        b.adjust(2)
        b.row(InlineKeyboardButton(text=_("✖️ Cancel"), callback_data=HazardCB(step="cancel", value="-").pack()))
        await state.set_state(Hz.building)
        await send(chat, _("Which building?"), reply_markup=b.as_markup())
    elif callback_data.value == "loc":
        await state.set_state(Hz.location)
        await send(chat, _("Press “📍 Send my location” below, or use 📎 → Location to pick the spot on the map."),
                   reply_markup=ReplyKeyboardMarkup(keyboard=[
                       [KeyboardButton(text=_("📍 Send my location"), request_location=True)],
                       [KeyboardButton(text=_("✖️ Cancel"))]], resize_keyboard=True, one_time_keyboard=True))
    else:
        await state.set_state(Hz.place)
        await send(chat, _("Type where it is, for example: north gate, bike shed, 3rd floor of Building 2."))


@router.callback_query(HazardCB.filter(F.step == "bld"), StateFilter(Hz.building))
async def on_building(query: CallbackQuery, callback_data: HazardCB, state: FSMContext, session: AsyncSession,
                      person: Person | None) -> None:
    home = await _home(session, person) if person else None
    building = await session.get(Building, int(callback_data.value)) if callback_data.value.isdigit() else None
    if home is None or building is None or building.community_id != home.community_id:
        await query.answer(refusal("bad_address"), show_alert=True)
        return
    await query.answer()
    await edit_markup(query.message, None)
    await state.update_data(building_id=building.id)
    await _ask_details(query.message, state)


@router.message(StateFilter(Hz.location), F.location)
async def on_location(message: Message, state: FSMContext) -> None:
    await state.update_data(latitude=message.location.latitude, longitude=message.location.longitude)
    await message.answer(_("📍 Location saved."), reply_markup=ReplyKeyboardRemove())
    await _ask_details(message, state)


@router.message(StateFilter(Hz.location), NotCommand())
async def location_expected(message: Message) -> None:
    await message.answer(_("Please send a location (📎 → Location), or press ✖️ Cancel / type /cancel."))


@router.message(StateFilter(Hz.place), NotCommand())
async def on_place(message: Message, state: FSMContext) -> None:
    try:
        place = cases.clean_place_text(message.text)
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params))
        return
    await state.update_data(place_text=place)
    await _ask_details(message, state)


async def _ask_details(message: Message, state: FSMContext) -> None:
    await state.set_state(Hz.details)
    await message.answer(_("Describe it in a few words, and send photos if you can (up to {max}). "
                           "Press ➡️ Continue when you are done.").format(max=cases.PHOTOS_MAX),
                         reply_markup=continue_kb())


@router.message(StateFilter(Hz.details), F.photo)
async def on_photo(message: Message, state: FSMContext) -> None:
    await collect_photo(message, state, max_photos=cases.PHOTOS_MAX, note_max=cases.NOTE_MAX, markup=continue_kb(),
                        added=_("Photo {n} added. Anything else? Press ➡️ Continue when you are done."))


@router.message(StateFilter(Hz.details), NotCommand())
async def on_words(message: Message, state: FSMContext) -> None:
    await collect_words(message, state, note_max=cases.NOTE_MAX, markup=continue_kb(),
                        added=_("Added. Anything else? Press ➡️ Continue when you are done."),
                        empty=_("Please type a few words or send a photo, then press ➡️ Continue."))


@router.callback_query(HazardCB.filter(F.step == "done"), StateFilter(Hz.details))
async def on_done(query: CallbackQuery, state: FSMContext) -> None:
    await query.answer()
    await edit_markup(query.message, None)
    await state.set_state(Hz.anonymous)
    await query.bot.send_message(query.from_user.id, _(
        "Should the community staff see your name and phone with this report? They may want to call you back."),
        reply_markup=_kb([[(_("👤 Yes, show my name"), "anon", "no")],
                          [(_("🕶 No, stay anonymous to staff"), "anon", "yes")]]))


@router.callback_query(HazardCB.filter(F.step == "anon"), StateFilter(Hz.anonymous))
async def on_anonymous(query: CallbackQuery, callback_data: HazardCB, state: FSMContext, session: AsyncSession,
                       person: Person | None, actor: Actor, clock: Clock, settings: Settings) -> None:
    data = await state.get_data()

    async def act() -> cases.Reported:
        if person is None or callback_data.value not in ("yes", "no"):
            raise DomainError("bad_step")
        category = hazards.category(data.get("category", ""))
        place = cases.Place(building_id=data.get("building_id"), latitude=data.get("latitude"),
                            longitude=data.get("longitude"), text=data.get("place_text"))
        report = cases.Report(kind=hazards.KIND, category=category, place=place, note=data.get("note"),
                              photos=tuple(data.get("photos", [])), anonymous=callback_data.value == "yes",
                              urgent=hazards.is_urgent(category))
        return await case_workflow.reported(session, person, report, settings, clock.now())

    r = await finish_pressed_step(query, state, session, act)
    if r is None:
        return
    loc = get_i18n().current_locale
    if r.joined:
        text = _("{n} neighbours have reported this: {ref} (status: {status}). You follow it now, and your words "
                 "and photos were added to it.").format(n=r.followers, ref=r.case.ref,
                                                         status=case_messages.status_words(loc, r.case.status))
    else:
        ack = settings.case_ack_urgent_minutes if r.case.urgent else settings.case_ack_minutes
        text = _("✅ Reported as {ref}. The community workers of your grid have been told. Reports like this are "
                 "usually taken within {ack} and resolved within {resolve}.").format(
                     ref=r.case.ref, ack=duration(loc, timedelta(minutes=ack)),
                     resolve=duration(loc, hazards.resolve_within(settings, r.case.category)))
    text += "\n" + _("You will be told of every change. Your reports: ⚠️ Report a hazard → 📋 My reports.")
    await show_menu(query.message, person, actor, text,
                    markup=await menu_for(session, person, actor, clock, settings))


@router.callback_query(HazardCB.filter(), StateFilter(Hz))
@router.callback_query(HazardCB.filter())
async def stale(query: CallbackQuery) -> None:
    await query.answer(_("This button is no longer active."), show_alert=True)


@router.message(StateFilter(Hz.category, Hz.where, Hz.building, Hz.anonymous), NotCommand())
async def press_a_button(message: Message) -> None:
    await message.answer(_("Please press one of the buttons above. (Type /cancel to stop.)"))


# ---- "Is it fixed?" -------------------------------------------------------------------------------------------

@router.callback_query(FixedCB.filter(F.yes))
async def on_fixed(query: CallbackQuery, callback_data: FixedCB, session: AsyncSession, person: Person | None,
                   clock: Clock) -> None:
    try:
        answer = await case_workflow.answered(session, person, callback_data.id, True, None, clock.now())
    except DomainError as e:
        await edit_markup(query.message, None)
        await query.answer(refusal(e.code, **e.params), show_alert=True)
        return
    await session.commit()
    await query.answer(_("Thank you!"))
    await edit_markup(query.message, None)
    if not answer.closed:
        await query.bot.send_message(query.from_user.id, _("Thank you! {ref} closes when the other neighbours "
                                                           "have answered too.").format(ref=answer.case.ref))


@router.callback_query(FixedCB.filter(~F.yes))
async def on_not_fixed(query: CallbackQuery, callback_data: FixedCB, state: FSMContext, session: AsyncSession,
                       person: Person | None) -> None:
    try:
        case = await cases.awaiting_answer(session, person, callback_data.id)
    except DomainError as e:
        await edit_markup(query.message, None)
        await query.answer(refusal(e.code), show_alert=True)
        return
    await query.answer()
    await state.set_state(Hz.not_fixed)
    await state.update_data(case_id=case.id)
    await query.bot.send_message(query.from_user.id,
                                 case_messages.words(case.kind, "what_wrong", get_i18n().current_locale))


@router.message(StateFilter(Hz.not_fixed), NotCommand())
async def on_not_fixed_comment(message: Message, state: FSMContext, session: AsyncSession, person: Person | None,
                               clock: Clock) -> None:
    data = await state.get_data()

    async def act() -> str:
        answer = await case_workflow.answered(session, person, data.get("case_id", 0), False, message.text,
                                              clock.now())
        return case_messages.words(answer.case.kind, "reopened_ok", get_i18n().current_locale, ref=answer.case.ref)

    await finish_typed_step(message, state, session, act)

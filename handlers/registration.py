"""Resident registration: language -> privacy consent -> building -> unit -> household -> phone -> menu.

```mermaid
stateDiagram-v2
    [*] --> language: /start (or /start b_<code>, /start inv_<token>)
    language --> consent: language button
    consent --> [*]: "I do not agree" (nothing kept)
    consent --> redeem: pending invitation
    redeem --> [*]: menu
    consent --> community: several communities
    consent --> grid: one community
    consent --> unit: building from QR deep link
    community --> grid
    grid --> building
    building --> grid: Back
    building --> unit
    unit --> phone: household already registered (linked)
    unit --> size: new household
    size --> care
    care --> phone: Done
    phone --> [*]: contact shared or Skip -> menu
```
Every state re-asks on anything it does not understand; /cancel leaves at any point.
"""

from __future__ import annotations

from aiogram import Bot, F
from aiogram.filters import Command, CommandObject, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.access import rules as inv_svc
from bot.access.messages import role_label
from bot.access.rules import people_with_telegram_ids
from bot.config import Settings
from bot.kernel import structure
from bot.kernel.errors import DomainError
from bot.kernel.permissions import Actor
from bot.platform.clock import Clock
from bot.platform.i18n import _, get_i18n
from bot.registration import messages as registration_messages
from bot.registration import rules as reg
from bot.registration.keyboards import care_kb
from bot.telegram.commands import set_chat_commands
from bot.telegram.filters import ButtonText, NotCommand, Private
from bot.telegram.keyboards.builders import consent_kb, language_kb, main_menu, phone_kb, pick_kb, size_kb
from bot.telegram.keyboards.callbacks import CareCB, ConsentCB, LangCB, PickCB, SizeCB
from bot.telegram.routing import RouterTemplate
from bot.telegram.ui import address_label, edit_markup, edit_text, refusal, show_menu
from handlers.menu import menu_for
from models import Building, Community, Grid, Person

router = RouterTemplate("registration")
router.message.filter(Private())

LANGUAGE_PROMPT = "请选择语言 · 請選擇語言 · Choose your language"


class Reg(StatesGroup):
    language = State()
    consent = State()
    community = State()
    grid = State()
    building = State()
    unit = State()
    size = State()
    care = State()
    phone = State()


def privacy_text() -> str:
    return _(
        "Before we start, please read how your information is handled.\n\n"
        "What we store: your Telegram account and name, your language, your building and room, "
        "your household's size and care needs, and your phone number if you share it; later, what you "
        "report (health, requests, hazards).\n\n"
        "Who can see it: only the community workers, grid leaders and community doctor responsible for "
        "your building; a volunteer sees your address only for a task they have taken. Conversations "
        "with a counsellor are seen only by counsellors. Every time staff open or export personal data, "
        "it is logged. Your data stays with the community and is never sold or published.\n\n"
        "How long: while you are registered; health reports are deleted after 30 days.\n\n"
        "Your rights: /mydata shows everything we store about you, and /deleteme erases it at any time.\n\n"
        "Do you agree?"
    )


VOLUNTEER_PAYLOAD = "volunteer"


def VOLUNTEER_HINT() -> str:
    return _("🙋 Thank you for wanting to volunteer! Send /volunteer to apply; the community staff will look at it.")


# ---- /start ----------------------------------------------------------------------------------

@router.message(CommandStart())
async def cmd_start(message: Message, command: CommandObject, state: FSMContext, session: AsyncSession,
                    person: Person | None, actor: Actor, settings: Settings, clock: Clock, bot: Bot,
                    detected_locale: str | None = None) -> None:
    payload = (command.args or "").strip()
    await state.clear()
    if payload.startswith(inv_svc.TOKEN_PREFIX):
        await state.update_data(invite=payload[len(inv_svc.TOKEN_PREFIX):])
    elif payload.startswith("b_"):
        building = await structure.building_by_code(session, payload[2:])
        if building is None:
            await message.answer(_("This QR code does not match any building. You can choose your building "
                                   "from the list instead."))
        else:
            await state.update_data(building_id=building.id)
    elif payload == VOLUNTEER_PAYLOAD:  # the link a community posts to ask for volunteers
        await state.update_data(volunteer=True)
    elif payload:
        await message.answer(_("This link is not valid. Let's start from the beginning."))

    if person is not None and person.consent_at is not None:
        await continue_after_consent(message, state, session, person, actor, settings, clock, bot)
        return
    locale = person.locale if person else (detected_locale or settings.default_locale)
    await state.set_state(Reg.language)
    await message.answer(_("Welcome! I am the service bot of your neighbourhood committee.") + "\n\n"
                         + LANGUAGE_PROMPT, reply_markup=language_kb(locale))


@router.message(Command("language"))
async def cmd_language(message: Message, person: Person | None, settings: Settings,
                       detected_locale: str | None = None) -> None:
    locale = person.locale if person else (detected_locale or settings.default_locale)
    await message.answer(LANGUAGE_PROMPT, reply_markup=language_kb(locale))


@router.callback_query(LangCB.filter())
async def on_language(query: CallbackQuery, callback_data: LangCB, state: FSMContext, session: AsyncSession,
                      person: Person | None, actor: Actor, settings: Settings, clock: Clock, bot: Bot) -> None:
    code = callback_data.code
    if code not in get_i18n().available_locales:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    user = query.from_user
    previous = person.locale if person is not None else None
    person = await reg.ensure_person(session, user.id, user.full_name, code)
    current = await state.get_state()
    i18n = get_i18n()
    with i18n.use_locale(code):
        await query.answer()
        if previous == code and current == Reg.consent.state:
            return  # the same button pressed twice: the privacy notice is already on screen
        await set_chat_commands(bot, user.id, code, actor)
        await edit_markup(query.message, language_kb(code))
        if current in (Reg.language.state, Reg.consent.state) or person.consent_at is None:
            await state.set_state(Reg.consent)
            await bot.send_message(user.id, privacy_text(), reply_markup=consent_kb())
            return
        await bot.send_message(user.id, _("The language has been changed."),
                               reply_markup=await menu_for(session, person, actor, clock, settings))
        if await state.get_state() is not None:
            await bot.send_message(user.id, _("You can carry on where you were."))


@router.callback_query(StateFilter(Reg.consent), ConsentCB.filter())
async def on_consent(query: CallbackQuery, callback_data: ConsentCB, state: FSMContext, session: AsyncSession,
                     person: Person | None, actor: Actor, settings: Settings, clock: Clock, bot: Bot) -> None:
    await query.answer()
    if person is None:  # language step skipped by a stale button
        await state.set_state(Reg.language)
        await bot.send_message(query.from_user.id, LANGUAGE_PROMPT, reply_markup=language_kb(settings.default_locale))
        return
    if query.message:
        await edit_markup(query.message, None)
    if not callback_data.agree:
        await state.clear()
        await reg.withdraw_before_registration(session, person)
        await bot.send_message(query.from_user.id, _(
            "We respect your choice; nothing about you has been kept. Without agreement we cannot register "
            "you, but you can still call the neighbourhood committee: /contacts has its number. If you change your "
            "mind, press /start."),
            reply_markup=ReplyKeyboardRemove())
        return
    await reg.record_consent(session, person, clock.now())
    await continue_after_consent(query.message, state, session, person, actor, settings, clock, bot,
                                 chat_id=query.from_user.id)


async def continue_after_consent(message: Message | None, state: FSMContext, session: AsyncSession, person: Person,
                                 actor: Actor, settings: Settings, clock: Clock, bot: Bot,
                                 chat_id: int | None = None) -> None:
    chat_id = chat_id or (message.chat.id if message else person.tg_user_id)
    data = await state.get_data()
    token = data.get("invite")
    if token:
        await state.update_data(invite=None)
        try:
            grant = await inv_svc.redeem_invitation(session, token, person, clock.now())
        except DomainError as e:
            await bot.send_message(chat_id, refusal(e.code, **e.params))
        else:
            actor = await inv_svc.load_actor(session, person, set(settings.admin_ids))
            scope_name = await _scope_name(session, grant.community_id, grant.grid_id, person.locale)
            await set_chat_commands(bot, chat_id, person.locale, actor)
            await bot.send_message(chat_id, _("Welcome aboard! You are now a {role} for {scope}.").format(
                role=role_label(grant.role), scope=scope_name))
        if person.household_id is None and data.get("building_id") is None:
            await state.set_state(None)
            await bot.send_message(chat_id, _(
                "If you also live in this community, press “Register my address” to use the resident services."),
                reply_markup=main_menu(person, actor))
            return
    if person.pending_household_id is not None and not data.get("building_id"):
        label = await address_label(session, person.pending_household_id, person.locale)
        await bot.send_message(chat_id, _("We are still waiting for your household at {address} to confirm you. "
                                          "If that address is wrong, choose your address again below.").format(
            address=label))
    if person.household_id is not None:
        await state.clear()
        label = await address_label(session, person.household_id, person.locale)
        text = _("Welcome back! You are registered at {address}.").format(address=label)
        if data.get("volunteer"):
            text += "\n\n" + VOLUNTEER_HINT()
        await bot.send_message(chat_id, text, reply_markup=await menu_for(session, person, actor, clock, settings))
        return
    building_id = data.get("building_id")
    if building_id:
        building = await session.get(Building, building_id)
        if building is not None:
            await _ask_unit(bot, chat_id, state, building, person.locale)
            return
    await _ask_community(bot, chat_id, state, session, person.locale)


async def _scope_name(session: AsyncSession, community_id: int, grid_id: int | None, locale: str) -> str:
    comm = await session.get(Community, community_id)
    name = comm.label(locale) if comm else "?"
    if grid_id is not None:
        grid = await session.get(Grid, grid_id)
        if grid is not None:
            name = f"{name} · {grid.label(locale)}"
    return name


# ---- choosing the building -------------------------------------------------------------------

async def _ask_community(bot: Bot, chat_id: int, state: FSMContext, session: AsyncSession, locale: str) -> None:
    comms = await structure.list_communities(session)
    if not comms:
        await state.set_state(None)
        await bot.send_message(chat_id, _(
            "The community has not been set up in this bot yet, so registration is not open. "
            "Please try again later, or contact your neighbourhood committee."))
        return
    if len(comms) == 1:
        await state.update_data(community_id=comms[0].id)
        await _ask_grid(bot, chat_id, state, session, comms[0].id, locale)
        return
    await state.set_state(Reg.community)
    await bot.send_message(chat_id, _("Which community do you live in?"),
                           reply_markup=pick_kb("c", [(c.id, c.label(locale)) for c in comms], back=False))


async def _ask_grid(bot: Bot, chat_id: int, state: FSMContext, session: AsyncSession, community_id: int,
                    locale: str, edit: Message | None = None) -> None:
    grids = await structure.list_grids(session, community_id)
    several = len(await structure.list_communities(session)) > 1
    await state.set_state(Reg.grid)
    markup = pick_kb("g", [(g.id, g.label(locale)) for g in grids], back=several)
    text = _("Which area (grid) is your building in?")
    if edit is not None:
        await edit.edit_text(text, reply_markup=markup)
    else:
        await bot.send_message(chat_id, text, reply_markup=markup)


async def _ask_unit(bot: Bot, chat_id: int, state: FSMContext, building: Building, locale: str) -> None:
    await state.update_data(building_id=building.id)
    await state.set_state(Reg.unit)
    await bot.send_message(chat_id, _(
        "Your building: {building}.\nWhich unit and room do you live in? Type it like 2-502 "
        "(unit 2, room 502), or just the room number, for example 502.").format(building=building.label(locale)),
        reply_markup=ReplyKeyboardRemove())


def _shown(query: CallbackQuery) -> Message | None:
    return query.message if isinstance(query.message, Message) else None


@router.callback_query(StateFilter(Reg.community, Reg.grid, Reg.building), PickCB.filter(F.level == "back"))
async def on_pick_back(query: CallbackQuery, state: FSMContext, session: AsyncSession, person: Person | None,
                       bot: Bot) -> None:
    """⬅️ Back: from the buildings to the grids of the same community, else to the communities."""
    locale = person.locale if person else "en"
    await query.answer()
    data = await state.get_data()
    if await state.get_state() == Reg.building.state and data.get("community_id"):
        await _ask_grid(bot, query.from_user.id, state, session, data["community_id"], locale, edit=_shown(query))
        return
    comms = await structure.list_communities(session)
    await state.set_state(Reg.community)
    await edit_text(_shown(query), _("Which community do you live in?"),
                    pick_kb("c", [(c.id, c.label(locale)) for c in comms], back=False))


@router.callback_query(StateFilter(Reg.community), PickCB.filter(F.level == "c"))
async def on_pick_community(query: CallbackQuery, callback_data: PickCB, state: FSMContext, session: AsyncSession,
                            person: Person | None, bot: Bot) -> None:
    if await session.get(Community, callback_data.id) is None:
        await query.answer(refusal("not_found"), show_alert=True)
        return
    await query.answer()
    await state.update_data(community_id=callback_data.id)
    await _ask_grid(bot, query.from_user.id, state, session, callback_data.id, person.locale if person else "en",
                    edit=_shown(query))


@router.callback_query(StateFilter(Reg.grid), PickCB.filter(F.level == "g"))
async def on_pick_grid(query: CallbackQuery, callback_data: PickCB, state: FSMContext, session: AsyncSession,
                       person: Person | None, bot: Bot) -> None:
    grid = await session.get(Grid, callback_data.id)
    data = await state.get_data()
    if grid is None or grid.community_id != data.get("community_id"):
        await query.answer(refusal("not_found"), show_alert=True)
        return
    await query.answer()
    locale = person.locale if person else "en"
    buildings = await structure.list_buildings(session, grid.id)
    await state.set_state(Reg.building)
    markup = pick_kb("b", [(b.id, b.label(locale)) for b in buildings], back=True)
    text = _("Which building do you live in?")
    if _shown(query):
        await edit_text(_shown(query), text, markup)
    else:
        await bot.send_message(query.from_user.id, text, reply_markup=markup)


@router.callback_query(StateFilter(Reg.building), PickCB.filter(F.level == "b"))
async def on_pick_building(query: CallbackQuery, callback_data: PickCB, state: FSMContext, session: AsyncSession,
                           person: Person | None, bot: Bot) -> None:
    building = await session.get(Building, callback_data.id)
    data = await state.get_data()
    if building is None or building.community_id != data.get("community_id"):
        await query.answer(refusal("building_gone"), show_alert=True)
        return
    await query.answer()
    if _shown(query):
        await edit_markup(_shown(query), None)
    await _ask_unit(bot, query.from_user.id, state, building, person.locale if person else "en")


@router.callback_query(StateFilter(Reg.community, Reg.grid, Reg.building), PickCB.filter())
async def stale_pick(query: CallbackQuery) -> None:
    """A level's button pressed at another level (an older picker message, a double tap, or forged)."""
    await query.answer(_("This button is no longer active."), show_alert=True)


@router.message(StateFilter(Reg.language, Reg.consent, Reg.community, Reg.grid, Reg.building), NotCommand())
async def press_a_button(message: Message) -> None:
    await message.answer(_("Please press one of the buttons above. (Type /cancel to stop.)"))


# ---- unit, household, phone ------------------------------------------------------------------

@router.message(StateFilter(Reg.unit), NotCommand())
async def on_unit(message: Message, state: FSMContext, session: AsyncSession, person: Person | None,
                  bot: Bot) -> None:
    try:
        unit = reg.normalize_unit(message.text)
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params))
        return
    data = await state.get_data()
    existing = await reg.find_household(session, data["building_id"], unit)
    await state.update_data(unit=unit, linked=existing is not None)
    if existing is not None:
        await message.answer(_("This home ({unit}) is already registered by another member of your household, "
                               "so you don't need to enter its details again.").format(unit=unit))
        await _ask_phone(message, state)
        return
    await state.set_state(Reg.size)
    await message.answer(_("How many people live in your home, including you? Press a number or type it."),
                         reply_markup=size_kb())


@router.callback_query(StateFilter(Reg.size), SizeCB.filter())
async def on_size_button(query: CallbackQuery, callback_data: SizeCB, state: FSMContext) -> None:
    if not 1 <= callback_data.n <= reg.MAX_HOUSEHOLD_SIZE:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    await query.answer()
    if isinstance(query.message, Message):
        await edit_markup(query.message, None)
    await _after_size(query.message, state, callback_data.n)


@router.message(StateFilter(Reg.size), NotCommand())
async def on_size_text(message: Message, state: FSMContext) -> None:
    try:
        n = reg.parse_household_size(message.text)
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params), reply_markup=size_kb())
        return
    await _after_size(message, state, n)


async def _after_size(message: Message, state: FSMContext, n: int) -> None:
    await state.update_data(size=n, care=[])
    await state.set_state(Reg.care)
    await message.answer(_("Does anyone in your home need extra care? Tap all that apply, then press Done. "
                           "This helps us reach them first in an emergency."), reply_markup=care_kb([]))


@router.callback_query(StateFilter(Reg.care), CareCB.filter())
async def on_care(query: CallbackQuery, callback_data: CareCB, state: FSMContext) -> None:
    data = await state.get_data()
    selected: list[str] = data.get("care", [])
    if callback_data.code in ("none", "done"):
        await query.answer()
        if callback_data.code == "none":
            selected = []
        await state.update_data(care=selected)
        if isinstance(query.message, Message):
            await edit_markup(query.message, None)
            await _ask_phone(query.message, state)
        return
    try:
        selected = reg.toggle_care_need(selected, callback_data.code)
    except DomainError as e:
        await query.answer(refusal(e.code), show_alert=True)
        return
    await state.update_data(care=selected)
    await query.answer()
    if isinstance(query.message, Message):
        await edit_markup(query.message, care_kb(selected))


@router.message(StateFilter(Reg.care), NotCommand())
async def care_needs_buttons(message: Message, state: FSMContext) -> None:
    data = await state.get_data()
    await message.answer(_("Please use the buttons: tap each that applies, then press Done."),
                         reply_markup=care_kb(data.get("care", [])))


async def _ask_phone(message: Message, state: FSMContext) -> None:
    await state.set_state(Reg.phone)
    await message.answer(_("Would you like to share your phone number? Community workers will use it only to "
                           "reach you about your requests or in an emergency. You can skip this."),
                         reply_markup=phone_kb())


@router.message(StateFilter(Reg.phone), F.contact)
async def on_contact(message: Message, state: FSMContext, session: AsyncSession, person: Person | None,
                     actor: Actor, clock: Clock, settings: Settings) -> None:
    contact = message.contact
    if contact is None or contact.user_id != message.from_user.id:
        await message.answer(_("Please share your own number with the button below, or press Skip."),
                             reply_markup=phone_kb())
        return
    try:
        phone = reg.normalize_phone(contact.phone_number)
    except DomainError as e:  # stay at this step: share again, or skip
        await message.answer(refusal(e.code), reply_markup=phone_kb())
        return
    await _finish(message, state, session, person, actor, clock, settings, phone)


@router.message(StateFilter(Reg.phone), ButtonText("skip"))
async def on_skip_phone(message: Message, state: FSMContext, session: AsyncSession, person: Person | None,
                        actor: Actor, clock: Clock, settings: Settings) -> None:
    await _finish(message, state, session, person, actor, clock, settings, None)


@router.message(StateFilter(Reg.phone), NotCommand())
async def phone_buttons(message: Message) -> None:
    await message.answer(_("Please press “Share my phone number” or “Skip” below."), reply_markup=phone_kb())


async def _finish(message: Message, state: FSMContext, session: AsyncSession, person: Person | None,
                  actor: Actor, clock: Clock, settings: Settings, phone: str | None) -> None:
    data = await state.get_data()
    if person is None:
        await state.clear()
        await message.answer(_("Please press /start to begin."))
        return
    try:
        result = await reg.complete_registration(
            session, person, building_id=data["building_id"], unit=data["unit"], size=data.get("size"),
            care_needs=data.get("care"), phone=phone, now=clock.now())
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params))
        if e.code == "building_gone":
            await state.update_data(building_id=None)
            await _ask_community(message.bot, message.chat.id, state, session, person.locale)
        return
    await state.clear()
    label = await address_label(session, result.household.id, person.locale)
    volunteer = "\n\n" + VOLUNTEER_HINT() if data.get("volunteer") else ""
    if result.by_staff:
        staff = result.confirmers or await people_with_telegram_ids(session, settings.admin_ids)
        await registration_messages.join_request_to_staff(session, person, result.household.id, staff, clock.now())
        await session.commit()
        await message.answer(_("Almost done. {address} is in the community's household register, so a community "
                               "worker will check that you live there — they may call you. You will get a message "
                               "as soon as they confirm.").format(address=label), reply_markup=main_menu(person, actor))
        return
    if result.pending:
        await registration_messages.join_request(session, person, result.household.id, result.confirmers, clock.now())
        await session.commit()
        await message.answer(_("Almost done. Other members of your household at {address} already use the bot, so "
                               "we have asked them to confirm that you live there. You will get a message as soon "
                               "as one of them does.").format(address=label), reply_markup=main_menu(person, actor))
        return
    text = _("You are registered ✅\n{address}\n\nUse the buttons below. Type /help at any time.").format(
        address=label) + volunteer
    await show_menu(message, person, actor, text, markup=await menu_for(session, person, actor, clock, settings))


@router.message(ButtonText("register"))
async def on_register_button(message: Message, state: FSMContext, session: AsyncSession, person: Person | None,
                             actor: Actor, settings: Settings, clock: Clock, bot: Bot) -> None:
    if person is None or person.consent_at is None:
        await message.answer(_("Please press /start to begin."))
        return
    await continue_after_consent(message, state, session, person, actor, settings, clock, bot)

"""“Health report”: one tap for “I'm well today”, or a full report, for oneself or a household member.

```mermaid
stateDiagram-v2
    [*] --> choice: "Health report"
    choice --> [*]: I'm well today (saved at once)
    choice --> who: For a family member
    choice --> temp: Full report
    who --> temp
    temp --> symptoms: a valid temperature
    symptoms --> test: Done
    test --> note
    note --> confirm
    confirm --> [*]: Save (abnormal: doctor and staff alerted; red flag: emergency advice)
```
A bad temperature is refused with an example and asked again; nothing else entered is lost.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from aiogram import F
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, ReplyKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.health import messages as health_messages
from bot.health import rules as health
from bot.health.callbacks import HealthCB
from bot.health.messages import symptom_label, test_label
from bot.kernel import presses
from bot.kernel.errors import DomainError
from bot.kernel.permissions import Actor
from bot.kernel.text import clean_note
from bot.monitoring import messages as monitoring_messages
from bot.monitoring import rules as monitoring
from bot.platform.clock import Clock
from bot.platform.i18n import _
from bot.registration import rules as registration
from bot.telegram.filters import ButtonText, NotCommand, Private
from bot.telegram.keyboards.builders import main_menu
from bot.telegram.routing import RouterTemplate
from bot.telegram.ui import edit_markup, emergency_number, refusal
from models import Person

router = RouterTemplate("health")
router.message.filter(Private())


class HR(StatesGroup):
    temp = State()
    symptoms = State()
    test = State()
    note = State()
    confirm = State()


# What "✅ I'm well today" reports, from the menu button or the inline one (never changed by _save).
WELL = {"temp": None, "symptoms": [], "test": None, "note": None}


def _kb(rows: list[list[tuple[str, str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(
        text=t, callback_data=HealthCB(step=s, value=v).pack()) for t, s, v in row] for row in rows])


@router.message(ButtonText("health"))
async def on_health(message: Message, state: FSMContext, person: Person | None) -> None:
    if person is None or person.household_id is None:
        await message.answer(refusal("not_registered"))
        return
    await state.clear()
    await message.answer(_("How are you today?"), reply_markup=_kb([
        [(_("✅ I'm well today"), "start", "well")],
        [(_("📝 Full report"), "start", "full")],
        [(_("👪 Report for a family member"), "start", "family")],
        [(_("📅 My last 7 days"), "start", "history")],
    ]))


@router.message(ButtonText("well"))
async def on_well_button(message: Message, state: FSMContext, session: AsyncSession, person: Person | None,
                         actor: Actor, clock: Clock, settings: Settings) -> None:
    """The main menu's one-tap check-in. The menu comes back without it; pressed again the same day (a double
    tap, an old keyboard) it stores nothing more."""
    if person is None or person.household_id is None:
        await message.answer(refusal("not_registered"))
        return
    tz, _daily = await health.community_timezone(session, person.household_id, settings.timezone)
    if await health.reported_today(session, person.id, clock.now(), tz):
        await message.answer(_("Your report for today is already in. Thank you! To tell us about a change, use "
                               "“🌡 Health report”."), reply_markup=main_menu(person, actor))
        return
    await _save(message, state, session, person, person, clock, settings,
                WELL, menu=main_menu(person, actor))


def symptoms_kb(selected: list[str]) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for code in health.SYMPTOMS:
        b.button(text=("☑️ " if code in selected else "⬜ ") + symptom_label(code),
                 callback_data=HealthCB(step="sym", value=code))
    b.adjust(2)
    b.row(InlineKeyboardButton(text=_("None of these"), callback_data=HealthCB(step="sym", value="none").pack()),
          InlineKeyboardButton(text=_("✅ Done"), callback_data=HealthCB(step="sym", value="done").pack()))
    return b.as_markup()


async def _subject(session: AsyncSession, person: Person, data: dict) -> Person | None:
    subject = await session.get(Person, data.get("subject_id") or person.id)
    if subject is None or subject.household_id != person.household_id or subject.deleted_at is not None:
        return None
    return subject


async def _registered(query: CallbackQuery, person: Person | None) -> bool:
    if person is None or person.household_id is None:
        await query.answer(refusal("not_registered"), show_alert=True)
        return False
    return True


# One small handler per step: the step in the callback data and the conversation's state pick it; a press
# that matches none of them (a stale or forged button) falls through to `stale` at the end.
@router.callback_query(HealthCB.filter(F.step == "cancel"))
async def on_cancel(query: CallbackQuery, state: FSMContext, person: Person | None) -> None:
    if not await _registered(query, person):
        return
    current = await state.get_state()
    if current is None or not current.startswith(f"{HR.__name__}:"):  # a stale button: leave other flows be
        await query.answer(_("This button is no longer active."), show_alert=True)
        await edit_markup(query.message, None)
        return
    await query.answer()
    await state.clear()
    await edit_markup(query.message, None)
    await query.bot.send_message(query.from_user.id, _("Cancelled. Nothing was saved."))


@router.callback_query(HealthCB.filter(F.step == "start"))
async def on_start(query: CallbackQuery, callback_data: HealthCB, state: FSMContext, session: AsyncSession,
                   person: Person | None, clock: Clock, settings: Settings) -> None:
    """The health menu: I'm well today (one tap), a full report, for a family member, the last 7 days."""
    if not await _registered(query, person):
        return
    value = callback_data.value
    if value == "well":
        await _one_tap_report(query, state, session, person, clock, settings)
        return
    await query.answer()
    await edit_markup(query.message, None)
    if value == "full":
        await _ask_temp(query.message, state, person.id)
    elif value == "family":
        members = await registration.household_members(session, person.household_id)
        others = [m for m in members if m.id != person.id]
        send = query.bot.send_message
        if not others:
            await send(query.from_user.id,
                       _("There is nobody else in your household yet. Add a member under “My household”."))
            return
        await send(query.from_user.id, _("Whom are you reporting for?"), reply_markup=_kb(
            [[(m.full_name or "—", "who", str(m.id))] for m in others]))
    elif value == "history":
        await _history(query.message, session, person, clock, settings)


@router.callback_query(HealthCB.filter(F.step.in_({"who", "for"})))
async def on_subject(query: CallbackQuery, callback_data: HealthCB, state: FSMContext, session: AsyncSession,
                     person: Person | None) -> None:
    """A member chosen from the list, or "Report now" on a reminder: their temperature is asked next."""
    if not await _registered(query, person):
        return
    value = callback_data.value
    subject = await _subject(session, person, {"subject_id": int(value) if value.isdigit() else -1})
    if subject is None:
        await query.answer(refusal("not_your_household"), show_alert=True)
        return
    await query.answer()
    await edit_markup(query.message, None)
    await _ask_temp(query.message, state, subject.id, subject.full_name if subject.id != person.id else None)


@router.callback_query(HealthCB.filter(F.step == "sym"), StateFilter(HR.symptoms))
async def on_symptom(query: CallbackQuery, callback_data: HealthCB, state: FSMContext,
                     person: Person | None) -> None:
    if not await _registered(query, person):
        return
    await query.answer()
    value = callback_data.value
    selected: list[str] = (await state.get_data()).get("symptoms", [])
    if value in ("none", "done"):
        await state.update_data(symptoms=[] if value == "none" else selected)
        await state.set_state(HR.test)
        await edit_markup(query.message, None)
        await query.bot.send_message(query.from_user.id, _("Latest test result?"), reply_markup=_kb(
            [[(test_label(t), "test", t)] for t in health.TESTS]))
        return
    if value not in health.SYMPTOMS:
        return
    selected = [s for s in health.SYMPTOMS if s in set(selected) ^ {value}]
    await state.update_data(symptoms=selected)
    await edit_markup(query.message, symptoms_kb(selected))


@router.callback_query(HealthCB.filter(F.step == "test"), StateFilter(HR.test))
async def on_test(query: CallbackQuery, callback_data: HealthCB, state: FSMContext, person: Person | None) -> None:
    if not await _registered(query, person):
        return
    await query.answer()
    if callback_data.value not in health.TESTS:
        return
    await state.update_data(test=callback_data.value)
    await state.set_state(HR.note)
    await edit_markup(query.message, None)
    await query.bot.send_message(query.from_user.id, _("Anything else to add? Type it, or press “No note”."),
                                 reply_markup=_kb([[(_("No note"), "note", "-")]]))


@router.callback_query(HealthCB.filter(F.step == "note"), StateFilter(HR.note))
async def on_no_note(query: CallbackQuery, state: FSMContext, person: Person | None) -> None:
    if not await _registered(query, person):
        return
    await query.answer()
    await edit_markup(query.message, None)
    await _confirm(query.message, state, {**await state.get_data(), "note": None})


@router.callback_query(HealthCB.filter(F.step == "ok"), StateFilter(HR.confirm))
async def on_save(query: CallbackQuery, state: FSMContext, session: AsyncSession, person: Person | None,
                  clock: Clock, settings: Settings) -> None:
    if not await _registered(query, person):
        return
    await query.answer()
    await edit_markup(query.message, None)
    data = await state.get_data()
    subject = await _subject(session, person, data)
    if subject is None:
        await state.clear()
        await query.bot.send_message(query.from_user.id, refusal("not_found"))
        return
    await _save(query.message, state, session, person, subject, clock, settings, data)


@router.callback_query(HealthCB.filter())
async def stale(query: CallbackQuery, person: Person | None) -> None:
    """A step pressed out of its turn (yesterday's keyboard, a second tap) or a forged one."""
    if not await _registered(query, person):
        return
    await query.answer(_("This button is no longer active."), show_alert=True)


async def _ask_temp(message: Message, state: FSMContext, subject_id: int, name: str | None = None) -> None:
    await state.set_state(HR.temp)
    await state.set_data({"subject_id": subject_id, "symptoms": []})
    who = _("Reporting for {name}.").format(name=name) + "\n" if name else ""
    await message.answer(who + _("What is the temperature? For example 36.8 (or 98.2F)."))


@router.message(StateFilter(HR.temp), NotCommand())
async def on_temp(message: Message, state: FSMContext) -> None:
    try:
        t = health.parse_temperature(message.text)
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params))
        return
    await state.update_data(temp=t)
    await state.set_state(HR.symptoms)
    await message.answer(_("{t} °C. Any of these? Tap all that apply, then Done.").format(t=t),
                         reply_markup=symptoms_kb([]))


@router.message(StateFilter(HR.note), NotCommand())
async def on_note(message: Message, state: FSMContext) -> None:
    try:
        note = clean_note(message.text)
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params))
        return
    await _confirm(message, state, {**await state.get_data(), "note": note})


@router.message(StateFilter(HR.symptoms, HR.test, HR.confirm), NotCommand())
async def press_a_button(message: Message) -> None:
    await message.answer(_("Please press one of the buttons above. (Type /cancel to stop.)"))


async def _confirm(message: Message, state: FSMContext, data: dict) -> None:
    await state.update_data(note=data.get("note"))
    await state.set_state(HR.confirm)
    symptoms = ", ".join(symptom_label(s) for s in data.get("symptoms", [])) or _("none")
    await message.answer(_("Please check:\nTemperature: {t} °C\nSymptoms: {symptoms}\nTest: {test}\nNote: {note}")
                         .format(t=data.get("temp"), symptoms=symptoms, test=test_label(data.get("test")),
                                 note=data.get("note") or "—"),
                         reply_markup=_kb([[(_("✅ Save"), "ok", "save")], [(_("✖️ Cancel"), "cancel", "-")]]))


async def _one_tap_report(query: CallbackQuery, state: FSMContext, session: AsyncSession, person: Person,
                          clock: Clock, settings: Settings) -> None:
    """✅ I'm well today: the report and the record of this press commit together, before anything is said."""
    message = query.message
    if message is not None and not await presses.first_press(session, query.from_user.id, message.message_id,
                                                             "well", clock.now()):
        await query.answer(_("Already saved. Thank you!"))
        return

    async def done() -> None:
        await query.answer()
        await edit_markup(message, None)

    await _save(message, state, session, person, person, clock, settings,
                WELL, stored=done)


async def _save(message: Message, state: FSMContext, session: AsyncSession, reporter: Person, subject: Person,
                clock: Clock, settings: Settings, data: dict,
                stored: Callable[[], Awaitable[None]] | None = None, menu: ReplyKeyboardMarkup | None = None) -> None:
    """Store the report and tell the reporter; `stored` (answering the press) runs once the report is
    committed, or refused. `menu` goes with the answer (the main menu redrawn)."""
    now = clock.now()
    try:
        report, assessment = await health.record_report(
            session, reporter, subject, temperature=data.get("temp"), symptoms=data.get("symptoms", []),
            test=data.get("test"), note=data.get("note"), rules=health.rules_from(settings), now=now)
    except DomainError as e:
        if stored is not None:
            await stored()
        await message.answer(refusal(e.code, **e.params))
        return
    if assessment.abnormal:
        await health_messages.health_alert(session, report, assessment, now)
    for task, offers in await monitoring.close_on_report(session, subject.id, now):
        await monitoring_messages.checkin_closed_by_report(session, task, offers, now)
    await session.commit()
    if stored is not None:
        await stored()
    if ((await state.get_state()) or "").startswith(f"{HR.__name__}:"):
        await state.clear()  # the report's own conversation ends; a one-tap report leaves any other one as it was
    if assessment.red_flag:
        number = await emergency_number(session, reporter)
        await message.answer(_("⚠️ This may be serious. Call {number} now if there is difficulty breathing, chest "
                               "pain, confusion or a very high fever. Stay where you are, keep the door unlocked "
                               "and a phone nearby. The community doctor has been told.").format(number=number),
                             reply_markup=menu)
    elif assessment.abnormal:
        await message.answer(_("Saved. Your report is not normal, so the community doctor has been told and will "
                               "contact you. Please stay at home and rest."), reply_markup=menu)
    else:
        await message.answer(_("Saved. Thank you, take care!"), reply_markup=menu)


async def _history(message: Message, session: AsyncSession, person: Person, clock: Clock,
                   settings: Settings) -> None:
    rows = await health.own_reports(session, person, since=clock.now() - timedelta(days=7))
    if not rows:
        await message.answer(_("No reports in the last 7 days."))
        return
    lines = [_("Your last 7 days:")]
    for r in rows:
        mark = "🔴" if r.red_flag else ("🟠" if r.abnormal else "🟢")
        temp = f"{r.temperature_c} °C" if r.temperature_c is not None else _("well")
        lines.append(f"{mark} {r.created_at.astimezone(settings.tz):%m-%d %H:%M} {temp}")
    await message.answer("\n".join(lines))

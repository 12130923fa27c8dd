"""Staff and doctors: `/monitor` (who is under home monitoring, start it, end it early) and `/checkin`
(the daily check-in reminder for every resident of a community, on or off).

```mermaid
stateDiagram-v2
    [*] --> list: /monitor
    list --> building: ➕ Start (grid first when the area is large)
    building --> unit: a building
    unit --> who: the unit is typed (a registered household)
    who --> days: one member, or the whole household
    [*] --> days: 🏠 Home monitoring (on a health follow-up)
    days --> reason: 7 / 14 / 21 or a typed number
    reason --> confirm
    confirm --> [*]: Start (the resident is told, reminders booked)
    list --> stop: ⏹ End early
    stop --> [*]: Yes, end it (the resident is told)
```
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import UTC
from typing import Any

from aiogram import F
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.kernel import structure
from bot.kernel.audit import audit, audit_reads
from bot.kernel.errors import DomainError
from bot.kernel.permissions import Actor, Role
from bot.monitoring import messages as monitoring_messages
from bot.monitoring import rules as monitoring
from bot.monitoring.callbacks import CheckinCB, MonCB
from bot.monitoring.workflow import ensure_daily_checkin
from bot.platform.clock import Clock, local_date, local_time
from bot.platform.i18n import N_, _
from bot.registration import rules as registration
from bot.telegram.commands import CommandEntry
from bot.telegram.filters import NotCommand
from bot.telegram.routing import gated
from bot.telegram.routing import refusals as refusals_router
from bot.telegram.ui import LIST_MAX, edit_markup, edit_text, more_line, refusal, send_long
from models import Building, Community, Household, Person

MAX_BUTTONS = 24


class Mon(StatesGroup):
    pick = State()
    unit = State()
    who = State()
    days = State()
    reason = State()
    confirm = State()


def _kb(rows: list[list[tuple[str, str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(
        text=t, callback_data=MonCB(step=s, value=v).pack()) for t, s, v in row] for row in rows])


def _may(actor: Actor) -> bool:
    return actor.superadmin or actor.has_role(*monitoring.MONITOR_ROLES)


# Doctors and staff only: the gate is on the whole router (each household and monitoring is still checked by the
# rules). Anyone else reaching for /monitor, /checkin, /health or their buttons meets `refusals` instead.
router = gated("monitoring", _may)
refusals = refusals_router("monitoring-others", commands=("monitor", "checkin", "health"), buttons=(MonCB, CheckinCB))

COMMANDS = (
    CommandEntry("health", N_("Today's health reports in my area"), monitoring.MONITOR_ROLES),
    CommandEntry("monitor", N_("Home monitoring in my area"), monitoring.MONITOR_ROLES),
    CommandEntry("checkin", N_("Daily check-in reminder on/off"), (Role.STAFF, Role.ADMIN)),
)


async def _where(session: AsyncSession, person: Person | None, locale: str) -> str:
    if person is None or person.household_id is None:
        return "?"
    hh = await session.get(Household, person.household_id)
    b = await session.get(Building, hh.building_id) if hh else None
    return f"{b.label(locale) if b else '?'}, {hh.unit if hh else '?'}"


@router.message(Command("monitor"))
async def cmd_monitor(message: Message, state: FSMContext, session: AsyncSession, person: Person | None,
                      actor: Actor, clock: Clock) -> None:
    if person is None:  # the router's gate (_may) let only doctors and staff in
        await message.answer(refusal("forbidden"))
        return
    await state.clear()
    rows = await monitoring.in_scope(session, actor)
    audit(session, actor_id=actor.person_id, action="read_monitoring", at=clock.now(), count=len(rows))
    audit_reads(session, actor_id=actor.person_id, action="read_monitoring_entry", at=clock.now(),
                subject_ids=[m.person_id for m in rows[:LIST_MAX]])
    await session.commit()
    loc = person.locale
    lines = [_("🏠 Under home monitoring in your area: {n}").format(n=len(rows))]
    buttons: list[list[tuple[str, str, str]]] = []
    for m in rows[:LIST_MAX]:
        subject = await session.get(Person, m.person_id)
        name = subject.full_name if subject and subject.full_name else "—"
        lines.append(_("• {name} — {where} — until {date} — {reason}").format(
            name=name, where=await _where(session, subject, loc), date=local_date(m.ends_at, m.timezone),
            reason=m.reason))
        buttons.append([(_("⏹ End early: {name}").format(name=name), "stop", str(m.id))])
    lines += more_line(len(rows) - LIST_MAX)
    buttons.append([(_("➕ Start home monitoring"), "new", "-")])
    await send_long(message.bot, message.chat.id, "\n".join(lines), _kb(buttons))


async def _ask_building(query: CallbackQuery, state: FSMContext, session: AsyncSession, actor: Actor,
                        grid_id: int | None, locale: str) -> None:
    grids = [g for g in await structure.covered_grids(session, actor, monitoring.MONITOR_ROLES)
             if grid_id is None or g.id == grid_id]
    buildings = [b for g in grids for b in await structure.list_buildings(session, g.id)]
    await state.set_state(Mon.pick)
    if not buildings:
        await query.bot.send_message(query.from_user.id, _("There are no buildings in your area yet."))
        await state.clear()
        return
    if len(buildings) > MAX_BUTTONS and grid_id is None:
        await query.bot.send_message(query.from_user.id, _("Which grid?"), reply_markup=_kb(
            [[(g.label(locale), "g", str(g.id))] for g in grids]))
        return
    rows = [[(b.label(locale), "b", str(b.id))] for b in buildings[:60]]
    await query.bot.send_message(query.from_user.id, _("Which building?"), reply_markup=_kb(rows))


def _step(step: str | set[str], *states: State):
    """One small handler per step of the /monitor buttons: only doctors and staff pass; a rule's refusal is
    the press's one answer (and a button about what is gone loses its keyboard)."""
    steps = {step} if isinstance(step, str) else step

    def register(fn: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
        @functools.wraps(fn)
        async def handler(query: CallbackQuery, person: Person | None, actor: Actor, **kw: Any) -> None:
            if person is None:  # the router's gate (_may) let only doctors and staff in
                await query.answer(refusal("forbidden"), show_alert=True)
                return
            try:
                await fn(query, person=person, actor=actor, **kw)
            except DomainError as e:
                await query.answer(refusal(e.code, **e.params), show_alert=True)
                if e.code in ("already_done", "not_found"):
                    await edit_markup(query.message, None)

        filters = [MonCB.filter(F.step.in_(steps))] + ([StateFilter(*states)] if states else [])
        router.callback_query(*filters)(handler)
        return fn

    return register


@_step("cancel")
async def on_cancel(query: CallbackQuery, state: FSMContext, **_kw: Any) -> None:
    await query.answer()
    current = await state.get_state()
    if current is not None and current.startswith(f"{Mon.__name__}:"):  # not another conversation
        await state.clear()
    await edit_markup(query.message, None)
    await query.bot.send_message(query.from_user.id, _("Cancelled. Nothing was changed."))


@_step("new")
async def on_new(query: CallbackQuery, state: FSMContext, session: AsyncSession, actor: Actor, person: Person,
                 **_kw: Any) -> None:
    await query.answer()
    await state.clear()
    await _ask_building(query, state, session, actor, None, person.locale)


@_step("g", Mon.pick)
async def on_grid(query: CallbackQuery, callback_data: MonCB, state: FSMContext, session: AsyncSession,
                  actor: Actor, person: Person, **_kw: Any) -> None:
    await query.answer()
    await edit_markup(query.message, None)
    value = callback_data.value
    await _ask_building(query, state, session, actor, int(value) if value.isdigit() else -1, person.locale)


@_step("b", Mon.pick)
async def on_building(query: CallbackQuery, callback_data: MonCB, state: FSMContext, session: AsyncSession,
                      actor: Actor, person: Person, **_kw: Any) -> None:
    value = callback_data.value
    building = await session.get(Building, int(value) if value.isdigit() else -1)
    if building is None or not actor.covering(monitoring.MONITOR_ROLES, building.community_id, building.grid_id):
        raise DomainError("forbidden")
    await query.answer()
    await edit_markup(query.message, None)
    await state.set_state(Mon.unit)
    await state.set_data({"building_id": building.id})
    await query.bot.send_message(query.from_user.id, _("{building}: type the unit and room, for example 2-502.")
                                 .format(building=building.label(person.locale)))


@_step("person")
async def on_person(query: CallbackQuery, callback_data: MonCB, state: FSMContext, session: AsyncSession,
                    actor: Actor, settings: Settings, **_kw: Any) -> None:
    """From a health follow-up: monitor the person it is about."""
    value = callback_data.value
    subject = await session.get(Person, int(value) if value.isdigit() else -1)
    if subject is None or subject.household_id is None:
        raise DomainError("not_found")
    await monitoring.may_monitor(session, actor, subject.household_id)
    if await monitoring.active_for(session, subject.id) is not None:
        raise DomainError("already_monitored")
    await query.answer()
    await state.clear()
    await state.set_data({"who": [subject.id], "who_label": subject.full_name or "—"})
    await _ask_days(query.message, state, settings)


@_step("who", Mon.who)
async def on_who(query: CallbackQuery, callback_data: MonCB, state: FSMContext, session: AsyncSession,
                 settings: Settings, **_kw: Any) -> None:
    value = callback_data.value
    data = await state.get_data()
    members = await _members(session, data.get("household_id"))
    chosen = members if value == "all" else [m for m in members if str(m.id) == value]
    if not chosen:
        raise DomainError("not_found")
    if all([await monitoring.active_for(session, m.id) is not None for m in chosen]):
        raise DomainError("already_monitored")  # said now, not after the days and the reason
    await query.answer()
    await edit_markup(query.message, None)
    label = _("the whole household ({n} people)").format(n=len(chosen)) if value == "all" else \
        (chosen[0].full_name or "—")
    await state.update_data(who=[m.id for m in chosen], who_label=label)
    await _ask_days(query.message, state, settings)


@_step("days", Mon.days)
async def on_days(query: CallbackQuery, callback_data: MonCB, state: FSMContext, **_kw: Any) -> None:
    days = monitoring.validate_days(callback_data.value)
    await query.answer()
    await edit_markup(query.message, None)
    await _after_days(query.message, state, days)


@_step("ok", Mon.confirm)
async def on_confirm(query: CallbackQuery, state: FSMContext, session: AsyncSession, actor: Actor, clock: Clock,
                     settings: Settings, **_kw: Any) -> None:
    await query.answer()
    await edit_markup(query.message, None)
    await _start(query.message, state, session, actor, clock, settings)


@_step("stop")
async def on_stop(query: CallbackQuery, callback_data: MonCB, session: AsyncSession, actor: Actor,
                  **_kw: Any) -> None:
    value = callback_data.value
    m = await monitoring.stoppable(session, actor, int(value) if value.isdigit() else -1)
    subject = await session.get(Person, m.person_id)
    await query.answer()
    await query.bot.send_message(
        query.from_user.id, _("End home monitoring for {name} now? They will be told that no more reports are "
                              "needed.").format(name=subject.full_name if subject else "—"),
        reply_markup=_kb([[(_("⏹ Yes, end it"), "stopok", str(m.id))], [(_("✖️ Cancel"), "cancel", "-")]]))


@_step("stopok")
async def on_stop_confirmed(query: CallbackQuery, callback_data: MonCB, session: AsyncSession, actor: Actor,
                            clock: Clock, **_kw: Any) -> None:
    value = callback_data.value
    m = await monitoring.stop(session, actor, int(value) if value.isdigit() else -1, clock.now())
    subject = await session.get(Person, m.person_id)
    if subject is not None:
        await monitoring_messages.monitoring_over(session, m, subject, True, clock.now())
    audit(session, actor_id=actor.person_id, action="stop_monitoring", at=clock.now(), subject_id=m.person_id,
          monitoring=m.id)
    await session.commit()
    await query.answer()
    await edit_text(query.message, _("Home monitoring for {name} has ended.").format(
        name=subject.full_name if subject else "—"))


@router.callback_query(MonCB.filter())
async def stale(query: CallbackQuery, person: Person | None) -> None:
    """A step pressed out of its turn (an older keyboard, a second tap) or a forged one."""
    if person is None:  # the router's gate (_may) let only doctors and staff in
        await query.answer(refusal("forbidden"), show_alert=True)
        return
    await query.answer(_("This button is no longer active."), show_alert=True)


async def _members(session: AsyncSession, household_id: int | None) -> list[Person]:
    if household_id is None:
        return []
    return [m for m in await registration.household_members(session, household_id) if m.deleted_at is None]


@router.message(StateFilter(Mon.unit), NotCommand())
async def on_unit(message: Message, state: FSMContext, session: AsyncSession, actor: Actor) -> None:
    data = await state.get_data()
    try:
        unit = registration.normalize_unit(message.text)
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params))
        return
    household = await registration.find_household(session, data.get("building_id", -1), unit)
    members = await _members(session, household.id if household else None)
    if household is None or not members:
        await message.answer(_("Nobody is registered at unit {unit} of this building. Please check the number and "
                               "type it again, or /cancel.").format(unit=unit))
        return
    try:
        await monitoring.may_monitor(session, actor, household.id)
    except DomainError as e:
        await message.answer(refusal(e.code))
        await state.clear()
        return
    await state.update_data(household_id=household.id)
    await state.set_state(Mon.who)
    rows = [[(m.full_name or "—", "who", str(m.id))] for m in members]
    if len(members) > 1:
        rows.append([(_("👪 The whole household"), "who", "all")])
    await message.answer(_("Who is to be monitored?"), reply_markup=_kb(rows))


async def _ask_days(message: Message, state: FSMContext, settings: Settings) -> None:
    await state.set_state(Mon.days)
    d = settings.health_monitor_days
    choices = sorted({7, d, 21})
    await message.answer(_("For how many days? Choose, or type a number from 1 to {max}.").format(
        max=monitoring.MAX_DAYS), reply_markup=_kb([[(str(n), "days", str(n)) for n in choices]]))


@router.message(StateFilter(Mon.days), NotCommand())
async def on_days_text(message: Message, state: FSMContext) -> None:
    try:
        days = monitoring.validate_days(message.text)
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params))
        return
    await _after_days(message, state, days)


async def _after_days(message: Message, state: FSMContext, days: int) -> None:
    await state.update_data(days=days)
    await state.set_state(Mon.reason)
    await message.answer(_("Why? One line the resident will see, for example: close contact of a confirmed case."))


@router.message(StateFilter(Mon.reason), NotCommand())
async def on_reason(message: Message, state: FSMContext, settings: Settings) -> None:
    try:
        reason = monitoring.validate_reason(message.text)
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params))
        return
    await state.update_data(reason=reason)
    await state.set_state(Mon.confirm)
    data = await state.get_data()
    await message.answer(_("Please check:\nHome monitoring for: {who}\nDays: {days}\nReason: {reason}\nReminders at: "
                           "{times}").format(who=data.get("who_label"), days=data.get("days"), reason=reason,
                                             times=" / ".join(settings.health_monitor_times)),
                         reply_markup=_kb([[(_("✅ Start"), "ok", "-")], [(_("✖️ Cancel"), "cancel", "-")]]))


@router.message(StateFilter(Mon.who, Mon.confirm, Mon.pick), NotCommand())
async def press_a_button(message: Message) -> None:
    await message.answer(_("Please press one of the buttons above. (Type /cancel to stop.)"))


async def _start(message: Message, state: FSMContext, session: AsyncSession, actor: Actor, clock: Clock,
                 settings: Settings) -> None:
    data = await state.get_data()
    now = clock.now()
    subjects = [p for p in [await session.get(Person, i) for i in data.get("who", [])] if p is not None]
    if not subjects:
        await state.clear()
        await message.answer(refusal("not_found"))
        return
    hh = await session.get(Household, subjects[0].household_id) if subjects[0].household_id else None
    building = await session.get(Building, hh.building_id) if hh else None
    community = await session.get(Community, building.community_id) if building else None
    try:
        started = await monitoring.start(session, actor, subjects, days=data.get("days", 0),
                                         reason=data.get("reason", ""),
                                         plan=monitoring.plan_from(settings, community), now=now)
    except DomainError as e:
        await state.clear()
        await message.answer(refusal(e.code, **e.params))
        return
    unreachable = []
    for m in started:
        subject = next(p for p in subjects if p.id == m.person_id)
        told = await monitoring_messages.monitoring_started(
            session, m, subject, community.emergency_number if community else "120", now)
        if not told:
            unreachable.append(subject.full_name or "—")
        audit(session, actor_id=actor.person_id, action="start_monitoring", at=now, subject_id=m.person_id,
              monitoring=m.id, days=m.days)
    await session.commit()
    await state.clear()
    names = ", ".join(next(p.full_name or "—" for p in subjects if p.id == m.person_id) for m in started)
    text = _("Home monitoring started for {names} until {date}. They have been told; reminders are booked.").format(
        names=names, date=local_date(started[0].ends_at, started[0].timezone))
    skipped = len(subjects) - len(started)
    if skipped:
        text += "\n" + _("{n} of them were already under monitoring and were left as they are.").format(n=skipped)
    if unreachable:
        text += "\n" + _("⚠️ Nobody in the household of {names} uses Telegram, so they could not be told and "
                         "will get no reminders: please tell them in person. A call is offered to volunteers at "
                         "each report time they miss.").format(names=", ".join(unreachable))
    await message.answer(text)


@router.message(Command("checkin"))
async def cmd_checkin(message: Message, session: AsyncSession, person: Person | None, actor: Actor) -> None:
    """Community-wide staff: the daily check-in reminder for every resident, on or off."""
    communities = [c for c in await structure.list_communities(session)
                   if actor.covering((Role.STAFF, Role.ADMIN), c.id, None)]
    if person is None or not communities:
        await message.answer(refusal("forbidden"))
        return
    for c in communities:
        await message.answer(_checkin_text(c, person.locale), reply_markup=_checkin_kb(c))


def _checkin_text(c: Community, locale: str) -> str:
    state = _("ON") if c.daily_checkin else _("OFF")
    return _("Daily check-in reminder for every resident of {community}: {state}.\nWhen on, everyone who has not "
             "reported that day gets a one-tap reminder each morning. Switch it on during an emergency.").format(
        community=c.label(locale), state=state)


def _checkin_kb(c: Community) -> InlineKeyboardMarkup:
    text = _("⏹ Switch off") if c.daily_checkin else _("▶️ Switch on")
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(
        text=text, callback_data=CheckinCB(community_id=c.id, on=not c.daily_checkin).pack())]])


@router.callback_query(CheckinCB.filter())
async def on_checkin(query: CallbackQuery, callback_data: CheckinCB, session: AsyncSession, person: Person | None,
                     actor: Actor, clock: Clock, settings: Settings) -> None:
    now = clock.now()
    try:
        c = await monitoring.set_daily_checkin(session, actor, callback_data.community_id, callback_data.on)
    except DomainError as e:
        await query.answer(refusal(e.code), show_alert=True)
        return
    if c.daily_checkin:
        await ensure_daily_checkin(session, c, settings.health_checkin_time, settings.timezone, now)
    audit(session, actor_id=actor.person_id, action="daily_checkin", at=now, community=c.id, on=c.daily_checkin)
    await session.commit()
    await query.answer(_("Saved."))
    await edit_text(query.message, _checkin_text(c, person.locale if person else "zh_Hans"), _checkin_kb(c))


@router.message(Command("health"))
async def cmd_health(message: Message, session: AsyncSession, person: Person | None, actor: Actor, clock: Clock,
                     settings: Settings) -> None:
    """Staff, doctors: today's reports in their area and the people to follow up."""
    local = clock.now().astimezone(settings.tz)
    since = local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
    try:
        ov = await monitoring.overview(session, actor, since, clock.now())
    except DomainError as e:
        await message.answer(refusal(e.code))
        return
    audit(session, actor_id=actor.person_id, action="read_health_overview", at=clock.now(),
          count=len(ov.follow_ups))
    shown = ([r.person_id for r, _s, _t in ov.follow_ups[:LIST_MAX]]
             + [m.person_id for m, _s, _a in ov.missed[:LIST_MAX]]
             + [t.subject_person_id for t, _s in ov.checkins[:LIST_MAX]])
    audit_reads(session, actor_id=actor.person_id, action="read_health_status", at=clock.now(), subject_ids=shown)
    await session.commit()
    lines = [_("Health reports today in your area: {n} (abnormal {abnormal}, red flags {red})").format(
        n=ov.reports, abnormal=ov.abnormal, red=ov.red_flags)]
    if not ov.follow_ups:
        lines.append(_("Nobody needs a follow-up call."))
    for report, subject, task in ov.follow_ups[:LIST_MAX]:
        status = {None: _("nobody has taken the call yet"), "open": _("nobody has taken the call yet"),
                  "claimed": _("someone is calling"), "confirmed": _("resolved")}.get(
            task.status if task else None, task.status if task else "")
        mark = "🔴" if report.red_flag else "🟠"
        temp = f" {report.temperature_c} °C" if report.temperature_c is not None else ""
        lines.append(f"{mark} {subject.full_name if subject else '—'}{temp} — {status}"
                     + (f" ({task.ref})" if task else ""))
        if report.note:
            lines.append("   " + _("Their note: {note}").format(note=report.note))
    lines += more_line(len(ov.follow_ups) - LIST_MAX)
    lines.append("")
    lines.append(_("🏠 Under home monitoring: {n}. Missed report times today: {missed}.").format(
        n=ov.under_monitoring, missed=len(ov.missed)))
    for m, subject, at in ov.missed[:LIST_MAX]:
        lines.append(_("• {name}: no report for {time}").format(name=subject.full_name if subject else "—",
                                                                time=local_time(at, m.timezone)))
    lines += more_line(len(ov.missed) - LIST_MAX)
    for task, subject in ov.checkins[:LIST_MAX]:
        status = _("nobody has taken the call yet") if task.status == "open" else _("someone is calling")
        lines.append(f"📞 {task.ref} {subject.full_name if subject else '—'} — {status}")
    lines += more_line(len(ov.checkins) - LIST_MAX)
    await send_long(message.bot, message.chat.id, "\n".join(lines))

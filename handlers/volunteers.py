"""Volunteers: /duty (on/off and skills), claiming offered tasks, the task's steps, release, /tasks;
and the resident's “received” button.

```mermaid
stateDiagram-v2
    [*] --> offered: pushed with "I'll take it"
    offered --> claimed: first press wins (others see "taken")
    claimed --> picked_up: "Picked up"
    picked_up --> delivered: "Delivered"
    claimed --> offered: "Give it back" + reason (offered again to others)
    delivered --> confirmed: resident "Yes, I received it" (or automatically after 24 h)
```
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from aiogram import F
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.access.messages import role_label
from bot.config import Settings
from bot.kernel.errors import DomainError
from bot.kernel.permissions import Actor, Role
from bot.monitoring.callbacks import MonCB
from bot.platform.clock import Clock
from bot.platform.i18n import N_, _, _n, get_i18n
from bot.tasks import messages as tasks_messages
from bot.tasks import rules as dispatch
from bot.tasks import workflow
from bot.tasks.callbacks import DutyCB, TaskCB
from bot.telegram.commands import CommandEntry
from bot.telegram.filters import NotCommand, Private
from bot.telegram.routing import RouterTemplate
from bot.telegram.ui import edit_markup, edit_text, finish_typed_step, refusal
from models import Person, Task, VolunteerProfile
from models.tasks import task_kind

router = RouterTemplate("volunteers")

COMMANDS = (
    CommandEntry("duty", N_("Volunteer duty on/off and skills"), (Role.VOLUNTEER, Role.STAFF)),
    CommandEntry("tasks", N_("My volunteer tasks"), (Role.VOLUNTEER, Role.DOCTOR, Role.STAFF)),
)


class Vol(StatesGroup):
    release_reason = State()
    resolve_note = State()
    photo = State()


def skill_label(code: str) -> str:
    return tasks_messages.skill_label(get_i18n().current_locale, code)


def _button(label: str, action: str, task: Task) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(text=label, callback_data=TaskCB(action=action, id=task.id).pack())]


def _resolve_steps(task: Task) -> list[list[InlineKeyboardButton]]:
    """A health follow-up: resolved in one press; home monitoring can start from it."""
    if task.status not in dispatch.ACTIVE:
        return []
    rows = [_button(_("✅ Resolved"), "resolve", task)]
    if task.subject_person_id is not None:
        rows.append([InlineKeyboardButton(text=_("🏠 Home monitoring"), callback_data=MonCB(
            step="person", value=str(task.subject_person_id)).pack())])
    return [*rows, _button(_("↩️ Give it back"), "release", task)]


def _outcome_steps(task: Task) -> list[list[InlineKeyboardButton]]:
    """A check-in call or a door-knock: closed with how it went."""
    if task.status not in dispatch.ACTIVE:
        return []
    return [_button(label, action, task) for action, label in (
        ("reached", _("✅ Reached them, all right")), ("unreached", _("📵 Could not reach")),
        ("escalated", _("⚠️ Passed to the doctor")))] + [_button(_("↩️ Give it back"), "release", task)]


def _delivery_steps(task: Task) -> list[list[InlineKeyboardButton]]:
    """A delivery: picked up, then delivered (the resident confirms)."""
    rows = []
    if task.status == "claimed":
        rows.append(_button(_("📦 Picked up"), "pickup", task))
    if task.status in ("claimed", "picked_up"):
        rows += [_button(_("✅ Delivered"), "delivered", task), _button(_("↩️ Give it back"), "release", task)]
    return rows


STEPS = {"resolve": _resolve_steps, "outcome": _outcome_steps, "delivery": _delivery_steps}


def steps_kb(task: Task) -> InlineKeyboardMarkup:
    """The buttons still valid for the one who holds the task, as its kind closes."""
    return InlineKeyboardMarkup(inline_keyboard=STEPS[task_kind(task.kind).closes_by](task))


def duty_kb(profile: VolunteerProfile) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(text=("☑️ " if s in profile.skills else "⬜ ") + skill_label(s),
                                  callback_data=DutyCB(kind="skill", value=s).pack())] for s in dispatch.SKILLS]
    rows.append([InlineKeyboardButton(text=("▪️ " if profile.max_tasks == n else "") + str(n),
                                      callback_data=DutyCB(kind="max", value=str(n)).pack())
                 for n in dispatch.MAX_CHOICES])
    rows.append([InlineKeyboardButton(text=("▪️ " if profile.max_per_day == n else "") + _("{n}/day").format(n=n),
                                      callback_data=DutyCB(kind="day", value=str(n)).pack())
                 for n in dispatch.DAY_CHOICES])
    rows.append([InlineKeyboardButton(text=("▪️ " if profile.max_hours_week == n else "") + _("{n} h/week").format(n=n),
                                      callback_data=DutyCB(kind="week", value=str(n)).pack())
                 for n in dispatch.WEEK_CHOICES])
    # Explicit: the button says what it does, and pressing it twice does it once (no toggle).
    change = DutyCB(kind="duty", value="off") if profile.on_duty else DutyCB(kind="duty", value="on")
    rows.append([InlineKeyboardButton(text=_("⏸ Go off duty") if profile.on_duty else _("▶️ Go on duty"),
                                      callback_data=change.pack())])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def duty_text(profile: VolunteerProfile, week: dispatch.Served | None = None,
              rest: DomainError | None = None) -> str:
    state = _("You are ON duty: new tasks will be sent to you.") if profile.on_duty else \
        _("You are OFF duty: no tasks will be sent to you.")
    lines = [state, _n("At most {n} task at once (change with the number buttons).",
                       "At most {n} tasks at once (change with the number buttons).",
                       profile.max_tasks).format(n=profile.max_tasks),
             _("Rest limits: at most {day} tasks a day and {hours} hours a week.").format(
                 day=profile.max_per_day, hours=profile.max_hours_week)]
    if week is not None:
        lines.append(_("Your last 7 days: {tasks} tasks, about {hours} hours.").format(tasks=week.taken,
                                                                                      hours=f"{week.hours:.1f}"))
    if rest is not None:
        lines.append("🛑 " + refusal(rest.code, **rest.params))
    return "\n".join([*lines, _("Your skills (tap to change):")])


@router.message(Command("duty"), Private())
async def cmd_duty(message: Message, session: AsyncSession, person: Person | None, actor: Actor,
                   clock: Clock) -> None:
    """Typing /duty shows where one stands (and their last 7 days) and changes nothing: the buttons change it."""
    try:
        profile = await dispatch.duty_profile(session, person, actor)
    except DomainError as e:
        await message.answer(refusal(e.code))
        return
    await session.commit()
    await message.answer(await _duty_text(session, person, profile, clock), reply_markup=duty_kb(profile))


async def _duty_text(session: AsyncSession, person: Person, profile: VolunteerProfile, clock: Clock) -> str:
    now = clock.now()
    week = await dispatch.served(session, person.id, now - timedelta(days=7), now)
    return duty_text(profile, week, await dispatch.rest_refusal(session, person.id, profile, now))


@router.callback_query(DutyCB.filter())
async def on_duty_cb(query: CallbackQuery, callback_data: DutyCB, session: AsyncSession, person: Person | None,
                     actor: Actor, clock: Clock) -> None:
    try:
        profile = await dispatch.change_duty(session, person, actor, callback_data.kind, callback_data.value,
                                             clock.now())
    except DomainError as e:
        await query.answer(refusal(e.code), show_alert=True)
        return
    await session.commit()
    await query.answer()
    await edit_text(query.message, await _duty_text(session, person, profile, clock), duty_kb(profile))


def _press(fn: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
    """A press on a task's button: only someone known may press it, and a rule's refusal is its one answer
    (a claimer's own second tap excepted, the buttons of a task that moved on are taken away)."""

    @functools.wraps(fn)
    async def press(query: CallbackQuery, person: Person | None, **kw: Any) -> None:
        if person is None:
            await query.answer(refusal("forbidden"), show_alert=True)
            return
        try:
            await fn(query, person=person, **kw)
        except DomainError as e:
            params = dict(e.params)
            if "role" in params:
                params["role"] = role_label(str(params["role"]))
            await query.answer(refusal(e.code, **params), show_alert=e.code != "claimed_by_you")
            # The claimer's own second tap leaves the step buttons the first one put there.
            if e.code in ("task_taken", "task_taken_unknown", "task_cancelled", "already_done", "not_found"):
                await edit_markup(query.message, None)

    return press


@router.callback_query(TaskCB.filter(F.action == "claim"))
@_press
async def on_claim(query: CallbackQuery, callback_data: TaskCB, session: AsyncSession, person: Person,
                   actor: Actor, clock: Clock, settings: Settings) -> None:
    task, details = await workflow.claimed(session, callback_data.id, person, actor, settings, clock.now())
    await session.commit()
    await query.answer()
    if task.subject_person_id is None and task.household_id is None:  # work on a place, for nobody in particular
        text = _("You took {ref}. Thank you!").format(ref=task.ref)
    else:
        text = _("You took {ref}. Thank you!\nFor: {name}\nAddress: {building}, {unit}\nPhone: {phone}").format(
            ref=task.ref, name=details.name or "—", building=details.building, unit=details.unit,
            phone=details.phone or "—")
    text += "\n\n" + await tasks_messages.describe_request(session, task, person.locale)
    await edit_text(query.message, text, steps_kb(task))


@router.callback_query(TaskCB.filter(F.action == "pickup"))
@_press
async def on_pickup(query: CallbackQuery, callback_data: TaskCB, session: AsyncSession, person: Person,
                    clock: Clock) -> None:
    task = await workflow.picked_up(session, callback_data.id, person, clock.now())
    await session.commit()
    await query.answer(_("Saved."))
    await edit_markup(query.message, steps_kb(task))


@router.callback_query(TaskCB.filter(F.action == "delivered"))
@_press
async def on_delivered(query: CallbackQuery, callback_data: TaskCB, state: FSMContext, session: AsyncSession,
                       person: Person, clock: Clock, settings: Settings) -> None:
    task = await workflow.delivered(session, callback_data.id, person, settings, clock.now())
    await session.commit()
    await query.answer(_("Saved."))
    await edit_markup(query.message, steps_kb(task))
    await state.set_state(Vol.photo)
    await state.update_data(photo_task=task.id)
    await query.bot.send_message(query.from_user.id, _(
        "{ref} delivered. Thank you for your help! If you like, send a photo of the delivery now; "
        "the resident will see it.").format(ref=task.ref))


@router.callback_query(TaskCB.filter(F.action == "release"))
@_press
async def on_release(query: CallbackQuery, callback_data: TaskCB, state: FSMContext, session: AsyncSession,
                     person: Person) -> None:
    task = await dispatch.releasable(session, callback_data.id, person)
    await query.answer()
    await state.set_state(Vol.release_reason)
    await state.update_data(release_task=task.id)
    await query.bot.send_message(query.from_user.id, _(
        "Why are you giving {ref} back? One line is enough; it goes to the community staff.").format(ref=task.ref))


@router.callback_query(TaskCB.filter(F.action == "resolve"))
@_press
async def on_resolve(query: CallbackQuery, callback_data: TaskCB, state: FSMContext, session: AsyncSession,
                     person: Person, actor: Actor) -> None:
    task = await dispatch.resolvable(session, callback_data.id, person, actor)
    await query.answer()
    await state.set_state(Vol.resolve_note)
    await state.update_data(resolve_task=task.id)
    await query.bot.send_message(query.from_user.id, _(
        "How was {ref} resolved? One line for the record (for example: called, fever going down).").format(
            ref=task.ref))


@router.callback_query(TaskCB.filter(F.action.in_(dispatch.OUTCOMES)))
@_press
async def on_outcome(query: CallbackQuery, callback_data: TaskCB, session: AsyncSession, person: Person,
                     actor: Actor, clock: Clock) -> None:
    task, told = await workflow.closed_with_outcome(session, callback_data.id, person, actor, callback_data.action,
                                                    clock.now())
    await session.commit()
    await query.answer(_("Saved."))
    text = {"reached": _("{ref} closed: reached them. Thank you!"),
            "unreached": _("{ref} closed: could not reach them. {n} staff and doctors have been told to "
                           "arrange a visit."),
            "escalated": _("{ref} closed: passed to the doctor. {n} staff and doctors have been told.")}
    await edit_text(query.message, text[callback_data.action].format(ref=task.ref, n=told))


@router.callback_query(TaskCB.filter(F.action == "confirm"))
@_press
async def on_confirm(query: CallbackQuery, callback_data: TaskCB, session: AsyncSession, person: Person,
                     clock: Clock) -> None:
    task = await dispatch.confirm_receipt(session, callback_data.id, person, clock.now())
    await session.commit()
    await query.answer()
    await edit_text(query.message, _("Thank you! {ref} is complete.").format(ref=task.ref))


@router.callback_query(TaskCB.filter())
async def stale_task_button(query: CallbackQuery) -> None:
    """A task button this version does not know (an old message's, or forged)."""
    await query.answer(_("This button is no longer active."), show_alert=True)


@router.message(StateFilter(Vol.release_reason), NotCommand(), Private())
async def on_release_reason(message: Message, state: FSMContext, session: AsyncSession, person: Person | None,
                            clock: Clock, settings: Settings) -> None:
    data = await state.get_data()

    async def act() -> str:
        task = await workflow.given_back(session, data.get("release_task", 0), person, message.text or "", settings,
                                         clock.now())
        return _("{ref} has been given back and offered to other volunteers.").format(ref=task.ref)

    await finish_typed_step(message, state, session, act)


@router.message(StateFilter(Vol.resolve_note), NotCommand(), Private())
async def on_resolve_note(message: Message, state: FSMContext, session: AsyncSession, person: Person | None,
                          actor: Actor, clock: Clock, settings: Settings) -> None:
    data = await state.get_data()

    async def act() -> str:
        task = await workflow.resolved(session, data.get("resolve_task", 0), person, actor, message.text, settings,
                                       clock.now())
        return _("{ref} is resolved. Thank you!").format(ref=task.ref)

    await finish_typed_step(message, state, session, act)


@router.message(Command("tasks"), Private())
async def cmd_tasks(message: Message, session: AsyncSession, person: Person | None) -> None:
    if person is None:
        await message.answer(refusal("forbidden"))
        return
    tasks = await dispatch.held_by(session, person)
    if not tasks:
        await message.answer(_("You have no open tasks."))
        return
    for t in tasks:
        await message.answer(await tasks_messages.describe_request(session, t, person.locale), reply_markup=steps_kb(t))


@router.message(StateFilter(Vol.photo), F.photo, Private())
async def on_delivery_photo(message: Message, state: FSMContext, session: AsyncSession, person: Person | None,
                            clock: Clock) -> None:
    data = await state.get_data()
    task = await session.get(Task, data.get("photo_task", 0))
    await state.clear()
    if task is None or person is None or task.claimed_by_id != person.id:
        await message.answer(refusal("not_found"))
        return
    await tasks_messages.delivery_photo(session, task, message.photo[-1].file_id, clock.now())
    await session.commit()
    await message.answer(_("Thank you, the photo has been passed on."))


@router.message(StateFilter(Vol.photo), NotCommand(), Private())
async def no_photo(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(_("All right, no photo. Thank you!"))

"""Community workers and admins handle cases: "I'll handle it" (first press wins), work started, resolved (what
was done, a photo if any), or not for us (a reason); /cases for the open ones and the figures. The router is
gated as a whole (`may_handle_cases`); every press is checked again against the case's own area and state.

```mermaid
stateDiagram-v2
    [*] --> new: reported (grid staff alerted)
    new --> acknowledged: "I'll handle it" (the others' alerts updated)
    acknowledged --> in_progress: "Work has started"
    acknowledged --> resolution: "Resolved"
    in_progress --> resolution: "Resolved"
    resolution --> [*]: what was done typed (or a photo with it): followers asked "Is it fixed?"
    acknowledged --> acknowledged: "Ask a volunteer" (a task: their "Resolved" resolves it) / "Pass to a colleague"
    acknowledged --> reason: "Not for us"
    in_progress --> reason: "Not for us"
    reason --> [*]: reason typed: followers told
```
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from aiogram import F
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.cases import kinds, workflow
from bot.cases import messages as case_messages
from bot.cases import rules as cases
from bot.cases.callbacks import CaseCB, CaseListCB, PassCB
from bot.config import Settings
from bot.feedback import rules as feedback
from bot.hazards import rules as hazards
from bot.kernel.audit import audit
from bot.kernel.errors import DomainError
from bot.kernel.permissions import Actor
from bot.platform.clock import Clock
from bot.platform.i18n import N_, _, duration, get_i18n
from bot.telegram.commands import CommandEntry
from bot.telegram.filters import NotCommand
from bot.telegram.routing import gated
from bot.telegram.routing import refusals as refusals_router
from bot.telegram.ui import edit_markup, edit_text, finish_typed_step, refusal, send_long
from models import Building, Person

router = gated("cases", cases.may_handle_cases)
refusals = refusals_router("cases-others", commands=("cases", "inbox"), buttons=(CaseCB, PassCB, CaseListCB))

COMMANDS = (CommandEntry("cases", N_("Hazard cases in my area"), cases.HANDLER_ROLES),
            CommandEntry("inbox", N_("Residents' feedback and complaints in my area"), cases.HANDLER_ROLES))


class Cs(StatesGroup):
    resolution = State()
    reason = State()


def _markup(case) -> InlineKeyboardMarkup | None:
    rows = case_messages.action_rows(get_i18n().current_locale, case)
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=t, callback_data=d) for t, d in row]
                                                 for row in rows]) if rows else None


def _press(fn: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
    """A staff member's press on a case: a rule's refusal (not their area, taken, moved on) is its one answer."""

    @functools.wraps(fn)
    async def press(query: CallbackQuery, person: Person | None, **kw: Any) -> None:
        if person is None:  # the router's gate let only staff in
            await query.answer(refusal("forbidden"), show_alert=True)
            return
        try:
            await fn(query, person=person, **kw)
        except DomainError as e:
            await query.answer(refusal(e.code, **e.params), show_alert=True)
            if e.code in ("case_taken", "already_done", "not_found"):
                await edit_markup(query.message, None)

    return press


@router.callback_query(CaseCB.filter(F.action == "ack"))
@_press
async def on_ack(query: CallbackQuery, callback_data: CaseCB, session: AsyncSession, person: Person, actor: Actor,
                 clock: Clock) -> None:
    case = await workflow.acknowledged(session, actor, person, callback_data.id, clock.now())
    await session.commit()
    await query.answer(_("It is yours. Thank you!"))
    loc = get_i18n().current_locale
    await edit_text(query.message, await case_messages.staff_text(session, case, loc), _markup(case))


@router.callback_query(CaseCB.filter(F.action == "start"))
@_press
async def on_start(query: CallbackQuery, callback_data: CaseCB, session: AsyncSession, actor: Actor, clock: Clock,
                   **_kw: Any) -> None:
    case = await workflow.work_started(session, actor, callback_data.id, clock.now())
    await session.commit()
    await query.answer(_("Saved. The neighbours have been told."))
    await edit_markup(query.message, _markup(case))


@router.callback_query(CaseCB.filter(F.action.in_(("resolve", "reject"))))
@_press
async def on_ask(query: CallbackQuery, callback_data: CaseCB, state: FSMContext, session: AsyncSession,
                 actor: Actor, **_kw: Any) -> None:
    """Resolving and rejecting both need words the neighbours will read."""
    case = await cases.handled_case(session, actor, callback_data.id)
    if case.status not in ("acknowledged", "in_progress"):
        raise DomainError("already_done")
    await query.answer()
    await state.set_state(Cs.resolution if callback_data.action == "resolve" else Cs.reason)
    await state.update_data(case_id=case.id)
    key = "resolve_prompt" if callback_data.action == "resolve" else "reject_prompt"
    await query.bot.send_message(query.from_user.id, case_messages.words(case.kind, key, get_i18n().current_locale,
                                                                         ref=case.ref))


@router.callback_query(CaseCB.filter(F.action == "volunteer"))
@_press
async def on_volunteer(query: CallbackQuery, callback_data: CaseCB, session: AsyncSession, actor: Actor,
                       clock: Clock, settings: Settings, **_kw: Any) -> None:
    _case, n = await workflow.volunteer_asked(session, actor, callback_data.id, settings, clock.now())
    await session.commit()
    await query.answer(_("Offered to {n} volunteers of the grid; you will hear when one has done it.").format(n=n),
                       show_alert=True)


@router.callback_query(CaseCB.filter(F.action == "pass"))
@_press
async def on_pass(query: CallbackQuery, callback_data: CaseCB, session: AsyncSession, actor: Actor,
                  **_kw: Any) -> None:
    case = await cases.handled_case(session, actor, callback_data.id)
    if case.status not in ("acknowledged", "in_progress"):
        raise DomainError("already_done")
    people = await cases.colleagues(session, actor, case)
    if not people:
        await query.answer(_("Nobody else works in this area."), show_alert=True)
        return
    await query.answer()
    rows = [[InlineKeyboardButton(text=p.full_name or "—", callback_data=PassCB(id=case.id, person=p.id).pack())]
            for p in people[:30]]
    await query.bot.send_message(query.from_user.id, _("Pass {ref} to whom?").format(ref=case.ref),
                                 reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


@router.callback_query(PassCB.filter())
@_press
async def on_pass_to(query: CallbackQuery, callback_data: PassCB, session: AsyncSession, person: Person,
                     actor: Actor, clock: Clock) -> None:
    case, colleague = await workflow.passed(session, actor, person, callback_data.id, callback_data.person,
                                            clock.now())
    await session.commit()
    await query.answer()
    await edit_text(query.message, _("{ref} is now with {name}; they have been told.").format(
        ref=case.ref, name=colleague.full_name or "—"))


@router.callback_query(CaseCB.filter())
async def stale_case_button(query: CallbackQuery) -> None:
    await query.answer(_("This button is no longer active."), show_alert=True)


@router.message(StateFilter(Cs.resolution), F.photo)
@router.message(StateFilter(Cs.resolution), NotCommand())
async def on_resolution(message: Message, state: FSMContext, session: AsyncSession, actor: Actor, clock: Clock,
                        settings: Settings) -> None:
    data = await state.get_data()
    photo = message.photo[-1].file_id if message.photo else data.get("photo")
    words = message.text or message.caption
    if photo and not (words or "").strip():  # a photo first: kept, and the words asked for
        await state.update_data(photo=photo)
        await message.answer(_("Photo kept. Now one line about what was done."))
        return

    async def act() -> str:
        case = await workflow.resolved(session, actor, data.get("case_id", 0), words, photo, settings, clock.now())
        n = len(await cases.followers(session, case.id))
        return case_messages.words(case.kind, "resolved_done", get_i18n().current_locale, ref=case.ref, n=n,
                                   hours=settings.case_confirm_hours)

    await finish_typed_step(message, state, session, act)


@router.message(StateFilter(Cs.reason), NotCommand())
async def on_reason(message: Message, state: FSMContext, session: AsyncSession, actor: Actor, clock: Clock) -> None:
    data = await state.get_data()

    async def act() -> str:
        case = await workflow.rejected(session, actor, data.get("case_id", 0), message.text, clock.now())
        return case_messages.words(case.kind, "rejected_done", get_i18n().current_locale, ref=case.ref)

    await finish_typed_step(message, state, session, act)


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{round(100 * rate)} %"


def _minutes_words(locale: str, minutes: float | None) -> str:
    return "—" if minutes is None else duration(locale, timedelta(minutes=minutes))


FILTER_STATUSES = (("new", N_("🆕 New")), ("acknowledged", N_("✋ Taken")), ("in_progress", N_("🚧 In progress")),
                   ("resolved", N_("✅ Waiting for the neighbours")))


@router.message(Command("cases", "inbox"))
async def cmd_cases(message: Message, command: CommandObject, session: AsyncSession, actor: Actor,
                    clock: Clock) -> None:
    """The figures for the last 7 and 30 days, then the open cases oldest first, each with its buttons: hazard
    cases (/cases), or residents' feedback and complaints (/inbox)."""
    now, loc = clock.now(), get_i18n().current_locale
    kind = feedback.KIND if command.command == "inbox" else hazards.KIND
    lines = []
    for days in (7, 30):
        f = await cases.figures(session, actor, kind, now - timedelta(days=days), now)
        lines.append(_("Last {days} days: closure rate {rate} ({fixed} of {closures} closings stayed fixed); "
                       "median time to take a case {ack}, to resolve it {resolve}; reopened {reopened}.").format(
            days=days, rate=_percent(f.closure_rate), fixed=f.fixed, closures=f.closures,
            ack=_minutes_words(loc, f.median_ack_minutes), resolve=_minutes_words(loc, f.median_resolve_minutes),
            reopened=f.reopened))
    await send_long(message.bot, message.chat.id, "\n".join(lines))
    await _list(message.bot, message.chat.id, session, actor, clock, kind)


@router.callback_query(CaseListCB.filter())
async def on_filter(query: CallbackQuery, callback_data: CaseListCB, session: AsyncSession, actor: Actor,
                    clock: Clock) -> None:
    """The open cases again, of one status and/or one building (a filter it does not know shows them all)."""
    known = {s for s, _label in FILTER_STATUSES}
    if callback_data.kind not in kinds.installed():
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    await query.answer()
    await _list(query.bot, query.from_user.id, session, actor, clock, callback_data.kind,
                status=callback_data.status if callback_data.status in known else None,
                building_id=callback_data.building or None)


async def _list(bot, chat_id: int, session: AsyncSession, actor: Actor, clock: Clock, kind: str, *,
                status: str | None = None, building_id: int | None = None) -> None:
    now, loc = clock.now(), get_i18n().current_locale
    everything = await cases.open_cases(session, actor, kind)
    chosen = cases.matching(everything, status=status, building_id=building_id)
    shown, total = chosen[:10], len(chosen)
    audit(session, actor_id=actor.person_id, action="read_cases", at=now, kind=kind, count=len(shown))
    await session.commit()
    if status is None and building_id is None:
        head = case_messages.words(kind, "list_head", loc, n=total)
        by_category = cases.count_by_category(everything)
        label = kinds.kind(kind).label
        head += "".join(f"\n• {label(loc, c)}: {n}" for c, n in by_category.items())
    else:
        head = _("Open cases matching the filter: {n}.").format(n=total)
    def status_button(s: str, label: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(text=_(label),
                                    callback_data=CaseListCB(status=s, building=building_id or 0, kind=kind).pack())

    rows = [[status_button(s, label) for s, label in FILTER_STATUSES[:2]],
            [status_button(s, label) for s, label in FILTER_STATUSES[2:]]]
    buildings = {c.building_id for c in everything if c.building_id is not None}
    for b in sorted(buildings)[:12]:
        building = await session.get(Building, b)
        rows.append([InlineKeyboardButton(
            text="🏢 " + (building.label(loc) if building else "?"),
            callback_data=CaseListCB(status=status or "all", building=b, kind=kind).pack())])
    rows.append([InlineKeyboardButton(text=_("All open cases"), callback_data=CaseListCB(kind=kind).pack())])
    await bot.send_message(chat_id, head, reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))
    for case in shown:
        age = duration(loc, now - case.created_at)
        await bot.send_message(chat_id, _("Open for {age}").format(age=age) + "\n"
                               + await case_messages.staff_text(session, case, loc), reply_markup=_markup(case))
    if total > len(shown):
        await bot.send_message(chat_id, _("… and {n} more.").format(n=total - len(shown)))

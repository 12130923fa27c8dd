"""/vulnerable: the register of vulnerable households of a staff member's area, the longest unheard first, and
adding or changing an entry in a few taps.

```mermaid
stateDiagram-v2
    [*] --> building: /vulnerable → "➕ Add a household"
    building --> household: a building of the area
    household --> grade: a household of it (ledger or registered)
    [*] --> grade: "✏️" on an entry
    grade --> reasons: 1 (highest need), 2 or 3
    reasons --> reasons: a reason ticked or unticked
    reasons --> responsible: "➡️ Continue" (at least one reason)
    responsible --> [*]: a grid worker or volunteer, or the grid's volunteers: saved, audited
```
"""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.kernel.audit import audit
from bot.kernel.errors import DomainError
from bot.kernel.permissions import Actor
from bot.ledger.rules import area_buildings  # the same area as the ledger's
from bot.platform.clock import Clock
from bot.platform.i18n import N_, _, get_i18n
from bot.telegram.commands import CommandEntry
from bot.telegram.routing import gated
from bot.telegram.routing import refusals as refusals_router
from bot.telegram.ui import act_on_press, edit_markup, refusal, send_long
from bot.vulnerable import messages as vuln_messages
from bot.vulnerable import rules as vulnerable
from bot.vulnerable.callbacks import VulnCB
from models import Building, Household, Person, VulnerableEntry

router = gated("vulnerable", vulnerable.may_keep)
refusals = refusals_router("vulnerable-others", commands=("vulnerable",), buttons=(VulnCB,))

COMMANDS = (CommandEntry("vulnerable", N_("Vulnerable households in my area: who was heard from when"),
                         vulnerable.KEEPER_ROLES),)


class V(StatesGroup):
    grade = State()
    reasons = State()
    responsible = State()


def _kb(rows: list[list[tuple[str, str, int, str]]], cancel: bool = True) -> InlineKeyboardMarkup:
    out = [[InlineKeyboardButton(text=t, callback_data=VulnCB(action=a, id=i, value=v).pack()) for t, a, i, v in row]
           for row in rows]
    if cancel:
        out.append([InlineKeyboardButton(text=_("✖️ Cancel"), callback_data=VulnCB(action="cancel").pack())])
    return InlineKeyboardMarkup(inline_keyboard=out)


@router.message(Command("vulnerable"))
async def cmd_vulnerable(message: Message, state: FSMContext, session: AsyncSession, actor: Actor,
                         clock: Clock) -> None:
    await state.clear()
    now, loc = clock.now(), get_i18n().current_locale
    rows = await vulnerable.register(session, actor, now)
    audit(session, actor_id=actor.person_id, action="read_vulnerable", at=now, households=len(rows))
    await session.commit()
    lines = [_("🧓 Vulnerable households in your area: {n} (the longest unheard first)").format(n=len(rows))]
    buttons = []
    for r in rows:
        who = await session.get(Person, r.entry.responsible_id) if r.entry.responsible_id else None
        line = _("{building} {unit} · grade {grade} · {reasons} · responsible: {who} · last heard: {heard}")
        lines.append(line.format(
            building=r.building.label(loc), unit=r.household.unit, grade=r.entry.grade,
            reasons=vuln_messages.reasons_words(loc, r.entry.reasons),
            who=(who.full_name if who else None) or _("the grid's volunteers"),
            heard=vuln_messages.heard_words(loc, r.heard, now)))
        buttons.append([(_("✏️ {building} {unit}").format(building=r.building.label(loc), unit=r.household.unit),
                         "hh", r.household.id, "")])
    buttons = [*buttons[:40], [(_("➕ Add a household"), "add", 0, "")]]
    await send_long(message.bot, message.chat.id, "\n".join(lines), reply_markup=_kb(buttons, cancel=False))


@router.callback_query(VulnCB.filter(F.action == "add"))
async def on_add(query: CallbackQuery, session: AsyncSession, actor: Actor) -> None:
    communities = {s.community_id for s in actor.scopes_for(vulnerable.KEEPER_ROLES)}
    buildings = [b for c in sorted(communities) for b in await area_buildings(session, actor, c)]
    if not buildings:
        await query.answer(refusal("forbidden"), show_alert=True)
        return
    await query.answer()
    loc = get_i18n().current_locale
    rows = [[(b.label(loc), "bld", b.id, "") for b in buildings[i:i + 3]] for i in range(0, min(len(buildings), 60), 3)]
    await query.bot.send_message(query.from_user.id, _("Which building?"), reply_markup=_kb(rows))


@router.callback_query(VulnCB.filter(F.action == "bld"))
async def on_building(query: CallbackQuery, callback_data: VulnCB, session: AsyncSession, actor: Actor) -> None:
    try:
        building, households = await vulnerable.households_of(session, actor, callback_data.id)
    except DomainError as e:
        await query.answer(refusal(e.code), show_alert=True)
        return
    if not households:
        await query.answer(_("No household of this building is known yet: import the ledger (/ledger) first."),
                           show_alert=True)
        return
    await query.answer()
    await edit_markup(query.message, None)
    rows = [[(h.unit, "hh", h.id, "") for h in households[i:i + 4]] for i in range(0, min(len(households), 80), 4)]
    await query.bot.send_message(query.from_user.id, _("Which household of {building}?").format(
        building=building.label(get_i18n().current_locale)), reply_markup=_kb(rows))


@router.callback_query(VulnCB.filter(F.action == "hh"))
async def on_household(query: CallbackQuery, callback_data: VulnCB, state: FSMContext, session: AsyncSession,
                       actor: Actor) -> None:
    try:
        household, building = await vulnerable.household_in_area(session, actor, callback_data.id)
    except DomainError as e:
        await query.answer(refusal(e.code), show_alert=True)
        return
    entry = await vulnerable.entry_for(session, household.id)
    await query.answer()
    await state.set_state(V.grade)
    await state.set_data({"hh": household.id, "reasons": list(entry.reasons) if entry else [],
                          "grade": entry.grade if entry else 2})
    rows = [[(_("1 — highest need"), "grade", 1, ""), (_("2"), "grade", 2, ""), (_("3"), "grade", 3, "")]]
    if entry is not None:
        rows.append([(_("🗑 Remove from the register"), "remove", household.id, "")])
    await query.bot.send_message(query.from_user.id, _("{building} {unit}: which grade?").format(
        building=building.label(get_i18n().current_locale), unit=household.unit), reply_markup=_kb(rows))


def _reasons_kb(chosen: list[str]) -> InlineKeyboardMarkup:
    loc = get_i18n().current_locale
    rows = [[(("✅ " if code in chosen else "⬜ ") + vuln_messages.reasons_words(loc, [code]), "why", 0, code)]
            for code in vulnerable.REASONS]
    rows.append([(_("➡️ Continue"), "why", 0, "done")])
    return _kb(rows)


@router.callback_query(VulnCB.filter(F.action == "grade"), StateFilter(V.grade))
async def on_grade(query: CallbackQuery, callback_data: VulnCB, state: FSMContext) -> None:
    try:
        vulnerable.grade(callback_data.id)
    except DomainError as e:
        await query.answer(refusal(e.code), show_alert=True)
        return
    await query.answer()
    await edit_markup(query.message, None)
    await state.update_data(grade=callback_data.id)
    await state.set_state(V.reasons)
    await query.bot.send_message(query.from_user.id, _("Why? Tick every reason that applies."),
                                 reply_markup=_reasons_kb((await state.get_data()).get("reasons", [])))


@router.callback_query(VulnCB.filter(F.action == "why"), StateFilter(V.reasons))
async def on_reason(query: CallbackQuery, callback_data: VulnCB, state: FSMContext, session: AsyncSession) -> None:
    data = await state.get_data()
    if callback_data.value == "done":
        if not data.get("reasons"):
            await query.answer(refusal("reasons_missing"), show_alert=True)
            return
        household = await session.get(Household, data["hh"])
        building = await session.get(Building, household.building_id)
        people = await vulnerable.responsible_candidates(session, building)
        await query.answer()
        await edit_markup(query.message, None)
        await state.set_state(V.responsible)
        rows = [[(p.full_name or "—", "who", p.id, "")] for p in people[:30]]
        rows.append([(_("The grid's volunteers"), "who", 0, "")])
        await query.bot.send_message(query.from_user.id, _("Who keeps in touch with them?"), reply_markup=_kb(rows))
        return
    try:
        reasons = vulnerable.toggle_reason(data.get("reasons", []), callback_data.value)
    except DomainError as e:
        await query.answer(refusal(e.code), show_alert=True)
        return
    await state.update_data(reasons=reasons)
    await query.answer()
    await edit_markup(query.message, _reasons_kb(reasons))


@router.callback_query(VulnCB.filter(F.action == "who"), StateFilter(V.responsible))
async def on_responsible(query: CallbackQuery, callback_data: VulnCB, state: FSMContext, session: AsyncSession,
                         actor: Actor, clock: Clock) -> None:
    data = await state.get_data()

    async def act() -> VulnerableEntry:
        return await vulnerable.save(session, actor, data.get("hh", 0), grade_=data.get("grade", 2),
                                     reasons=data.get("reasons", []), note=None,
                                     responsible_id=callback_data.id or None, now=clock.now())

    if await act_on_press(query, session, act) is None:
        return
    await state.clear()
    await query.answer()
    await edit_markup(query.message, None)
    await query.bot.send_message(query.from_user.id, _(
        "Saved. If nobody hears from them for too long, a visit or call is asked of the one responsible and the "
        "grid's volunteers. /vulnerable shows the register."))


@router.callback_query(VulnCB.filter(F.action == "remove"))
async def on_remove(query: CallbackQuery, callback_data: VulnCB, state: FSMContext, session: AsyncSession,
                    actor: Actor, clock: Clock) -> None:
    if await act_on_press(query, session, lambda: vulnerable.remove(session, actor, callback_data.id,
                                                                    clock.now())) is None:
        return
    await state.clear()
    await query.answer(_("Removed from the register."), show_alert=True)
    await edit_markup(query.message, None)


@router.callback_query(VulnCB.filter(F.action == "cancel"))
async def on_cancel(query: CallbackQuery, state: FSMContext) -> None:
    await query.answer()
    await state.clear()
    await edit_markup(query.message, None)
    await query.bot.send_message(query.from_user.id, _("Cancelled. Nothing was saved."))


@router.callback_query(VulnCB.filter())
async def stale(query: CallbackQuery) -> None:
    await query.answer(_("This button is no longer active."), show_alert=True)

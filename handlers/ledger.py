"""The household ledger from the chat: a staff member sends the spreadsheet they keep (XLSX or CSV); the bot
answers with what an import would create, change and refuse (row by row, with the reason) and imports only
when they confirm. /ledger explains the columns and gives a blank ledger to fill.

```mermaid
stateDiagram-v2
    [*] --> preview: a .xlsx or .csv sent by staff (or /ledger → "📄 A blank ledger")
    preview --> [*]: "✅ Import" (planned again, then applied, audited) / "✖️ Cancel"
```
"""

from __future__ import annotations

import io

from aiogram import F
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.kernel.errors import DomainError
from bot.kernel.permissions import Actor
from bot.ledger import messages as ledger_messages
from bot.ledger import rules as ledger
from bot.ledger.callbacks import LedgerCB
from bot.platform.clock import Clock
from bot.platform.i18n import N_, _, get_i18n
from bot.registration.messages import care_need_label
from bot.registration.rules import dialable
from bot.telegram.commands import CommandEntry
from bot.telegram.filters import NotCommand
from bot.telegram.routing import gated
from bot.telegram.routing import refusals as refusals_router
from bot.telegram.ui import act_on_press, edit_markup, finish_pressed_step, refusal, send_long

router = gated("ledger", ledger.may_import)
refusals = refusals_router("ledger-others", commands=("ledger", "reach", "households"), buttons=(LedgerCB,))

COMMANDS = (CommandEntry("ledger", N_("Import the household ledger (XLSX or CSV)"), ledger.IMPORT_ROLES),
            CommandEntry("households", N_("Households of my area: add, complete, correct"), ledger.IMPORT_ROLES),
            CommandEntry("reach", N_("Who the bot reaches, building by building"), ledger.IMPORT_ROLES))

TEMPLATE_HEADERS = ("楼栋", "单元", "门牌", "姓名", "出生年份", "联系电话", "与户主关系", "特殊人群", "备注")


class Lg(StatesGroup):
    confirm = State()
    unit = State()
    member_name = State()
    member_phone = State()
    phone = State()


@router.message(Command("ledger"))
async def cmd_ledger(message: Message) -> None:
    await message.answer(_(
        "📒 Send me your household ledger as an Excel (.xlsx) or CSV file, one row per person. Columns (in Chinese "
        "or English): building (楼栋), unit (单元), room (门牌), name (姓名), year of birth (出生年份), phone "
        "(联系电话), relation (与户主关系), care needs (特殊人群: 独居, 残疾, 孕妇, 婴幼儿, 慢病), notes (备注). "
        "You will see what it would do before anything is saved."),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(
            text=_("📄 A blank ledger"), callback_data=LedgerCB(action="template").pack())]]))


@router.callback_query(LedgerCB.filter(F.action == "template"))
async def on_template(query: CallbackQuery) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(list(TEMPLATE_HEADERS))
    ws.append(["1号楼", "2", "502", "王秀英", 1948, "13812345678", "户主", "独居", ""])
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    await query.answer()
    await query.bot.send_document(query.from_user.id, BufferedInputFile(out.getvalue(), filename="ledger.xlsx"))


@router.message(F.document, StateFilter(None))  # not a notice's attachment, nor any other step
async def on_file(message: Message, state: FSMContext, session: AsyncSession, actor: Actor, clock: Clock,
                  settings: Settings) -> None:
    """Read, check every row, show the plan; nothing is saved yet."""
    doc = message.document
    name = doc.file_name or "ledger"
    try:
        if (doc.file_size or 0) > ledger.MAX_BYTES:
            raise DomainError("ledger_too_big", max=ledger.MAX_BYTES // (1024 * 1024))
        if not name.lower().endswith((".xlsx", ".csv")):
            raise DomainError("ledger_kind")
        data = (await message.bot.download(doc)).read()
        rows = ledger.read_table(data, name)
        community = await ledger.importer_community(session, actor)
        plan = await ledger.plan(session, actor, community, rows, region=settings.phone_region, now=clock.now())
        if not plan.households and not plan.refused:
            raise DomainError("ledger_empty")
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params))
        return
    await state.set_state(Lg.confirm)
    await state.set_data({"rows": rows, "file": name})
    markup = InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=_("✅ Import"), callback_data=LedgerCB(action="import").pack())],
        [InlineKeyboardButton(text=_("✖️ Cancel"), callback_data=LedgerCB(action="cancel").pack())]]) \
        if plan.households else None
    await send_long(message.bot, message.chat.id, ledger_messages.preview(plan, get_i18n().current_locale, name),
                    reply_markup=markup)


@router.callback_query(LedgerCB.filter(F.action == "import"), StateFilter(Lg.confirm))
async def on_import(query: CallbackQuery, state: FSMContext, session: AsyncSession, actor: Actor, clock: Clock,
                    settings: Settings) -> None:
    """Planned again from the rows (the database may have changed since the preview), then applied."""
    data = await state.get_data()

    async def act() -> ledger.Applied:
        community = await ledger.importer_community(session, actor)
        plan = await ledger.plan(session, actor, community, data.get("rows", []), region=settings.phone_region,
                                 now=clock.now())
        return await ledger.apply(session, actor, plan, clock.now(), file_name=data.get("file", ""))

    done = await finish_pressed_step(query, state, session, act)
    if done is None:
        return
    await query.bot.send_message(query.from_user.id, _(
        "✅ Imported: {created} new households, {changed} completed or changed, {members} new members; {refused} "
        "rows refused. /reach shows who can be reached on Telegram.").format(
        created=done.created, changed=done.changed, members=done.members, refused=done.refused))


@router.callback_query(LedgerCB.filter(F.action == "cancel"), StateFilter(Lg.confirm))
async def on_cancel(query: CallbackQuery, state: FSMContext) -> None:
    await query.answer()
    await state.clear()
    await edit_markup(query.message, None)
    await query.bot.send_message(query.from_user.id, _("Cancelled. Nothing was imported."))


# ---- reach ----------------------------------------------------------------------------------------------------

@router.message(Command("reach"))
async def cmd_reach(message: Message, session: AsyncSession, actor: Actor) -> None:
    """Per building: households, in the ledger, with someone on Telegram, with nobody; a button per building
    with unreached households lists them."""
    try:
        community = await ledger.importer_community(session, actor)
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params))
        return
    loc = get_i18n().current_locale
    rows = await ledger.reach(session, actor, community.id)
    lines = [_("📶 Reach — building: households (in the ledger) · someone on Telegram · nobody")]
    for r in rows:
        lines.append(f"{r.building.label(loc)}: {r.households} ({r.in_ledger}) · {r.reachable} · {r.nobody}")
    total, nobody = sum(r.households for r in rows), sum(r.nobody for r in rows)
    lines.append(_("All: {total} households; {nobody} with nobody on Telegram: notices do not reach them, a phone "
                   "call or a door-knock does.").format(total=total, nobody=nobody))
    buttons = [[InlineKeyboardButton(text=_("📋 Unreached in {building} ({n})").format(
        building=r.building.label(loc), n=r.nobody), callback_data=LedgerCB(action="unreached",
                                                                              id=r.building.id).pack())]
        for r in rows if r.nobody][:40]
    await send_long(message.bot, message.chat.id, "\n".join(lines),
                    reply_markup=InlineKeyboardMarkup(inline_keyboard=buttons) if buttons else None)


@router.callback_query(LedgerCB.filter(F.action == "unreached"))
async def on_unreached(query: CallbackQuery, callback_data: LedgerCB, session: AsyncSession, actor: Actor,
                       clock: Clock) -> None:
    """Whom to call or visit: unit, names, phones, care needs (audited)."""
    try:
        building, households = await ledger.unreached(session, actor, callback_data.id, clock.now())
    except DomainError as e:
        await query.answer(refusal(e.code, **e.params), show_alert=True)
        return
    await session.commit()
    await query.answer()
    loc = get_i18n().current_locale
    lines = [_("📋 {building}: {n} households with nobody on Telegram").format(building=building.label(loc),
                                                                              n=len(households))]
    for u in households:
        people = "; ".join(f"{m.full_name or '—'} {dialable(m.phone) or ''}".strip() for m in u.members) or "—"
        care = ", ".join(care_need_label(c) for c in u.household.care_needs)
        lines.append(f"{u.household.unit}: {people}" + (f" · {care}" if care else ""))
    await send_long(query.bot, query.from_user.id, "\n".join(lines))


# ---- households, one by one ---------------------------------------------------------------------------------

def _btn(text: str, action: str, id_: int = 0, value: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=LedgerCB(action=action, id=id_, value=value).pack())


@router.message(Command("households"))
async def cmd_households(message: Message, state: FSMContext, session: AsyncSession, actor: Actor) -> None:
    await state.clear()
    try:
        community = await ledger.importer_community(session, actor)
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params))
        return
    loc = get_i18n().current_locale
    buildings = (await ledger.area_buildings(session, actor, community.id))[:60]
    rows = [[_btn(b.label(loc), "bld", b.id) for b in buildings[i:i + 3]] for i in range(0, len(buildings), 3)]
    await message.answer(_("Which building?"), reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


@router.callback_query(LedgerCB.filter(F.action == "bld"))
async def on_households_building(query: CallbackQuery, callback_data: LedgerCB, session: AsyncSession,
                                 actor: Actor) -> None:
    try:
        building, households = await ledger.households_of(session, actor, callback_data.id)
    except DomainError as e:
        await query.answer(refusal(e.code, **e.params), show_alert=True)
        return
    await query.answer()
    rows = [[_btn(h.unit, "hh", h.id) for h in households[i:i + 4]] for i in range(0, min(len(households), 80), 4)]
    rows.append([_btn(_("➕ Add a household"), "addhh", building.id)])
    await query.bot.send_message(query.from_user.id, _("{building}: {n} households.").format(
        building=building.label(get_i18n().current_locale), n=len(households)),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


async def _show_card(bot, chat_id: int, session: AsyncSession, actor: Actor, household_id: int, clock: Clock) -> None:
    household, building, members = await ledger.household_card(session, actor, household_id, clock.now())
    await session.commit()
    loc = get_i18n().current_locale
    lines = [f"🏠 {building.label(loc)} {household.unit}" + (" · " + _("in the ledger") if household.in_ledger else ""),
             _("Care needs: {value}").format(value=", ".join(care_need_label(c) for c in household.care_needs) or "—")]
    rows = []
    for m in members:
        details = ", ".join(str(x) for x in (m.birth_year, m.relation) if x)
        where = _("on Telegram") if m.tg_user_id is not None else _("no Telegram")
        lines.append(f"• {m.full_name or '—'}" + (f" ({details})" if details else "") +
                     f" {dialable(m.phone) or ''} · {where}")
        if m.tg_user_id is None:
            rows.append([_btn(_("📞 {name}").format(name=m.full_name or "—"), "ph", m.id),
                         _btn(_("🗑 {name}").format(name=m.full_name or "—"), "rm", m.id)])
    rows.append([_btn(_("➕ Add a member"), "addm", household.id),
                 _btn(_("🔀 Merge into another"), "merge", household.id)])
    rows += [[_btn(("☑️ " if c in household.care_needs else "⬜ ") + care_need_label(c), "care", household.id, c)]
             for c in ledger.CARE_NEEDS]
    await bot.send_message(chat_id, "\n".join(lines), reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


@router.callback_query(LedgerCB.filter(F.action == "hh"))
async def on_household(query: CallbackQuery, callback_data: LedgerCB, session: AsyncSession, actor: Actor,
                       clock: Clock) -> None:
    try:
        await ledger.household_in_area(session, actor, callback_data.id)
    except DomainError as e:
        await query.answer(refusal(e.code, **e.params), show_alert=True)
        return
    await query.answer()
    await _show_card(query.bot, query.from_user.id, session, actor, callback_data.id, clock)


@router.callback_query(LedgerCB.filter(F.action == "addhh"))
async def on_add_household(query: CallbackQuery, callback_data: LedgerCB, state: FSMContext, session: AsyncSession,
                           actor: Actor) -> None:
    try:
        await ledger.building_in_area(session, actor, callback_data.id)
    except DomainError as e:
        await query.answer(refusal(e.code), show_alert=True)
        return
    await query.answer()
    await state.set_state(Lg.unit)
    await state.set_data({"building_id": callback_data.id})
    await query.bot.send_message(query.from_user.id, _("Type the unit and room, for example 2-502."))


@router.message(StateFilter(Lg.unit), NotCommand())
async def on_unit(message: Message, state: FSMContext, session: AsyncSession, actor: Actor, clock: Clock) -> None:
    data = await state.get_data()
    try:
        household = await ledger.add_household(session, actor, data.get("building_id", 0), message.text, clock.now())
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params))
        return
    await session.commit()
    await state.clear()
    await _show_card(message.bot, message.chat.id, session, actor, household.id, clock)


@router.callback_query(LedgerCB.filter(F.action == "addm"))
async def on_add_member(query: CallbackQuery, callback_data: LedgerCB, state: FSMContext, session: AsyncSession,
                        actor: Actor, clock: Clock) -> None:
    try:
        await ledger.household_in_area(session, actor, callback_data.id)
    except DomainError as e:
        await query.answer(refusal(e.code), show_alert=True)
        return
    await query.answer()
    await state.set_state(Lg.member_name)
    await state.set_data({"household_id": callback_data.id})
    await query.bot.send_message(query.from_user.id, _("The member's name, as the household writes it:"))


@router.message(StateFilter(Lg.member_name), NotCommand())
async def on_member_name(message: Message, state: FSMContext) -> None:
    name = (message.text or "").strip()
    if not name:
        await message.answer(refusal("name_empty"))
        return
    await state.update_data(name=name)
    await state.set_state(Lg.member_phone)
    await message.answer(_("Their phone number, or Skip."), reply_markup=InlineKeyboardMarkup(inline_keyboard=[[
        _btn(_("Skip"), "skip")]]))


async def _save_member(bot, chat_id: int, state: FSMContext, session: AsyncSession, actor: Actor, phone: str | None,
                       settings: Settings, clock: Clock) -> bool:
    data = await state.get_data()
    try:
        await ledger.add_member(session, actor, data.get("household_id", 0), data.get("name"), phone,
                                settings.phone_region, clock.now())
    except DomainError as e:
        await bot.send_message(chat_id, refusal(e.code, **e.params))
        if e.code != "member_phone":
            await state.clear()
        return False
    await session.commit()
    await state.clear()
    await _show_card(bot, chat_id, session, actor, data["household_id"], clock)
    return True


@router.message(StateFilter(Lg.member_phone), NotCommand())
async def on_member_phone(message: Message, state: FSMContext, session: AsyncSession, actor: Actor,
                          settings: Settings, clock: Clock) -> None:
    await _save_member(message.bot, message.chat.id, state, session, actor, message.text, settings, clock)


@router.callback_query(LedgerCB.filter(F.action == "skip"), StateFilter(Lg.member_phone))
async def on_member_no_phone(query: CallbackQuery, state: FSMContext, session: AsyncSession, actor: Actor,
                             settings: Settings, clock: Clock) -> None:
    await query.answer()
    await edit_markup(query.message, None)
    await _save_member(query.bot, query.from_user.id, state, session, actor, None, settings, clock)


@router.callback_query(LedgerCB.filter(F.action == "ph"))
async def on_phone_edit(query: CallbackQuery, callback_data: LedgerCB, state: FSMContext) -> None:
    await query.answer()
    await state.set_state(Lg.phone)
    await state.set_data({"person_id": callback_data.id})
    await query.bot.send_message(query.from_user.id, _("The new phone number:"))


@router.message(StateFilter(Lg.phone), NotCommand())
async def on_phone(message: Message, state: FSMContext, session: AsyncSession, actor: Actor, settings: Settings,
                   clock: Clock) -> None:
    data = await state.get_data()
    try:
        person = await ledger.set_member_phone(session, actor, data.get("person_id", 0), message.text,
                                               settings.phone_region, clock.now())
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params))
        if e.code != "member_phone":
            await state.clear()
        return
    await session.commit()
    await state.clear()
    await _show_card(message.bot, message.chat.id, session, actor, person.household_id, clock)


@router.callback_query(LedgerCB.filter(F.action == "rm"))
async def on_remove_member(query: CallbackQuery, callback_data: LedgerCB, session: AsyncSession, actor: Actor,
                           clock: Clock) -> None:
    if await act_on_press(query, session, lambda: ledger.remove_member(session, actor, callback_data.id,
                                                                       clock.now())) is None:
        return
    await query.answer(_("Removed from the household."), show_alert=True)
    await edit_markup(query.message, None)


@router.callback_query(LedgerCB.filter(F.action == "merge"))
async def on_merge(query: CallbackQuery, callback_data: LedgerCB, session: AsyncSession, actor: Actor,
                   clock: Clock) -> None:
    """The same household recorded twice: choose the record to keep (of the same building)."""
    try:
        household, building, _m = await ledger.household_card(session, actor, callback_data.id, clock.now())
        _b, others = await ledger.households_of(session, actor, building.id)
    except DomainError as e:
        await query.answer(refusal(e.code, **e.params), show_alert=True)
        return
    await session.commit()
    await query.answer()
    rows = [[_btn(h.unit, "mergeto", h.id, str(household.id)) for h in others[i:i + 4] if h.id != household.id]
            for i in range(0, min(len(others), 80), 4)]
    await query.bot.send_message(query.from_user.id, _(
        "Merge {unit} into which household? Its members, care needs and records move there, and {unit} is "
        "removed.").format(unit=household.unit), reply_markup=InlineKeyboardMarkup(inline_keyboard=[r for r in rows
                                                                                                  if r]))


@router.callback_query(LedgerCB.filter(F.action == "mergeto"))
async def on_merge_to(query: CallbackQuery, callback_data: LedgerCB, session: AsyncSession, actor: Actor,
                      clock: Clock) -> None:
    source = int(callback_data.value) if callback_data.value.isdigit() else 0
    target = await act_on_press(query, session, lambda: ledger.merge(session, actor, source, callback_data.id,
                                                                     clock.now()))
    if target is None:
        return
    await query.answer(_("Merged."))
    await edit_markup(query.message, None)
    await _show_card(query.bot, query.from_user.id, session, actor, callback_data.id, clock)


@router.callback_query(LedgerCB.filter(F.action == "care"))
async def on_care(query: CallbackQuery, callback_data: LedgerCB, session: AsyncSession, actor: Actor,
                  clock: Clock) -> None:
    if await act_on_press(query, session, lambda: ledger.toggle_care(session, actor, callback_data.id,
                                                                     callback_data.value, clock.now())) is None:
        return
    await query.answer(_("Saved."))
    await edit_markup(query.message, None)
    await _show_card(query.bot, query.from_user.id, session, actor, callback_data.id, clock)


@router.callback_query(LedgerCB.filter())
async def stale(query: CallbackQuery) -> None:
    await query.answer(_("This button is no longer active."), show_alert=True)

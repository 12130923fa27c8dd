"""Staff at a glance: /stats (their area's state in one message, a button per list, narrowed to a grid or a
building by those who may), and /export (which ledger, which period, which format; the file is built by the
due-work runner and sent here when ready)."""

from __future__ import annotations

from aiogram import Bot
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.glance import messages as words
from bot.glance import rules as glance
from bot.glance import workflow
from bot.glance.callbacks import ExportCB, StatsCB
from bot.kernel.errors import DomainError
from bot.kernel.permissions import Actor
from bot.kernel.presses import first_press
from bot.platform.clock import Clock
from bot.platform.i18n import N_, _, get_i18n
from bot.telegram.commands import CommandEntry
from bot.telegram.routing import gated
from bot.telegram.routing import refusals as refusals_router
from bot.telegram.ui import edit_markup, edit_text, refusal, send_long
from models import Person

router = gated("glance", glance.may_glance)
refusals = refusals_router("glance-others", commands=("stats", "export"), buttons=(StatsCB, ExportCB))

COMMANDS = (CommandEntry("stats", N_("Stats: your area at a glance"), glance.GLANCE_ROLES),
            CommandEntry("export", N_("Export: ledgers as Excel or CSV files"), glance.EXPORT_ROLES))
DAY_WORDS = {1: N_("Today"), 7: N_("7 days"), 30: N_("30 days"), 90: N_("90 days")}


def _b(text: str, **data: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=StatsCB(**data).pack())


async def _stats(session: AsyncSession, actor: Actor, clock: Clock, settings: Settings, grid: int = 0,
                 building: int = 0) -> tuple[str, InlineKeyboardMarkup]:
    now = clock.now()
    area = await glance.area_for(session, actor, settings.timezone, grid_id=grid, building_id=building)
    locale = get_i18n().current_locale
    sections = await glance.sections(session, area, now)
    text = words.stats_text(await glance.area_name(session, area, locale), sections, now.astimezone(area.tz))
    rows = [[_b(f"📋 {w}", action="list", grid=grid, building=building, section=s, key=k)]
            for w, s, k in words.list_buttons(sections, area.health)]
    rows.append([_b(_("🗺 Grid or building"), action="areas", grid=grid, building=building),
                 _b(_("🔄 Refresh"), action="show", grid=grid, building=building)])
    return text[:4096], InlineKeyboardMarkup(inline_keyboard=rows)


@router.message(Command("stats"))
async def cmd_stats(message: Message, session: AsyncSession, actor: Actor, clock: Clock, settings: Settings) -> None:
    try:
        text, markup = await _stats(session, actor, clock, settings)
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params))
        return
    await message.answer(text, reply_markup=markup)


@router.callback_query(StatsCB.filter())
async def on_stats(query: CallbackQuery, callback_data: StatsCB, session: AsyncSession, actor: Actor,
                   clock: Clock, settings: Settings, bot: Bot) -> None:
    f = callback_data
    try:
        if f.action == "show":
            text, markup = await _stats(session, actor, clock, settings, f.grid, f.building)
            await query.answer()
            await edit_text(query.message, text, markup)
        elif f.action == "areas":
            area = await glance.area_for(session, actor, settings.timezone, grid_id=f.grid, building_id=f.building)
            grids, buildings = await glance.choices(session, actor, area)
            rows = [[_b(_("🏘 My whole area"), action="show")]]
            rows += [[_b(g.label(get_i18n().current_locale), action="show", grid=g.id)] for g in grids]
            rows += [[_b("🏢 " + b.label(get_i18n().current_locale), action="show", grid=b.grid_id, building=b.id)]
                     for b in buildings]
            await query.answer()
            await edit_markup(query.message, InlineKeyboardMarkup(inline_keyboard=rows[:60]))
        elif f.action == "list":
            now = clock.now()
            area = await glance.area_for(session, actor, settings.timezone, grid_id=f.grid, building_id=f.building)
            locale = get_i18n().current_locale
            g, lines = await glance.open_list(session, actor, area, f.section, f.key, now, locale)
            await session.commit()
            await query.answer()
            await send_long(bot, query.from_user.id, words.list_text(g, f.key, lines,
                                                                      await glance.area_name(session, area, locale)))
        else:
            raise DomainError("glance_area")
    except DomainError as e:
        await query.answer(refusal(e.code, **e.params), show_alert=True)


# ---- /export -------------------------------------------------------------------------------------------------

def _x(text: str, action: str, **data: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=ExportCB(action=action, **data).pack())


@router.message(Command("export"))
async def cmd_export(message: Message, session: AsyncSession, actor: Actor, settings: Settings) -> None:
    if not glance.may_export(actor):
        await message.answer(refusal("forbidden"))
        return
    try:
        area = await glance.area_for(session, actor, settings.timezone, roles=glance.EXPORT_ROLES)
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params))
        return
    rows = [[_x(_(t.title), "table", table=t.key)] for t in glance.tables_for(area)]
    rows.append([_x(_("📚 All of them"), "table", table="all")])
    await message.answer(_("📎 Which ledger? ({area})").format(
        area=await glance.area_name(session, area, get_i18n().current_locale)),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


@router.callback_query(ExportCB.filter())
async def on_export(query: CallbackQuery, callback_data: ExportCB, session: AsyncSession, actor: Actor,
                    person: Person | None, clock: Clock, settings: Settings) -> None:
    f = callback_data
    if f.action == "table":
        rows = [[_x(_(w), "days", table=f.table, days=d) for d, w in DAY_WORDS.items()]]
        await query.answer()
        await edit_text(query.message, _("📎 Which period?"), InlineKeyboardMarkup(inline_keyboard=rows))
        return
    if f.action == "days":
        rows = [[_x("Excel (.xlsx)", "go", table=f.table, days=f.days, fmt="xlsx"),
                 _x("CSV", "go", table=f.table, days=f.days, fmt="csv")]]
        await query.answer()
        await edit_text(query.message, _("📎 Which format?"), InlineKeyboardMarkup(inline_keyboard=rows))
        return
    if f.action != "go":
        await query.answer(refusal("glance_area"), show_alert=True)
        return
    now = clock.now()
    try:
        job = await glance.ask_export(session, actor, person, query.from_user.id, settings.timezone,
                                      tables=None if f.table == "all" else [f.table], days=f.days, fmt=f.fmt,
                                      now=now, locale=get_i18n().current_locale)
    except DomainError as e:
        await query.answer(refusal(e.code, **e.params), show_alert=True)
        return
    if not await first_press(session, query.message.chat.id, query.message.message_id, "export", now):
        await query.answer(_("Already asked: the file is on its way."))
        return
    session.add(job)
    await session.flush()
    workflow.queue_export(session, job, now)
    await session.commit()
    await query.answer()
    await edit_text(query.message, _("⏳ Preparing your export ({n} tables). I will send the file here when it is "
                                     "ready; a large one takes a few minutes.").format(n=len(job.tables)), None)


"""/addbuilding: administrators add a building from the chat (grid -> code -> name).

```mermaid
stateDiagram-v2
    [*] --> grid: /addbuilding or 🧰 "Add a building" (admins)
    grid --> code: a grid of their community
    code --> code: not a code, or taken (asked again)
    code --> name
    name --> [*]: building added; its registration link (for a QR code) shown
```
The router is gated as a whole (admins); the grid is checked again against the admin's community.
"""

from __future__ import annotations

from aiogram import Bot, F
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.kernel import structure
from bot.kernel.errors import DomainError
from bot.kernel.permissions import Actor, Role, can_manage_structure, is_admin
from bot.platform.i18n import N_, _, get_i18n
from bot.telegram.commands import CommandEntry, StaffTool
from bot.telegram.filters import NotCommand
from bot.telegram.keyboards.callbacks import GridPickCB, StaffCB
from bot.telegram.routing import gated
from bot.telegram.routing import refusals as refusals_router
from bot.telegram.ui import deep_link, edit_markup, refusal
from models import Grid

router = gated("structure", is_admin)
refusals = refusals_router("structure-others", commands=("addbuilding",), buttons=(GridPickCB,))

COMMANDS = (CommandEntry("addbuilding", N_("Add a building"), (Role.ADMIN,)),)
TOOLS = (StaffTool("addbuilding", N_("🏢 Add a building"), is_admin),)


class AddBuilding(StatesGroup):
    grid = State()
    code = State()
    name = State()


@router.message(Command("addbuilding"))
async def cmd_addbuilding(message: Message, state: FSMContext, session: AsyncSession, actor: Actor) -> None:
    await start_add_building(message.bot, message.chat.id, state, session, actor)


@router.callback_query(StaffCB.filter(F.action == "addbuilding"))
async def on_addbuilding_tool(query: CallbackQuery, state: FSMContext, session: AsyncSession, actor: Actor,
                              bot: Bot) -> None:
    await query.answer()
    await start_add_building(bot, query.from_user.id, state, session, actor)


async def start_add_building(bot: Bot, chat_id: int, state: FSMContext, session: AsyncSession,
                             actor: Actor) -> None:
    loc = get_i18n().current_locale
    b = InlineKeyboardBuilder()
    for comm in await structure.list_communities(session):
        if not can_manage_structure(actor, comm.id):
            continue
        for g in await structure.list_grids(session, comm.id):
            b.button(text=f"{comm.label(loc)} · {g.label(loc)}", callback_data=GridPickCB(grid_id=g.id))
    b.adjust(1)
    markup = b.as_markup()
    if not markup.inline_keyboard:
        await bot.send_message(chat_id, refusal("forbidden"))
        return
    await state.clear()
    await state.set_state(AddBuilding.grid)
    await bot.send_message(chat_id, _("Which grid is the new building in?"), reply_markup=markup)


@router.callback_query(StateFilter(AddBuilding.grid), GridPickCB.filter())
async def on_grid(query: CallbackQuery, callback_data: GridPickCB, state: FSMContext, session: AsyncSession,
                  actor: Actor) -> None:
    grid = await session.get(Grid, callback_data.grid_id)
    if grid is None or not can_manage_structure(actor, grid.community_id):
        await query.answer(refusal("forbidden"), show_alert=True)
        return
    await query.answer()
    await edit_markup(query.message, None)
    await state.update_data(grid_id=grid.id)
    await state.set_state(AddBuilding.code)
    await query.bot.send_message(query.from_user.id, _(
        "Type a short code for the building, for example YG-11. It goes into the building's QR-code link, "
        "so use only letters, digits, '-' and '_'."))


@router.message(StateFilter(AddBuilding.code), NotCommand())
async def on_code(message: Message, state: FSMContext, session: AsyncSession) -> None:
    code = (message.text or "").strip()
    if not structure.CODE_RE.match(code):
        await message.answer(refusal("bad_code"))
        return
    if await structure.building_by_code(session, code) is not None:
        await message.answer(refusal("code_taken"))
        return
    await state.update_data(code=code)
    await state.set_state(AddBuilding.name)
    await message.answer(_("Now type the building's name as residents know it, for example 11号楼."))


@router.message(StateFilter(AddBuilding.name), NotCommand())
async def on_name(message: Message, state: FSMContext, session: AsyncSession, actor: Actor, bot: Bot) -> None:
    data = await state.get_data()
    grid = await session.get(Grid, data.get("grid_id", 0))
    if grid is None or not can_manage_structure(actor, grid.community_id):
        await state.clear()
        await message.answer(refusal("forbidden"))
        return
    try:
        b = await structure.add_building(session, grid.id, data["code"], message.text or "")
    except DomainError as e:
        await message.answer(refusal(e.code))
        if e.code == "code_taken":
            await state.set_state(AddBuilding.code)
        return
    await state.clear()
    link = await deep_link(bot, f"b_{b.code}")
    await message.answer(_("Building added: {name} ({code}).\nResidents can register straight into it with this "
                           "link (put it in a QR code at the entrance):\n{link}").format(
                               name=b.name, code=b.code, link=link))


@router.callback_query(StateFilter(AddBuilding.grid))
async def stale_grid(query: CallbackQuery) -> None:
    await query.answer(_("This button is no longer active."), show_alert=True)


@router.message(StateFilter(AddBuilding.grid), NotCommand())
async def grid_press_button(message: Message) -> None:
    await message.answer(_("Please press one of the buttons above. (Type /cancel to stop.)"))

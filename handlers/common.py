"""Commands that work everywhere in a private chat: /help, /menu, /cancel."""

from __future__ import annotations

from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import InlineKeyboardMarkup, Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.kernel.permissions import Actor
from bot.platform.clock import Clock
from bot.platform.i18n import N_, _, get_i18n
from bot.telegram.commands import CommandEntry, role_commands, staff_tool_rows
from bot.telegram.filters import ButtonText, Private, StaffLike
from bot.telegram.routing import RouterTemplate
from bot.telegram.ui import emergency_number, show_menu
from handlers.menu import menu_for
from models import Person

router = RouterTemplate("common")
router.message.filter(Private())

# The commands every private chat has, first in everyone's command menu (/start and /language are answered by
# registration, the rest here).
COMMANDS = (
    CommandEntry("start", N_("Start or register")),
    CommandEntry("menu", N_("Show the main menu")),
    CommandEntry("help", N_("How to use this bot")),
    CommandEntry("language", N_("Change language")),
    CommandEntry("cancel", N_("Stop what I am doing")),
)


def help_text(actor: Actor, emergency_number: str) -> str:
    text = _(
        "How to use this bot:\n"
        "• Press the buttons at the bottom of the screen.\n"
        "• /menu shows the buttons again.\n"
        "• /cancel stops what you are doing.\n"
        "• /language changes the language.\n"
        "• /requests shows your supply requests and lets you cancel one.\n"
        "• /mydata shows what we store about you; /deleteme erases it.\n"
        "In an emergency, call {number} first."
    ).format(number=emergency_number)
    # Each person sees the commands their own roles give them, as in their command menu and 🧰 Staff tools.
    mine = role_commands(get_i18n().current_locale, actor)
    if mine:
        text += "\n\n" + _("For your role:") + "\n" + "\n".join(f"• /{c.command} — {c.description}" for c in mine)
    return text


@router.message(Command("help"))
@router.message(ButtonText("help"))
async def cmd_help(message: Message, actor: Actor, session: AsyncSession, person: Person | None) -> None:
    await message.answer(help_text(actor, await emergency_number(session, person)))


@router.message(ButtonText("staff"), StaffLike())
async def on_staff_tools(message: Message, actor: Actor) -> None:
    """🧰 Staff tools: the commands this person's roles give them, and a big button for each tool they may use
    (every capability names its own in bot/features.py)."""
    loc = get_i18n().current_locale
    mine = role_commands(loc, actor)
    rows = staff_tool_rows(loc, actor)
    text = _("Staff tools:") + "\n" + "\n".join(f"/{c.command} — {c.description}" for c in mine)
    await message.answer(text, reply_markup=InlineKeyboardMarkup(inline_keyboard=rows) if rows else None)


@router.message(Command("menu"))
async def cmd_menu(message: Message, person: Person | None, actor: Actor, session: AsyncSession, clock: Clock,
                   settings: Settings) -> None:
    if person is None or person.consent_at is None:
        await message.answer(_("Please press /start to begin."))
        return
    await show_menu(message, person, actor, markup=await menu_for(session, person, actor, clock, settings))


@router.message(Command("cancel"))
@router.message(ButtonText("cancel"))
async def cmd_cancel(message: Message, state: FSMContext, person: Person | None, actor: Actor,
                     session: AsyncSession, clock: Clock, settings: Settings) -> None:
    current = await state.get_state()
    await state.clear()
    if person is None or person.consent_at is None:
        await message.answer(_("Stopped. Press /start whenever you are ready."))
        return
    text = _("Stopped. Nothing was changed.") if current else _("There is nothing to stop.")
    await show_menu(message, person, actor, text, markup=await menu_for(session, person, actor, clock, settings))

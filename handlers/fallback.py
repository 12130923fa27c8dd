"""Last resort: stale buttons and messages nothing else understood."""

from __future__ import annotations

from aiogram.types import CallbackQuery, Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.kernel.permissions import Actor
from bot.platform.clock import Clock
from bot.platform.i18n import _
from bot.telegram.filters import Private
from bot.telegram.keyboards.callbacks import StaffCB
from bot.telegram.routing import RouterTemplate
from bot.telegram.ui import refusal, show_menu
from handlers.menu import menu_for
from models import Person

router = RouterTemplate("fallback")


@router.callback_query(StaffCB.filter())
async def not_your_tool(query: CallbackQuery) -> None:
    """A 🧰 Staff tools button no capability took from this person: it is not theirs (forwarded or forged)."""
    await query.answer(refusal("forbidden"), show_alert=True)


@router.callback_query()
async def stale_button(query: CallbackQuery) -> None:
    await query.answer(_("This button is no longer active. Please use the menu or type /menu."), show_alert=True)


@router.message(Private())
async def not_understood(message: Message, person: Person | None, actor: Actor, session: AsyncSession, clock: Clock,
                         settings: Settings) -> None:
    if person is None or person.consent_at is None:
        await message.answer(_("Hello! Press /start to begin."))
        return
    if (message.text or "").startswith("/"):
        await message.answer(_("I don't know that command. Type /help to see what I can do."))
        return
    await show_menu(message, person, actor, _("Sorry, I didn't understand that. Please use the buttons below."),
                    markup=await menu_for(session, person, actor, clock, settings))

"""The main menu as it should be drawn now (`menu_for`), and the buttons whose capabilities land in later
issues: a plain 'coming soon' for now."""

from __future__ import annotations

from aiogram.types import Message, ReplyKeyboardMarkup
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.kernel.permissions import Actor
from bot.monitoring import rules as monitoring
from bot.platform.clock import Clock
from bot.platform.i18n import _
from bot.telegram.filters import ButtonText, Private
from bot.telegram.keyboards.builders import main_menu
from bot.telegram.routing import RouterTemplate
from bot.telegram.ui import emergency_number, refusal
from models import Person

router = RouterTemplate("menu")
router.message.filter(Private())


@router.message(ButtonText("support"))
async def coming_soon(message: Message, person: Person | None, session: AsyncSession) -> None:
    if person is None or person.household_id is None:
        await message.answer(refusal("not_registered"))
        return
    await message.answer(_("This service is coming soon. Until then, please call your neighbourhood committee. "
                           "In an emergency, call {number}.").format(number=await emergency_number(session, person)))


async def menu_for(session: AsyncSession, person: Person | None, actor: Actor, clock: Clock,
                   settings: Settings) -> ReplyKeyboardMarkup:
    """The main menu as it should be drawn now (with the one-tap check-in while it is due)."""
    checkin = await monitoring.checkin_due(session, person, clock.now(), settings.timezone)
    return main_menu(person, actor, checkin=checkin)

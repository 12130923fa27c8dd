"""The main menu as it should be drawn now (`menu_for`). (Its buttons are each answered by their capability.)"""

from __future__ import annotations

from aiogram.types import ReplyKeyboardMarkup
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.kernel.permissions import Actor
from bot.monitoring import rules as monitoring
from bot.platform.clock import Clock
from bot.telegram.filters import Private
from bot.telegram.keyboards.builders import main_menu
from bot.telegram.routing import RouterTemplate
from models import Person

router = RouterTemplate("menu")
router.message.filter(Private())


async def menu_for(session: AsyncSession, person: Person | None, actor: Actor, clock: Clock,
                   settings: Settings) -> ReplyKeyboardMarkup:
    """The main menu as it should be drawn now (with the one-tap check-in while it is due)."""
    checkin = await monitoring.checkin_due(session, person, clock.now(), settings.timezone)
    return main_menu(person, actor, checkin=checkin)

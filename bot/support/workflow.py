"""Someone to talk to, later: the helpers' monthly well-being check, offered on the 1st of each month (recurring
due work: the runner keeps the next one booked, so a restart neither skips nor repeats a month)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.platform.scheduling.registry import recurring
from bot.support import messages as support_messages
from bot.support import rules as support
from models import DueWork


@recurring("helpers_check", support.next_monthly_check)
async def helpers_check(session: AsyncSession, work: DueWork, now: datetime) -> None:
    """Every volunteer and staff member who has not turned it off is offered the check, the self-help and a look
    at their own load, in their own language."""
    support_messages.helper_check(session, await support.helpers_to_check(session), now)

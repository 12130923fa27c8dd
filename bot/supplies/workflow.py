"""What happens in the supplies capability after its events. A delivered supply request takes its items
from community stock (when staff marked it so) and warns the area's staff when stock runs low; the task
engine calls `delivered` for the "supply" kind (given in bot/features.py)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.supplies import messages as supplies_messages
from bot.supplies import stock
from models import Task


async def delivered(session: AsyncSession, task: Task, now: datetime) -> None:
    low = await stock.use_for_delivery(session, task, now)
    if low:
        await supplies_messages.low_stock(session, task, low, now)

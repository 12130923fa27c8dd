"""The words of supply requests in each recipient's language: categories and urgencies, what a request is (for the
volunteer offered it), low community stock (for staff), the delivery photo (for the resident)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.platform.delivery.outbox import Recipient, enqueue
from bot.platform.i18n import N_, translate
from models import Building, SupplyRequest, Task
from models.delivery import HIGH

CATEGORY = {"groceries": N_("Groceries"), "medicine": N_("Medicine"), "infant": N_("Infant supplies"),
            "masks": N_("Masks and protective gear"), "disinfectant": N_("Disinfectant"), "other": N_("Other")}


URGENCY = {"normal": N_("Normal"), "today": N_("Today"), "urgent": N_("Urgent: no food or medicine left")}


async def describe_supply(session: AsyncSession, task: Task, locale: str) -> str:
    req = (await session.exec(select(SupplyRequest).where(SupplyRequest.task_id == task.id))).first()
    building = await session.get(Building, req.deliver_building_id) if req else None
    items = ", ".join(f"{i['name']} × {i['qty']}" for i in (req.items if req else []))
    category = translate(locale, CATEGORY[req.category]) if req else ""
    urgency = translate(locale, URGENCY[task.urgency])
    lines = [translate(locale, "{ref} · {category} · {urgency}", ref=task.ref, category=category, urgency=urgency),
             translate(locale, "Items: {items}", items=items),
             translate(locale, "Building: {building}", building=building.label(locale) if building else "?")]
    if req and req.note:
        lines.append(translate(locale, "Note: {note}", note=req.note))
    return "\n".join(lines)


async def low_stock(session: AsyncSession, task: Task, items: list, now: datetime) -> None:
    """Tell the staff of the task's area that community stock is running low."""
    from bot.tasks.rules import staff_for

    for staff in await staff_for(session, task):
        lines = [translate(staff.locale, "📦 Community stock is running low:")]
        lines += [translate(staff.locale, "• {name}: {qty} left (alert at {low})", name=i.name, qty=i.quantity,
                            low=i.threshold) for i in items]
        enqueue(session, [Recipient(chat_id=staff.tg_user_id, person_id=staff.id)], "\n".join(lines), now=now,
                cause=f"stock:{task.community_id}", priority=HIGH)


# What a user is told when this capability refuses (code -> msgid); installed by bot/features.py.
REFUSALS: dict[str, str] = {
    "qty_not_number": N_("Please send a whole number, for example 2."),
    "qty_positive": N_("The quantity must be at least 1."),
    "qty_too_large": N_("That is more than we can deliver at once (at most {max}). Please send a smaller number."),
    "no_items": N_("Please add at least one item."),
    "too_many_items": N_("A request can have at most {max} items. Please send the rest as a new request."),
    "bad_category": N_("Sorry, that is not a valid choice."),
    "bad_address": N_("That address is not in your community."),
    "stock_format": N_("Write it as: name quantity [low-stock threshold], for example: masks 500 50"),
    "stock_range": N_("Quantities go from 0 to {max}."),
}

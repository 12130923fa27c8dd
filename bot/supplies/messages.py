"""The words of supply requests in each recipient's language: categories and urgencies, what a request is (for the
volunteer offered it), low community stock (for staff), the delivery photo (for the resident)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.kernel.glance import Area, Column, Glance, Line, Table
from bot.platform.delivery.outbox import Recipient, enqueue
from bot.platform.i18n import N_, duration, translate
from bot.supplies import rules as supplies
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


# ---- the area at a glance ------------------------------------------------------------------------------------

STATUS = {"open": N_("waiting"), "claimed": N_("taken"), "picked_up": N_("picked up"), "delivered": N_("delivered"),
          "confirmed": N_("received"), "cancelled": N_("cancelled")}


def _items(req: SupplyRequest) -> str:
    return ", ".join(f"{i['name']} × {i['qty']}" for i in req.items)


async def _lists(session, area: Area, key: str, now, locale: str) -> list[Line] | None:
    if key != "unclaimed":
        return None
    return [Line(f"{t.ref} · {b.label(locale)} {r.deliver_unit} · {translate(locale, CATEGORY[r.category])} · "
                 f"{duration(locale, now - t.created_at)}" + (" · ❗" if t.urgency == "urgent" else ""),
                 at=t.created_at, person_id=r.person_id)
            for r, t, b in await supplies.unclaimed(session, area)]


async def _requests(session, area: Area, since, until, locale: str) -> list[list]:
    return [[r.created_at, t.ref, b.label(locale), r.deliver_unit, translate(locale, CATEGORY[r.category]),
             _items(r), translate(locale, URGENCY[t.urgency]), translate(locale, STATUS.get(t.status, t.status)),
             v.full_name if v else "", t.delivered_at, r.note or ""]
            for r, t, b, v in await supplies.ledger_rows(session, area, since, until)]


GLANCE = Glance(
    "supplies", N_("📦 Supplies"), order=40, figures=supplies.glance,
    labels={"open": N_("waiting for a volunteer"), "claimed": N_("on their way"), "delivered": N_("delivered today"),
            "oldest": N_("oldest waiting for")},
    lists=_lists, list_titles={"unclaimed": N_("Requests waiting for a volunteer")}, summary_lists=("unclaimed",),
    daily=supplies.daily, series={"requested": N_("Supply requests"), "delivered": N_("delivered")},
    tables=(Table("supplies", N_("Supply requests"), (
        Column(N_("Time"), 18), Column(N_("Ref"), 8), Column(N_("Building"), 16), Column(N_("Unit"), 10),
        Column(N_("Category"), 14), Column(N_("Items"), 30), Column(N_("Urgency"), 12), Column(N_("Status"), 10),
        Column(N_("Volunteer"), 14), Column(N_("Delivered"), 18), Column(N_("Note"), 30)), _requests),))

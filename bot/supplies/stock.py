"""Community stock (masks, thermometers, alcohol, disinfectant ...): quantities, use on delivery, low-stock."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.kernel.audit import audit
from bot.kernel.errors import DomainError, PermissionDenied
from bot.kernel.permissions import Actor, Role
from models import StockItem, SupplyRequest, Task

MAX_STOCK = 1_000_000
_LINE = re.compile(r"^(?P<name>.+?)\s+(?P<qty>-?\d+)(?:\s+(?P<low>-?\d+))?$")


def _norm(name: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", name)).strip()


def parse_stock_line(text: str) -> tuple[str, int, int | None]:
    """'masks 500' or 'masks 500 50' (name, quantity, low-stock threshold)."""
    m = _LINE.match(_norm(text or ""))
    if m is None:
        raise DomainError("stock_format")
    name, qty, low = m["name"], int(m["qty"]), int(m["low"]) if m["low"] else None
    if len(name) > 60:
        raise DomainError("item_too_long", max=60)
    if qty < 0 or qty > MAX_STOCK or (low is not None and (low < 0 or low > MAX_STOCK)):
        raise DomainError("stock_range", max=MAX_STOCK)
    return name, qty, low


def _communities(actor: Actor) -> set[int]:
    return {s.community_id for s in actor.scopes_for([Role.STAFF, Role.ADMIN])}


def require_stock_access(actor: Actor, community_id: int) -> None:
    if not (actor.superadmin or community_id in _communities(actor)):
        raise PermissionDenied()


async def set_from_line(session: AsyncSession, actor: Actor, line: str, now: datetime) -> StockItem:
    """`/stock masks 500 50`: the item's quantity (and low-stock alert) in the community of the staff member's
    own scope (their first, if they serve several); audited."""
    name, qty, low = parse_stock_line(line)
    communities = sorted(_communities(actor))
    if not communities:
        raise PermissionDenied()
    item = await set_item(session, actor, communities[0], name, qty, low, now)
    audit(session, actor_id=actor.person_id, action="stock_set", at=now, item=item.name, qty=qty)
    return item


async def set_item(session: AsyncSession, actor: Actor, community_id: int, name: str, qty: int, low: int | None,
                   now: datetime) -> StockItem:
    require_stock_access(actor, community_id)
    item = (await session.exec(select(StockItem).where(StockItem.community_id == community_id,
                                                       func.lower(StockItem.name) == name.lower()))).first()
    if item is None:
        item = StockItem(community_id=community_id, name=name, quantity=qty, low_threshold=low or 0, updated_at=now)
        session.add(item)
    else:
        item.quantity, item.updated_at = qty, now
        if low is not None:
            item.low_threshold = low
    return item


async def list_items(session: AsyncSession, actor: Actor) -> list[StockItem]:
    q = select(StockItem).order_by(StockItem.community_id, StockItem.name)
    if not actor.superadmin:
        ids = _communities(actor)
        if not ids:
            raise PermissionDenied()
        q = q.where(StockItem.community_id.in_(ids))
    return list((await session.exec(q)).all())


async def mark_from_stock(session: AsyncSession, actor: Actor, task_id: int) -> SupplyRequest:
    task = await session.get(Task, task_id)
    req = (await session.exec(select(SupplyRequest).where(SupplyRequest.task_id == task_id))).first()
    if task is None or req is None:
        raise DomainError("not_found")
    if not actor.covering([Role.STAFF, Role.ADMIN], task.community_id, task.grid_id):
        raise PermissionDenied()
    if task.status in ("delivered", "confirmed", "cancelled"):
        raise DomainError("already_done")
    req.from_stock = True
    return req


@dataclass(frozen=True)
class LowStock:
    name: str
    quantity: int
    threshold: int


async def use_for_delivery(session: AsyncSession, task: Task, now: datetime) -> list[LowStock]:
    """A delivered request marked 'from community stock' takes its items out of the stock. Items not kept in
    stock are ignored; stock never goes below zero. Returns items now at or under their threshold."""
    req = (await session.exec(select(SupplyRequest).where(SupplyRequest.task_id == task.id))).first()
    if req is None or not req.from_stock:
        return []
    low: list[LowStock] = []
    for it in req.items:
        item = (await session.exec(select(StockItem).where(StockItem.community_id == task.community_id,
                                                           func.lower(StockItem.name) == it["name"].lower()))).first()
        if item is None:
            continue
        item.quantity = max(0, item.quantity - int(it["qty"]))
        item.updated_at = now
        if item.low_threshold and item.quantity <= item.low_threshold:
            low.append(LowStock(item.name, item.quantity, item.low_threshold))
    return low

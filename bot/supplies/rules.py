"""Supply requests: what a resident may ask for, and turning a request into a task."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.kernel.errors import DomainError
from bot.kernel.glance import Area, Figure, per_day
from bot.kernel.personal_data import PersonalData
from bot.kernel.text import NOTE_MAX_LEN, clean_line, clean_note
from bot.registration.rules import normalize_unit
from bot.tasks import rules as dispatch
from models import Building, Household, Person, SupplyRequest, Task

CATEGORIES: tuple[str, ...] = ("groceries", "medicine", "infant", "masks", "disinfectant", "other")
URGENCIES: tuple[str, ...] = ("normal", "today", "urgent")
MAX_QTY = 99
MAX_ITEMS = 10
ITEM_MAX_LEN = 60


def skill_for(category: str) -> str:
    if category not in CATEGORIES:
        raise DomainError("bad_category")
    return "medicine" if category == "medicine" else "delivery"


def parse_quantity(text: str | None) -> int:
    s = unicodedata.normalize("NFKC", text or "").strip().lower()
    s = re.sub(r"^(x|×)\s*", "", s)
    s = re.sub(r"\s*(个|個|袋|包|盒|瓶|箱|件|份|斤|pcs?|packs?|boxes|box|bottles?|bags?)$", "", s)
    if not re.fullmatch(r"[+-]?\d{1,9}", s):
        raise DomainError("qty_not_number")
    n = int(s)
    if n <= 0:
        raise DomainError("qty_positive")
    if n > MAX_QTY:
        raise DomainError("qty_too_large", max=MAX_QTY)
    return n


def validate_item(text: str | None) -> str:
    return clean_line(text, max_len=ITEM_MAX_LEN, code="item")


def validate_note(text: str | None) -> str | None:
    return clean_note(text, NOTE_MAX_LEN)


@dataclass
class NewRequest:
    task: Task
    request: SupplyRequest


async def create_request(session: AsyncSession, requester: Person, *, category: str, items: list[dict],
                         urgency: str, note: str | None, now: datetime, deliver_building_id: int | None = None,
                         deliver_unit: str | None = None, from_stock: bool = False) -> NewRequest:
    """Validate everything again (buttons prove nothing) and add the task and the request to the session.
    The caller offers the task (bot/tasks/messages.py) and commits: nothing is pushed unless this is saved."""
    if requester.household_id is None:
        raise DomainError("not_registered")
    household = await session.get(Household, requester.household_id)
    home = await session.get(Building, household.building_id)
    skill = skill_for(category)
    if urgency not in URGENCIES:
        raise DomainError("bad_urgency")
    if not items:
        raise DomainError("no_items")
    if len(items) > MAX_ITEMS:
        raise DomainError("too_many_items", max=MAX_ITEMS)
    clean = [{"name": validate_item(i.get("name")), "qty": parse_quantity(str(i.get("qty")))} for i in items]
    building, unit = home, household.unit
    if (deliver_building_id is not None and deliver_building_id != home.id) or deliver_unit:
        building = await session.get(Building, deliver_building_id or home.id)
        if building is None or building.community_id != home.community_id:
            raise DomainError("bad_address")
        unit = normalize_unit(deliver_unit or household.unit)
    task = Task(kind="supply", community_id=building.community_id, grid_id=building.grid_id,
                household_id=household.id, subject_person_id=requester.id, skill=skill, urgency=urgency,
                priority=dispatch.task_priority(urgency, household.care_needs), created_at=now)
    session.add(task)
    await session.flush()
    req = SupplyRequest(task_id=task.id, person_id=requester.id, household_id=household.id, category=category,
                        items=clean, deliver_building_id=building.id, deliver_unit=unit,
                        note=validate_note(note), from_stock=from_stock, created_at=now)
    session.add(req)
    await session.flush()
    return NewRequest(task=task, request=req)


async def _forget_household(session: AsyncSession, household_id: int) -> None:
    await session.exec(update(SupplyRequest).where(SupplyRequest.household_id == household_id)
                       .values(household_id=None))


async def _move_household(session: AsyncSession, old: int, new: int) -> None:
    await session.exec(update(SupplyRequest).where(SupplyRequest.household_id == old).values(household_id=new))


# A request's person is its task's subject: erasure is the task engine's.
PERSONAL_DATA = PersonalData(forget_household=_forget_household, move_household=_move_household)


async def household_requests(session: AsyncSession, household_id: int, limit: int = 10) -> list[Task]:
    """A household's supply requests, newest first (for /requests)."""
    return list((await session.exec(select(Task).where(Task.household_id == household_id, Task.kind == "supply")
                                    .order_by(Task.id.desc()).limit(limit))).all())


# ---- the area at a glance (/stats, the evening summary, /export) --------------------------------------------

def _in_area(area: Area) -> list:
    return area.where(community=Task.community_id, grid=Task.grid_id, building=SupplyRequest.deliver_building_id)


def _requests():
    return select(SupplyRequest, Task).join(Task, Task.id == SupplyRequest.task_id)


async def glance(session: AsyncSession, area: Area, now: datetime) -> list[Figure]:
    """Open requests nobody has taken (and how long the oldest has waited), taken ones on their way, delivered
    today: one query."""
    waiting = Task.status == "open"
    row = (await session.exec(select(
        func.count().filter(waiting), func.count().filter(Task.status.in_(("claimed", "picked_up"))),
        func.count().filter(Task.delivered_at >= area.day_start(now)), func.min(Task.created_at).filter(waiting))
        .select_from(SupplyRequest).join(Task, Task.id == SupplyRequest.task_id).where(*_in_area(area)))).one()
    waiting_n, on_way, delivered, oldest = row
    return [Figure("open", waiting_n, opens="unclaimed"), Figure("claimed", on_way),
            Figure("delivered", delivered),
            Figure("oldest", now - oldest if oldest is not None else None)]


async def unclaimed(session: AsyncSession, area: Area, limit: int = 200) -> list[tuple[SupplyRequest, Task, Building]]:
    return list((await session.exec(
        select(SupplyRequest, Task, Building).join(Task, Task.id == SupplyRequest.task_id)
        .join(Building, Building.id == SupplyRequest.deliver_building_id)
        .where(*_in_area(area), Task.status == "open").order_by(Task.priority, Task.created_at).limit(limit))).all())


async def daily(session: AsyncSession, area: Area, days: list) -> dict[str, list[float]]:
    start, end = days[0][1], days[-1][2]
    row = (await session.exec(select(*per_day(SupplyRequest.created_at, days), *per_day(Task.delivered_at, days))
                              .select_from(SupplyRequest).join(Task, Task.id == SupplyRequest.task_id)
                              .where(*_in_area(area), ((SupplyRequest.created_at >= start)
                                                       & (SupplyRequest.created_at < end))
                                     | ((Task.delivered_at >= start) & (Task.delivered_at < end))))).one()
    n = len(days)
    return {"requested": list(row[:n]), "delivered": list(row[n:])}


async def ledger_rows(session: AsyncSession, area: Area, since: datetime, until: datetime
                      ) -> list[tuple[SupplyRequest, Task, Building, Person | None]]:
    """The area's requests made in [since, until), with who took each."""
    return list((await session.exec(
        select(SupplyRequest, Task, Building, Person).join(Task, Task.id == SupplyRequest.task_id)
        .join(Building, Building.id == SupplyRequest.deliver_building_id)
        .outerjoin(Person, Person.id == Task.claimed_by_id)
        .where(*_in_area(area), SupplyRequest.created_at >= since, SupplyRequest.created_at < until)
        .order_by(SupplyRequest.created_at, SupplyRequest.id))).all())

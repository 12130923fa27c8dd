"""Each capability's share of the staff's view of their area: `/stats` at a glance, the evening summary and its
14-day chart, and the ledgers of `/export`.

The glance capability (`bot/glance`) composes what is installed here and names no capability; each capability
gives its `Glance` in the features list (`bot/features.py`): figures and daily series counted in its rules (SQL
aggregates over the area, never rows loaded one by one), and the words for them in its messages. Figures for
a capability appear when it exists.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func
from sqlmodel import select

from models import Building, Household, Person


@dataclass(frozen=True)
class Area:
    """What one staff member looks at: a community, or some of its grids, or one building; and whether they may
    see health data (doctors, community workers, admins)."""
    community_id: int
    timezone: str = "Asia/Shanghai"
    grid_ids: tuple[int, ...] | None = None  # None: every grid of the community
    building_id: int | None = None
    health: bool = False

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def key(self) -> str:
        """The same area, the same key (the summary's recipients are grouped by it)."""
        grids = "all" if self.grid_ids is None else ",".join(map(str, sorted(self.grid_ids)))
        return f"{self.community_id}:{grids}:{self.building_id or ''}:{int(self.health)}"

    def day_start(self, now: datetime, days_back: int = 0) -> datetime:
        """Local midnight of today (or of `days_back` days ago) in the community, as an aware UTC-comparable
        time."""
        local = now.astimezone(self.tz).date() - timedelta(days=days_back)
        return datetime.combine(local, time(0), self.tz)

    def days(self, now: datetime, n: int) -> list[tuple[date, datetime, datetime]]:
        """The last `n` local days, oldest first, today included: (day, start, end)."""
        out = []
        for back in range(n - 1, -1, -1):
            start = self.day_start(now, back)
            end = datetime.combine(start.date() + timedelta(days=1), time(0), self.tz)
            out.append((start.date(), start, end))
        return out

    def where(self, *, community: Any, grid: Any = None, building: Any = None, household: Any = None) -> list:
        """SQL conditions keeping a table's rows to the area, given the table's columns: its community, and
        whichever of grid, building and household it has (a building area needs a building or household
        column; a table with neither cannot be narrowed to a building and is refused by the caller)."""
        out = [community == self.community_id]
        if self.grid_ids is not None and grid is not None:
            out.append(grid.in_(self.grid_ids))
        if self.building_id is not None:
            if building is not None:
                out.append(building == self.building_id)
            elif household is not None:
                out.append(household.in_(select(Household.id).where(Household.building_id == self.building_id)))
            else:
                raise ValueError("this table cannot be narrowed to a building")
        return out

    @property
    def narrowed(self) -> bool:
        """Less than the whole community."""
        return self.grid_ids is not None or self.building_id is not None

    def buildings(self) -> Any:
        """The ids of the area's buildings, as a subquery."""
        return select(Building.id).where(*self.where(community=Building.community_id, grid=Building.grid_id,
                                                     building=Building.id))

    def people(self) -> Any:
        """The ids of the people living in the area, as a subquery."""
        return select(Person.id).where(Person.household_id.in_(self.households()))

    def households(self) -> Any:
        """The ids of the area's households, as a subquery."""
        q = select(Household.id).join(Building, Building.id == Household.building_id)
        return q.where(*self.where(community=Building.community_id, grid=Building.grid_id, building=Building.id))


def per_day(column: Any, days: list[tuple[date, datetime, datetime]], *conditions: Any) -> list:
    """One count per day of `days` (rows whose `column` falls in it and that meet `conditions`), to select in
    one query over the whole range: the same SQL on SQLite and PostgreSQL, whatever the time zone."""
    return [func.count().filter(and_(column >= start, column < end, *conditions)) for _, start, end in days]


@dataclass(frozen=True)
class Figure:
    """One number of a section: its key (the words for it are the capability's), its value (a count; a rate
    0–1; a time span: how long the oldest has waited), and the key of the list it opens, if any."""
    key: str
    value: int | float | timedelta | None
    opens: str | None = None
    label: str | None = None  # words given with the value (a category's name), in the reader's language


@dataclass(frozen=True)
class Line:
    """One row of a list staff open from a figure: words in the reader's language, when (oldest first), and
    whose personal data it shows (audited)."""
    text: str
    at: datetime | None = None
    person_id: int | None = None


Figures = Callable[[Any, Area, datetime], Awaitable[list[Figure]]]  # (session, area, now)
# (session, area, list key, now, locale) -> the list; None: not this capability's list, or not for this area
Lists = Callable[[Any, Area, str, datetime, str], Awaitable[list[Line] | None]]
# (session, area, days as (day, start, end)) -> series key -> one value per day
Daily = Callable[[Any, Area, list], Awaitable[dict[str, list[float]]]]


@dataclass(frozen=True)
class Column:
    header: str  # msgid
    width: int = 14


@dataclass(frozen=True)
class Table:
    """A ledger of `/export`: its sheet's name and columns (msgids), whether it holds health data (only for
    those who may see it), and its rows for an area and a time range [start, end) (times as aware datetimes,
    shown in the community's time zone by the export)."""
    key: str
    title: str  # msgid
    columns: tuple[Column, ...]
    rows: Callable[[Any, Area, datetime, datetime, str], Awaitable[list[list[Any]]]]  # (..., locale)
    health: bool = False


@dataclass(frozen=True)
class Glance:
    section: str  # its key, also the order of sections (the features list's)
    title: str  # msgid of the section's heading
    figures: Figures | None = None
    labels: dict[str, str] = field(default_factory=dict)  # figure key -> msgid
    label_for: Callable[[str, str], str] | None = None  # (locale, figure key) -> words, for keys not in labels
    lists: Lists | None = None
    list_titles: dict[str, str] = field(default_factory=dict)  # list key -> msgid
    daily: Daily | None = None
    series: dict[str, str] = field(default_factory=dict)  # series key -> msgid of its name in the chart
    tables: tuple[Table, ...] = ()
    health: bool = False  # the whole section is health data
    summary_lists: tuple[str, ...] = ()  # lists whose oldest rows the evening summary shows
    order: int = 50  # sections are shown lowest first


_installed: list[Glance] = []


def install(glances: list[Glance]) -> None:
    """The features list's, shown by their `order` (installing again replaces them)."""
    _installed[:] = sorted(glances, key=lambda g: g.order)


def installed() -> list[Glance]:
    return list(_installed)

"""Community structure: idempotent import from YAML, and adding a building from the chat."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, ValidationError, field_validator
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.kernel.errors import DomainError
from models import Building, Community, Grid, Household

CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


def _check_code(v: str) -> str:
    v = str(v).strip()
    if not CODE_RE.match(v):
        raise ValueError(f"code '{v}' may only contain letters, digits, '-' and '_' (1-40)")
    return v


Code = Annotated[str, BeforeValidator(lambda v: str(v)), AfterValidator(_check_code)]


class BuildingSpec(BaseModel):
    code: Code
    name: str = Field(min_length=1, max_length=120)
    names: dict[str, str] = Field(default_factory=dict)
    units: list[str] = Field(default_factory=list)

    @field_validator("units", mode="before")
    @classmethod
    def _units(cls, v: object) -> object:
        return [str(u) for u in v] if isinstance(v, list) else v


class GridSpec(BaseModel):
    code: Code
    name: str = Field(min_length=1, max_length=120)
    names: dict[str, str] = Field(default_factory=dict)
    buildings: list[BuildingSpec] = Field(default_factory=list)


class CommunitySpec(BaseModel):
    code: Code
    name: str = Field(min_length=1, max_length=120)
    names: dict[str, str] = Field(default_factory=dict)
    timezone: str | None = None
    emergency_number: str = "120"
    support_hotline: str = "12356"
    silence_hours: int = Field(default=48, ge=1, le=24 * 14)
    silence_red_hours: int = Field(default=24, ge=1, le=24 * 14)
    quiet_hours: str | None = Field(default=None, pattern=r"^\d{2}:\d{2}-\d{2}:\d{2}$")
    # When staff get the day's summary, local time ("18:00"; "off": never)
    summary_time: str = Field(default="18:00", pattern=r"^(([01]\d|2[0-3]):[0-5]\d|off)$")
    grids: list[GridSpec] = Field(default_factory=list)

    @field_validator("emergency_number", "support_hotline", mode="before")
    @classmethod
    def _num(cls, v: object) -> str:
        return str(v)


class StructureFile(BaseModel):
    communities: list[CommunitySpec]


@dataclass
class ImportReport:
    created: dict[str, int] = field(default_factory=lambda: {"community": 0, "grid": 0, "building": 0})
    updated: dict[str, int] = field(default_factory=lambda: {"community": 0, "grid": 0, "building": 0})

    def summary(self) -> str:
        parts = [f"{k}: +{self.created[k]} created, {self.updated[k]} updated" for k in self.created]
        return "; ".join(parts)


class StructureFileError(Exception):
    pass


def parse_structure(text: str) -> StructureFile:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise StructureFileError(f"not valid YAML: {e}") from e
    if isinstance(raw, dict) and "community" in raw and "communities" not in raw:
        raw = {"communities": [raw["community"]]}
    try:
        spec = StructureFile.model_validate(raw)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise StructureFileError(f"{where}: {first['msg']}") from e
    seen: set[str] = set()
    for c in spec.communities:
        for g in c.grids:
            for b in g.buildings:
                if b.code in seen:
                    raise StructureFileError(f"building code '{b.code}' appears twice")
                seen.add(b.code)
    return spec


def _apply(obj: object, values: dict) -> bool:
    changed = False
    for k, v in values.items():
        if getattr(obj, k) != v:
            setattr(obj, k, v)
            changed = True
    return changed


async def import_structure(session: AsyncSession, spec: StructureFile) -> ImportReport:
    """Create or update communities, grids and buildings by code. Nothing is deleted."""
    report = ImportReport()
    for cs in spec.communities:
        comm = (await session.exec(select(Community).where(Community.code == cs.code))).first()
        values = {"name": cs.name, "names": cs.names, "timezone": cs.timezone, "quiet_hours": cs.quiet_hours,
                  "emergency_number": cs.emergency_number, "support_hotline": cs.support_hotline,
                  "silence_hours": cs.silence_hours, "silence_red_hours": cs.silence_red_hours,
                  "summary_time": cs.summary_time}
        if comm is None:
            comm = Community(code=cs.code, **values)
            session.add(comm)
            report.created["community"] += 1
        elif _apply(comm, values):
            report.updated["community"] += 1
        await session.flush()
        for gs in cs.grids:
            grid = (await session.exec(
                select(Grid).where(Grid.community_id == comm.id, Grid.code == gs.code))).first()
            gvalues = {"name": gs.name, "names": gs.names}
            if grid is None:
                grid = Grid(community_id=comm.id, code=gs.code, **gvalues)
                session.add(grid)
                report.created["grid"] += 1
            elif _apply(grid, gvalues):
                report.updated["grid"] += 1
            await session.flush()
            for bs in gs.buildings:
                b = (await session.exec(select(Building).where(Building.code == bs.code))).first()
                bvalues = {"name": bs.name, "names": bs.names, "units": bs.units,
                           "community_id": comm.id, "grid_id": grid.id}
                if b is None:
                    session.add(Building(code=bs.code, **bvalues))
                    report.created["building"] += 1
                elif _apply(b, bvalues):
                    report.updated["building"] += 1
        await session.flush()
    await session.commit()
    return report


async def import_structure_file(session: AsyncSession, path: Path) -> ImportReport:
    try:
        text = await asyncio.to_thread(path.read_text, encoding="utf-8")
    except OSError as e:
        raise StructureFileError(f"cannot read {path}: {e.strerror}") from e
    return await import_structure(session, parse_structure(text))


# ---- queries used by registration and admin flows -------------------------------------------

async def list_communities(session: AsyncSession) -> list[Community]:
    return list((await session.exec(select(Community).order_by(Community.id))).all())


async def list_grids(session: AsyncSession, community_id: int) -> list[Grid]:
    return list((await session.exec(
        select(Grid).where(Grid.community_id == community_id).order_by(Grid.code))).all())


async def covered_grids(session: AsyncSession, actor: object, roles: tuple, community_id: int | None = None
                        ) -> list[Grid]:
    """The grids (of one community, or of all) where the actor holds one of `roles` (`permissions.Actor`)."""
    q = select(Grid).order_by(Grid.community_id, Grid.code)
    if community_id is not None:
        q = q.where(Grid.community_id == community_id)
    return [g for g in (await session.exec(q)).all() if actor.covering(roles, g.community_id, g.id)]


async def covered_buildings(session: AsyncSession, actor: object, roles: tuple, community_id: int
                            ) -> list[Building]:
    """The buildings of a community in grids where the actor holds one of `roles`, grid by grid."""
    rows = (await session.exec(select(Building).where(Building.community_id == community_id)
                               .order_by(Building.grid_id, Building.id))).all()
    return [b for b in rows if actor.covering(roles, community_id, b.grid_id)]


async def list_buildings(session: AsyncSession, grid_id: int) -> list[Building]:
    return list((await session.exec(
        select(Building).where(Building.grid_id == grid_id).order_by(Building.code))).all())


async def building_by_code(session: AsyncSession, code: str) -> Building | None:
    return (await session.exec(select(Building).where(Building.code == code))).first()


async def add_building(session: AsyncSession, grid_id: int, code: str, name: str) -> Building:
    """Add one building from the chat (admins). Permission is checked by the caller's service call."""
    code = code.strip()
    name = name.strip()
    if not CODE_RE.match(code):
        raise DomainError("bad_code")
    if not name or len(name) > 120:
        raise DomainError("bad_name")
    grid = await session.get(Grid, grid_id)
    if grid is None:
        raise DomainError("not_found")
    if await building_by_code(session, code) is not None:
        raise DomainError("code_taken")
    b = Building(code=code, name=name, community_id=grid.community_id, grid_id=grid.id)
    session.add(b)
    await session.commit()
    return b


async def home_of(session, person) -> tuple[Community | None, Building | None, Household | None]:
    """A person's community, building and household (None for what they do not have: not registered)."""
    household = await session.get(Household, person.household_id) if person is not None and person.household_id \
        else None
    building = await session.get(Building, household.building_id) if household else None
    community = await session.get(Community, building.community_id) if building else None
    return community, building, household


async def place_of(session, household_id: int | None, locale: str) -> tuple[str, str]:
    """(building label in `locale`, unit) of a household, "?" for what is unknown: for pushes about a home."""
    household = await session.get(Household, household_id) if household_id else None
    building = await session.get(Building, household.building_id) if household else None
    return (building.label(locale) if building else "?"), (household.unit if household else "?")

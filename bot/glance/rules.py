"""Staff at a glance, Telegram-free: which area a staff member looks at (their community or grid; admins and
community-wide staff may narrow it to a grid or a building), the figures every capability gives for it, the
lists behind them (audited), who gets the evening summary of which area, and the ledgers of /export (scoped,
health data only for those who may see it, anonymous reporters absent, audited with scope and row counts)."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.access.rules import role_holders, working_community
from bot.kernel import glance as hooks
from bot.kernel.audit import audit, audit_reads
from bot.kernel.errors import DomainError, PermissionDenied
from bot.kernel.glance import Area, Figure, Glance, Line
from bot.kernel.permissions import CASEWORK_ROLES, Actor, Role
from bot.platform.db import insert_once
from bot.platform.i18n import _, get_i18n
from models import Building, Community, Grid, Person
from models.glance import ExportJob, GlanceDay

GLANCE_ROLES = (Role.STAFF, Role.ADMIN, Role.DOCTOR, Role.COUNSELLOR)
EXPORT_ROLES = tuple(CASEWORK_ROLES)  # they see residents' data in their area
SUMMARY_ROLES = (Role.STAFF, Role.ADMIN)
CHART_DAYS = 14
LIST_MAX = 200
EXPORT_DAYS = (1, 7, 30, 90)
FORMATS = ("xlsx", "csv")


def may_glance(actor: Actor) -> bool:
    return actor.superadmin or actor.has_role(*GLANCE_ROLES)


def may_export(actor: Actor) -> bool:
    return actor.superadmin or actor.has_role(*EXPORT_ROLES)


def _sees_people(actor: Actor, community_id: int, grid_ids: tuple[int, ...] | None) -> bool:
    if grid_ids is None:
        return actor.covering(CASEWORK_ROLES, community_id, None)
    return all(actor.covering(CASEWORK_ROLES, community_id, g) for g in grid_ids)


async def area_for(session: AsyncSession, actor: Actor, default_tz: str, *, grid_id: int = 0, building_id: int = 0,
                   roles: tuple[Role, ...] = GLANCE_ROLES) -> Area:
    """The staff member's area, or the grid or building of it they picked (refused outside it); its days are
    the community's (`default_tz`: the deployment's, for a community without a time zone of its own)."""
    community = await working_community(session, actor, roles)
    scopes = [s for s in actor.scopes_for(roles) if s.community_id == community.id]
    whole = actor.superadmin or any(s.grid_id is None for s in scopes)
    grids: tuple[int, ...] | None = None if whole else tuple(sorted({s.grid_id for s in scopes}))
    tz = community.zone(default_tz)
    if building_id:
        b = await session.get(Building, building_id)
        if b is None or b.community_id != community.id or not actor.covering(roles, community.id, b.grid_id):
            raise DomainError("glance_area")
        grids = (b.grid_id,)
    elif grid_id:
        g = await session.get(Grid, grid_id)
        if g is None or g.community_id != community.id or not actor.covering(roles, community.id, g.id):
            raise DomainError("glance_area")
        grids = (g.id,)
    return Area(community.id, tz, grids, building_id or None, health=_sees_people(actor, community.id, grids))


async def area_name(session: AsyncSession, area: Area, locale: str) -> str:
    community = await session.get(Community, area.community_id)
    parts = [community.label(locale) if community else "?"]
    if area.grid_ids is not None:
        grids = (await session.exec(select(Grid).where(Grid.id.in_(area.grid_ids)).order_by(Grid.code))).all()
        parts.append(", ".join(g.label(locale) for g in grids))
    if area.building_id:
        b = await session.get(Building, area.building_id)
        parts.append(b.label(locale) if b else "?")
    return " · ".join(parts)


async def choices(session: AsyncSession, actor: Actor, area: Area) -> tuple[list[Grid], list[Building]]:
    """What the staff member may narrow the view to from here: the grids of their area, and the buildings of
    the grid they look at."""
    grids = [g for g in (await session.exec(select(Grid).where(Grid.community_id == area.community_id)
                                            .order_by(Grid.code))).all()
             if actor.covering(GLANCE_ROLES, area.community_id, g.id)]
    buildings: list[Building] = []
    if area.grid_ids is not None and len(area.grid_ids) == 1:
        buildings = list((await session.exec(select(Building).where(Building.grid_id == area.grid_ids[0])
                                             .order_by(Building.code))).all())
    return grids, buildings


def _shown(area: Area) -> list[Glance]:
    """The installed capabilities' shares, less those that are health data for one who may not see it."""
    return [g for g in hooks.installed() if area.health or not g.health]


@dataclass
class Section:
    glance: Glance
    figures: list[Figure]


async def sections(session: AsyncSession, area: Area, now: datetime) -> list[Section]:
    """Every installed capability's figures for the area (health ones only for those who may see them)."""
    out = []
    for g in _shown(area):
        if g.figures is None:
            continue
        figures = await g.figures(session, area, now)
        if figures:
            out.append(Section(g, figures))
    return out


def _glance(section: str) -> Glance:
    for g in hooks.installed():
        if g.section == section:
            return g
    raise DomainError("glance_area")


async def open_list(session: AsyncSession, actor: Actor, area: Area, section: str, key: str, now: datetime,
                    locale: str) -> tuple[Glance, list[Line]]:
    """A list behind a figure: only for those who may see residents' data in the area; audited (the scope and
    how many rows, and a read for each person shown)."""
    g = _glance(section)
    if not area.health:
        raise PermissionDenied()
    lines = await g.lists(session, area, key, now, locale) if g.lists else None
    if lines is None:
        raise DomainError("glance_area")
    audit(session, actor_id=actor.person_id, action="read_glance_list", at=now, section=section, key=key,
          community=area.community_id, grids=",".join(map(str, area.grid_ids or ())) or "all",
          building=area.building_id or 0, rows=len(lines))
    audit_reads(session, actor_id=actor.person_id, action="read_glance_list", at=now,
                subject_ids=[x.person_id for x in lines])
    return g, lines[:LIST_MAX]


# ---- the evening summary -------------------------------------------------------------------------------------

def next_summary(community: Community, now: datetime, default_tz: str) -> datetime | None:
    """The first summary due after `now` at the community's local `summary_time` (None: turned off)."""
    if not community.summary_time or community.summary_time == "off":
        return None
    h, m = map(int, community.summary_time.split(":"))
    tz = ZoneInfo(community.zone(default_tz))
    today = now.astimezone(tz).date()
    for day in (today, today + timedelta(days=1)):
        at = datetime.combine(day, time(h, m), tz)
        if at > now:
            return at
    return None


async def summary_recipients(session: AsyncSession, community_id: int, tz: str) -> list[tuple[Area, list[Person]]]:
    """The community's workers and admins, grouped by the area each sees (a grid worker: their grid; an admin
    or a community-wide worker: the community); `tz`: the community's time zone."""
    grants: dict[int, tuple[Person, set[int | None]]] = {}
    for grant, person in await role_holders(session, community_id, SUMMARY_ROLES):
        grants.setdefault(person.id, (person, set()))[1].add(grant.grid_id)
    by_area: dict[str, tuple[Area, list[Person]]] = {}
    for person, grids in grants.values():
        ids = None if None in grids else tuple(sorted(g for g in grids if g is not None))
        area = Area(community_id, tz, ids, None, health=True)  # workers and admins see health in their area
        by_area.setdefault(area.key, (area, []))[1].append(person)
    return list(by_area.values())


FINAL_AFTER_DAYS = 3  # a day's figures still change for a while (alerts acknowledged late): kept after 3 days


async def daily_series(session: AsyncSession, area: Area, now: datetime) -> tuple[list[date], dict[str, dict]]:
    """The last 14 days, each capability's series (section -> series key -> one value per day). Days over for
    `FINAL_AFTER_DAYS` are read from `glance_day` once counted; the others are counted now (and kept once
    final), so an evening counts the last few days' rows, not 14 days of them."""
    days = area.days(now, CHART_DAYS)
    final_before = days[-FINAL_AFTER_DAYS][0]
    by_day: dict[str, dict[date, dict]] = {}
    for r in (await session.exec(select(GlanceDay).where(GlanceDay.area_key == area.key,
                                                         GlanceDay.day >= days[0][0]))).all():
        by_day.setdefault(r.section, {})[r.day] = r.values
    out = {}
    for g in _shown(area):
        if g.daily is None:
            continue
        known = by_day.setdefault(g.section, {})
        missing = [d for d in days if d[0] not in known]
        counted = await g.daily(session, area, missing) if missing else {}
        for i, (day, _start, _end) in enumerate(missing):
            known[day] = {k: v[i] for k, v in counted.items()}
            if day < final_before:
                await _keep(session, area.key, g.section, day, known[day], now)
        keys = {k for values in known.values() for k in values}
        out[g.section] = {k: [known[d].get(k) for d, _s, _e in days] for k in sorted(keys)}
    return [d for d, _, _ in days], out


async def _keep(session: AsyncSession, area_key: str, section: str, day: date, values: dict, now: datetime) -> None:
    """Keep a final day's figures (another process that kept them first wins: the same figures)."""
    await insert_once(session, GlanceDay, area_key=area_key, section=section, day=day, values=values, created_at=now)


async def summary_lines(session: AsyncSession, area: Area, now: datetime, locale: str,
                        limit: int = 8) -> list[tuple[Glance, str, list[Line]]]:
    """What is still open, oldest first, and who has not been heard from: the first rows of each capability's
    summary lists."""
    out = []
    for g in _shown(area):
        if g.lists is None:
            continue
        for key in g.summary_lists:
            lines = await g.lists(session, area, key, now, locale) or []
            if lines:
                far = datetime.min.replace(tzinfo=now.tzinfo)
                lines = sorted(lines, key=lambda x: x.at or far)
                out.append((g, key, lines[:limit] + ([Line(f"… +{len(lines) - limit}")] if len(lines) > limit
                                                     else [])))
    return out


# ---- ledgers (/export and `python -m bot export`) ------------------------------------------------------------

def tables_for(area: Area) -> list[hooks.Table]:
    return [t for g in _shown(area) for t in g.tables if area.health or not t.health]


def _job(area: Area, tables: list[str] | None, since: datetime, until: datetime, fmt: str, locale: str,
         now: datetime, person_id: int | None = None, chat_id: int | None = None) -> ExportJob:
    """An export of these tables of the area (None: every one it may hold), checked."""
    known = [t.key for t in tables_for(area)]
    if fmt not in FORMATS or until <= since or (tables is not None and (not tables or not set(tables) <= set(known))):
        raise DomainError("glance_area")
    return ExportJob(person_id=person_id, chat_id=chat_id, locale=locale, community_id=area.community_id,
                     grid_ids=list(area.grid_ids) if area.grid_ids is not None else None,
                     building_id=area.building_id, health=area.health, timezone=area.timezone,
                     tables=known if tables is None else tables, since=since, until=until, fmt=fmt, created_at=now)


async def ask_export(session: AsyncSession, actor: Actor, person: Person | None, chat_id: int | None,
                     default_tz: str, *, tables: list[str] | None, days: int, fmt: str, now: datetime,
                     locale: str) -> ExportJob:
    """An export of the staff member's area asked for in the chat (`tables` None: all of them): checked now,
    built by the due-work runner."""
    if not may_export(actor):
        raise PermissionDenied()
    area = await area_for(session, actor, default_tz, roles=EXPORT_ROLES)
    if days not in EXPORT_DAYS:
        raise DomainError("glance_area")
    return _job(area, tables, area.day_start(now, days - 1), now, fmt, locale, now,
                person_id=person.id if person else None, chat_id=chat_id)


def job_area(job: ExportJob) -> Area:
    return Area(job.community_id, job.timezone, tuple(job.grid_ids) if job.grid_ids is not None else None,
                job.building_id, health=job.health)


@dataclass
class Sheet:
    table: hooks.Table
    headers: list[str]
    rows: list[list]


@dataclass
class Built:
    data: bytes
    name: str
    sheets: list[Sheet]


async def build(session: AsyncSession, job: ExportJob, stem: str, now: datetime) -> Built:
    """The file of an export — the rows of each table asked for (health tables only when the asker may see
    them), in the asker's language and the community's time zone — recorded and audited with the caller's
    transaction."""
    area = job_area(job)
    sheets = []
    with get_i18n().use_locale(job.locale):
        for t in tables_for(area):
            if t.key in job.tables:
                rows = await t.rows(session, area, job.since, job.until, job.locale)
                sheets.append(Sheet(t, [_(c.header) for c in t.columns], rows))
        data, name = _package(job, sheets, area.tz, stem)
    _record(session, job, sheets, now)
    return Built(data, name, sheets)


def _record(session: AsyncSession, job: ExportJob, sheets: list[Sheet], now: datetime) -> None:
    job.row_counts = {s.table.key: len(s.rows) for s in sheets}
    job.status, job.done_at = "done", now
    session.add(job)
    audit(session, actor_id=job.person_id, action="glance_export", at=now, job=job.id, community=job.community_id,
          grids=",".join(map(str, job.grid_ids or ())) or "all", building=job.building_id or 0, fmt=job.fmt,
          since=job.since.isoformat(), until=job.until.isoformat(), **{f"rows_{k}": v for k, v in
                                                                        job.row_counts.items()})


def _cell(value: object, tz: tzinfo) -> object:
    if isinstance(value, datetime):
        return value.astimezone(tz).replace(tzinfo=None, microsecond=0)
    return value


def to_xlsx(sheets: list[Sheet], tz: tzinfo) -> bytes:
    """One sheet per table: headers in the asker's language, frozen; times in the community's time zone."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    for s in sheets:
        ws = wb.create_sheet(_(s.table.title)[:31])
        ws.append(s.headers)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in s.rows:
            ws.append([_cell(v, tz) for v in row])
        ws.freeze_panes = "A2"
        for i, c in enumerate(s.table.columns, 1):
            ws.column_dimensions[get_column_letter(i)].width = max(c.width, len(s.headers[i - 1]) * 2 + 2)
            if any(isinstance(r[i - 1], datetime) for r in s.rows[:50]):
                for cell in ws[get_column_letter(i)][1:]:
                    cell.number_format = "yyyy-mm-dd hh:mm"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def to_csv(sheet: Sheet, tz: tzinfo) -> bytes:
    """UTF-8 with a BOM, so spreadsheet programs read Chinese correctly."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(sheet.headers)
    for row in sheet.rows:
        w.writerow(["" if v is None else (_cell(v, tz).strftime("%Y-%m-%d %H:%M") if isinstance(v, datetime) else v)
                    for v in row])
    return buf.getvalue().encode("utf-8-sig")


def _package(job: ExportJob, sheets: list[Sheet], tz: tzinfo, stem: str) -> tuple[bytes, str]:
    """The file to send: an .xlsx workbook; one .csv, or a .zip of one .csv per table."""
    if job.fmt == "xlsx":
        return to_xlsx(sheets, tz), f"{stem}.xlsx"
    if len(sheets) == 1:
        return to_csv(sheets[0], tz), f"{stem}-{sheets[0].table.key}.csv"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for s in sheets:
            z.writestr(f"{stem}-{s.table.key}.csv", to_csv(s, tz))
    return out.getvalue(), f"{stem}.zip"


async def admin_job(session: AsyncSession, default_tz: str, *, community: str, grid: str | None,
                    building: str | None, since: date, until: date, fmt: str, tables: list[str] | None,
                    locale: str, now: datetime) -> ExportJob:
    """An export for the bot's administrator at the command line: any community, grid or building, by code;
    the days [since, until] in the community's time zone; every table unless some are named."""
    c = (await session.exec(select(Community).where(Community.code == community))).first()
    if c is None:
        raise DomainError("glance_area")
    grids: tuple[int, ...] | None = None
    b_id = None
    if grid:
        g = (await session.exec(select(Grid).where(Grid.community_id == c.id, Grid.code == grid))).first()
        if g is None:
            raise DomainError("glance_area")
        grids = (g.id,)
    if building:
        b = (await session.exec(select(Building).where(Building.code == building))).first()
        if b is None or b.community_id != c.id or (grids and b.grid_id not in grids):
            raise DomainError("glance_area")
        grids, b_id = (b.grid_id,), b.id
    area = Area(c.id, c.zone(default_tz), grids, b_id, health=True)
    return _job(area, tables, datetime.combine(since, time(0), area.tz),
                datetime.combine(until + timedelta(days=1), time(0), area.tz), fmt, locale, now)

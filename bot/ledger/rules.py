"""The community's household ledger (户籍/台账), Telegram-free: reading the spreadsheet staff already keep,
planning what an import would create, change and refuse (row by row, with the reason), and applying it.

Households are keyed by building + unit (the same key registration uses, so a resident who registers later
finds the ledger's household); members by their name within the household, compared in a normalised form. An
import never deletes anything, and importing the same file again changes nothing. A staff member imports only
into the buildings of their own area; other rows are refused with that reason.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

import phonenumbers
import sqlalchemy as sa
from sqlalchemy import func, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.access.rules import working_community
from bot.kernel import personal_data, structure
from bot.kernel.audit import audit
from bot.kernel.errors import DomainError, PermissionDenied
from bot.kernel.glance import Area, Figure
from bot.kernel.permissions import Actor, Role
from bot.kernel.text import matching_key
from bot.registration.rules import CARE_NEEDS, NAME_MAX_LEN, household_members, normalize_unit
from models import Building, Community, Household, Person
from models.people import reachable

IMPORT_ROLES = (Role.STAFF, Role.ADMIN)
MAX_ROWS = 20_000
MAX_BYTES = 5 * 1024 * 1024
NOTES_MAX = 300
RELATION_MAX = 20

# The columns a neighbourhood committee's ledger has, as they are headed in Chinese (both scripts) or English.
HEADERS: dict[str, tuple[str, ...]] = {
    "building": ("building", "楼栋", "楼号", "楼", "楼栋号", "栋", "樓棟", "樓號", "樓", "棟"),
    "unit": ("unit", "单元", "單元", "单元号"),
    "room": ("room", "室", "房号", "房號", "门牌", "門牌", "门牌号", "門牌號", "户号", "戶號", "房间", "房間"),
    "name": ("name", "姓名", "成员姓名", "成員姓名", "居民姓名"),
    "birth_year": ("year of birth", "birth year", "born", "出生年份", "出生年", "出生年月", "出生日期"),
    "phone": ("phone", "电话", "電話", "联系电话", "聯絡電話", "手机", "手機", "手机号", "手機號碼"),
    "relation": ("relation", "与户主关系", "與戶主關係", "关系", "關係"),
    "care": ("care needs", "care", "照顾需求", "照顧需求", "特殊人群", "重点人群", "重點人群"),
    "notes": ("notes", "备注", "備註", "说明", "說明"),
}
# Words a ledger uses for each care need (compared lower-case, in either script).
CARE_WORDS: dict[str, tuple[str, ...]] = {
    "elderly_alone": ("独居", "獨居", "空巢", "alone"),
    "disability": ("残疾", "殘疾", "残障", "殘障", "disab"),
    "pregnancy": ("孕", "pregnan"),
    "infant": ("婴", "嬰", "幼儿", "幼兒", "infant", "baby"),
    "chronic": ("慢病", "慢性", "透析", "chronic", "dialysis"),
}
CARE_SPLIT = re.compile(r"[,，、;；/|\n]+")


def may_import(actor: Actor) -> bool:
    return actor.superadmin or actor.has_role(*IMPORT_ROLES)


def _key(header: object) -> str:
    return re.sub(r"[\s_:：*]", "", unicodedata.normalize("NFKC", str(header or "")).casefold())


_HEADER_KEYS = {_key(alias): column for column, aliases in HEADERS.items() for alias in aliases}


def read_table(data: bytes, file_name: str) -> list[dict[str, str]]:
    """The rows of an XLSX or CSV ledger as {column: text}, columns recognised by their headers (unknown
    columns ignored). Refused: another kind of file, no building/unit/name column, too big."""
    if len(data) > MAX_BYTES:
        raise DomainError("ledger_too_big", max=MAX_BYTES // (1024 * 1024))
    name = file_name.lower()
    if name.endswith(".xlsx"):
        table = _xlsx(data)
    elif name.endswith(".csv"):
        table = _csv(data)
    else:
        raise DomainError("ledger_kind")
    if not table:
        raise DomainError("ledger_columns")
    header_row = next((i for i, row in enumerate(table[:10])
                       if {"building", "name"} <= {_HEADER_KEYS.get(_key(c)) for c in row}), None)
    if header_row is None:
        raise DomainError("ledger_columns")
    columns = [_HEADER_KEYS.get(_key(c)) for c in table[header_row]]
    if "unit" not in columns and "room" not in columns:
        raise DomainError("ledger_columns")
    # Each row keeps the spreadsheet's own row number, so staff find the row the preview names.
    numbered, n = [], header_row + 1
    for cells in table[header_row + 1:]:
        n += 1
        row = {col: _text(v) for col, v in zip(columns, cells, strict=False) if col}
        if any(row.values()):
            row["_row"] = str(n)
            numbered.append(row)
    if len(numbered) > MAX_ROWS:
        raise DomainError("ledger_rows", max=MAX_ROWS)
    return numbered


def _text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, datetime):
        return str(v.year)
    return str(v).strip()


def _xlsx(data: bytes) -> list[list[object]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # not a workbook: a renamed file, a damaged one
        raise DomainError("ledger_kind") from e
    ws = wb.worksheets[0]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def _csv(data: bytes) -> list[list[object]]:
    for encoding in ("utf-8-sig", "gb18030"):  # what spreadsheet programs in China save
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise DomainError("ledger_kind")
    return [list(r) for r in csv.reader(io.StringIO(text))]


# ---- checking each row --------------------------------------------------------------------------------------

@dataclass
class Member:
    name: str
    birth_year: int | None = None
    phone: str | None = None
    relation: str | None = None


@dataclass
class Refused:
    row: int
    code: str
    params: dict = field(default_factory=dict)


@dataclass
class Planned:
    building: Building
    unit: str
    members: list[Member] = field(default_factory=list)
    care: set[str] = field(default_factory=set)
    notes: str | None = None
    rows: list[int] = field(default_factory=list)
    household: Household | None = None  # None: to be created
    new_members: list[Member] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)  # what would change, for the preview


@dataclass
class Plan:
    community: Community
    households: list[Planned]
    refused: list[Refused]

    @property
    def created(self) -> list[Planned]:
        return [p for p in self.households if p.household is None]

    @property
    def changed(self) -> list[Planned]:
        return [p for p in self.households if p.household is not None and p.changes]

    @property
    def unchanged(self) -> int:
        return sum(1 for p in self.households if p.household is not None and not p.changes)


def parse_birth_year(text: str, now: datetime) -> int | None:
    """"1948", "1948-03", "1948年3月", "1948/3/2" -> 1948; empty -> None."""
    s = unicodedata.normalize("NFKC", text or "").strip()
    if not s:
        return None
    m = re.match(r"^(\d{4})", s)
    if m is None or not 1900 <= int(m.group(1)) <= now.year:
        raise DomainError("row_birth_year", value=text)
    return int(m.group(1))


def parse_phone(text: str, region: str) -> str | None:
    """A number as a ledger writes it ("138 1234 5678", "+852 6123 4987", "021-5555 1234") in E.164."""
    s = (text or "").strip()
    if not s:
        return None
    try:
        number = phonenumbers.parse(s, None if s.startswith("+") else region)
    except phonenumbers.NumberParseException:
        raise DomainError("row_phone", value=text) from None
    if not phonenumbers.is_valid_number(number):  # a ledger's typo ("12345") is not a short number
        raise DomainError("row_phone", value=text)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_care(text: str) -> set[str]:
    """"独居老人、慢病" -> {"elderly_alone", "chronic"}; a word it does not know is refused (and named)."""
    out: set[str] = set()
    for part in CARE_SPLIT.split(unicodedata.normalize("NFKC", text or "").casefold()):
        part = part.strip()
        if not part or part in ("无", "無", "none", "-"):
            continue
        codes = {c for c, stems in CARE_WORDS.items() if any(s in part for s in stems)}  # "独居 慢病": both
        if not codes:
            raise DomainError("row_care", value=part)
        out |= codes
    return out


def _building_index(buildings: list[Building]) -> dict[str, Building]:
    """A building by its code, its name or any of its names (normalised), and "1号楼"/"1號樓"/"1栋"/"1" by number."""
    index: dict[str, Building] = {}
    for b in buildings:
        for label in (b.code, b.name, *b.names.values()):
            index.setdefault(_building_key(label), b)
    return index


def _building_key(text: str) -> str:
    s = unicodedata.normalize("NFKC", text or "").casefold().strip()
    s = re.sub(r"^(building|bldg\.?|block)\s*", "", s)
    s = re.sub(r"\s*(号楼|號樓|栋|棟|幢|座|楼|樓)$", "", s)
    return re.sub(r"\s+", "", s)


async def area_buildings(session: AsyncSession, actor: Actor, community_id: int) -> list[Building]:
    return await structure.covered_buildings(session, actor, IMPORT_ROLES, community_id)


async def importer_community(session: AsyncSession, actor: Actor, code: str | None = None) -> Community:
    """The community a staff member imports into (the one they serve in; the bot's administrators name it)."""
    if code is not None:
        community = (await session.exec(select(Community).where(Community.code == code))).first()
        if community is None:
            raise DomainError("not_found")
        if not (actor.superadmin or any(s.community_id == community.id for s in actor.scopes_for(IMPORT_ROLES))):
            raise PermissionDenied()
        return community
    return await working_community(session, actor, IMPORT_ROLES)


async def plan(session: AsyncSession, actor: Actor, community: Community, rows: list[dict[str, str]], *,
               region: str, now: datetime) -> Plan:
    """What importing these rows would do, without doing it."""
    everything = (await session.exec(select(Building).where(Building.community_id == community.id))).all()
    index = _building_index(list(everything))
    area = {b.id for b in await area_buildings(session, actor, community.id)}
    planned: dict[tuple[int, str], Planned] = {}
    refused: list[Refused] = []
    for row in rows:
        number = int(row.get("_row", "0"))
        try:
            building = index.get(_building_key(row.get("building", "")))
            if building is None:
                raise DomainError("row_building", value=row.get("building", ""))
            if building.id not in area:
                raise DomainError("row_not_your_area", value=row.get("building", ""))
            unit_text = "-".join(x for x in (row.get("unit", ""), row.get("room", "")) if x)
            try:
                unit = normalize_unit(unit_text)
            except DomainError:
                raise DomainError("row_unit", value=unit_text) from None
            name = (row.get("name") or "").strip()
            if not name:
                raise DomainError("row_name")
            if len(name) > NAME_MAX_LEN:
                raise DomainError("row_name_long", max=NAME_MAX_LEN)
            member = Member(name=name, birth_year=parse_birth_year(row.get("birth_year", ""), now),
                            phone=parse_phone(row.get("phone", ""), region),
                            relation=(row.get("relation") or "").strip()[:RELATION_MAX] or None)
            care = parse_care(row.get("care", ""))
            notes = (row.get("notes") or "").strip()
            if len(notes) > NOTES_MAX:
                raise DomainError("row_notes", max=NOTES_MAX)
        except DomainError as e:
            refused.append(Refused(number, e.code, dict(e.params)))
            continue
        p = planned.setdefault((building.id, unit), Planned(building, unit))
        if any(matching_key(m.name) == matching_key(name) for m in p.members):
            refused.append(Refused(number, "row_twice", {"name": name}))
            continue
        p.members.append(member)
        p.care |= care
        if notes:
            p.notes = "\n".join(x for x in (p.notes, notes) if x)[:NOTES_MAX]
        p.rows.append(number)
    for p in planned.values():
        await _compare(session, p)
    ordered = sorted(planned.values(), key=lambda p: (p.building.grid_id, p.building.id, p.unit))
    return Plan(community, ordered, sorted(refused, key=lambda r: r.row))


async def _compare(session: AsyncSession, p: Planned) -> None:
    """What the import would change in a household that exists (new members, care needs, missing details)."""
    p.household = (await session.exec(select(Household).where(Household.building_id == p.building.id,
                                                               Household.unit == p.unit))).first()
    if p.household is None:
        p.new_members = list(p.members)
        return
    known = {matching_key(m.full_name): m for m in await household_members(session, p.household.id) if m.full_name}
    for m in p.members:
        person = known.get(matching_key(m.name))
        if person is None:
            p.new_members.append(m)
            p.changes.append(f"+ {m.name}")
        elif (m.phone and not person.phone) or (m.birth_year and not person.birth_year) or \
                (m.relation and not person.relation):
            p.changes.append(f"~ {m.name}")
    added = p.care - set(p.household.care_needs)
    if added:
        p.changes.append("+ " + ", ".join(sorted(added)))
    if not p.household.in_ledger:
        p.changes.append("ledger")


@dataclass
class Applied:
    created: int = 0
    changed: int = 0
    members: int = 0
    refused: int = 0


async def apply(session: AsyncSession, actor: Actor, p: Plan, now: datetime, *, file_name: str) -> Applied:
    """Create and complete households as planned (never deleting, never overwriting what a resident entered
    themselves); audited with the counts."""
    out = Applied(refused=len(p.refused))
    for item in p.households:
        household = item.household
        if household is None:
            household = Household(building_id=item.building.id, unit=item.unit, size=max(1, len(item.members)),
                                  care_needs=[c for c in CARE_NEEDS if c in item.care], in_ledger=True,
                                  notes=item.notes, created_at=now, updated_at=now)
            session.add(household)
            await session.flush()
            out.created += 1
        elif item.changes:
            household.care_needs = [c for c in CARE_NEEDS if c in set(household.care_needs) | item.care]
            household.in_ledger = True
            household.notes = household.notes or item.notes
            household.size = max(household.size, len(item.members))
            household.updated_at = now
            out.changed += 1
        known = {matching_key(m.full_name): m for m in await household_members(session, household.id)
                 if m.full_name}
        for m in item.members:
            person = known.get(matching_key(m.name))
            if person is None:
                session.add(Person(tg_user_id=None, full_name=m.name, phone=m.phone, birth_year=m.birth_year,
                                   relation=m.relation, household_id=household.id, locale="zh_Hans",
                                   created_at=now))
                out.members += 1
            else:  # fill what is missing; what a person entered themselves stays
                person.phone = person.phone or m.phone
                person.birth_year = person.birth_year or m.birth_year
                person.relation = person.relation or m.relation
    audit(session, actor_id=actor.person_id, action="ledger_import", at=now, community=p.community.id,
          file=file_name[:80], created=out.created, changed=out.changed, members=out.members, refused=out.refused)
    return out


# ---- reach: whom the bot can tell, and whom only a call or a door-knock reaches ------------------------------

@dataclass
class ReachRow:
    building: Building
    households: int = 0
    in_ledger: int = 0
    reachable: int = 0  # at least one member on Telegram who can be reached

    @property
    def nobody(self) -> int:
        return self.households - self.reachable


async def reach(session: AsyncSession, actor: Actor, community_id: int) -> list[ReachRow]:
    """Per building of the actor's area: households, those in the ledger, those with someone reachable on
    Telegram, and those with nobody (counts only)."""
    area = await area_buildings(session, actor, community_id)
    rows = {b.id: ReachRow(b) for b in area}
    if not rows:
        return []
    households = (await session.exec(select(Household).where(Household.building_id.in_(list(rows))))).all()
    reached = set((await session.exec(select(Person.household_id).where(
        Person.household_id.in_([h.id for h in households] or [-1]), reachable()))).all())
    for h in households:
        row = rows[h.building_id]
        row.households += 1
        row.in_ledger += h.in_ledger
        row.reachable += h.id in reached
    return list(rows.values())


@dataclass
class Unreached:
    household: Household
    members: list[Person]


async def unreached(session: AsyncSession, actor: Actor, building_id: int, now: datetime) -> tuple[Building,
                                                                                                   list[Unreached]]:
    """The households of one building of the actor's area with nobody reachable on Telegram, with their
    members' names and phones (personal data: the read is audited)."""
    building = await session.get(Building, building_id)
    if building is None:
        raise DomainError("not_found")
    if not actor.covering(IMPORT_ROLES, building.community_id, building.grid_id):
        raise PermissionDenied()
    households = (await session.exec(select(Household).where(Household.building_id == building.id)
                                     .order_by(Household.unit))).all()
    members = await members_of(session, [h.id for h in households])
    out = [Unreached(h, members.get(h.id, [])) for h in households
           if not any(m.reachable for m in members.get(h.id, []))]
    audit(session, actor_id=actor.person_id, action="read_unreached", at=now, building=building.id,
          households=len(out))
    return building, out


# ---- staff keep households from the chat -------------------------------------------------------------------

async def building_in_area(session: AsyncSession, actor: Actor, building_id: int) -> Building:
    building = await session.get(Building, building_id)
    if building is None or not actor.covering(IMPORT_ROLES, building.community_id, building.grid_id):
        raise PermissionDenied()
    return building


async def households_of(session: AsyncSession, actor: Actor, building_id: int) -> tuple[Building, list[Household]]:
    building = await building_in_area(session, actor, building_id)
    return building, list((await session.exec(select(Household).where(Household.building_id == building.id)
                                              .order_by(Household.unit))).all())


async def household_in_area(session: AsyncSession, actor: Actor, household_id: int) -> tuple[Household, Building]:
    """A household of the actor's area (refused outside it): the check before a change, with nothing read."""
    household = await session.get(Household, household_id)
    if household is None:
        raise DomainError("not_found")
    return household, await building_in_area(session, actor, household.building_id)


async def members_of(session: AsyncSession, household_ids) -> dict[int, list[Person]]:
    """The members of these households (a list of ids, or a subquery of them), in one query."""
    out: dict[int, list[Person]] = {}
    for p in (await session.exec(select(Person).where(Person.household_id.in_(household_ids),
                                                      Person.deleted_at.is_(None)).order_by(Person.id))).all():
        out.setdefault(p.household_id, []).append(p)
    return out



async def household_card(session: AsyncSession, actor: Actor, household_id: int,
                         now: datetime) -> tuple[Household, Building, list[Person]]:
    """A household of the actor's area with its members (personal data: the read is audited)."""
    household, building = await household_in_area(session, actor, household_id)
    audit(session, actor_id=actor.person_id, action="read_household", at=now, household=household.id)
    return household, building, await household_members(session, household.id)


async def add_household(session: AsyncSession, actor: Actor, building_id: int, unit_text: str | None,
                        now: datetime) -> Household:
    building = await building_in_area(session, actor, building_id)
    unit = normalize_unit(unit_text)
    if (await session.exec(select(Household.id).where(Household.building_id == building.id,
                                                      Household.unit == unit))).first() is not None:
        raise DomainError("household_exists", unit=unit)
    household = Household(building_id=building.id, unit=unit, size=1, in_ledger=True, created_at=now,
                          updated_at=now)
    session.add(household)
    await session.flush()
    audit(session, actor_id=actor.person_id, action="household_added", at=now, household=household.id)
    return household


async def add_member(session: AsyncSession, actor: Actor, household_id: int, name: str | None, phone: str | None,
                     region: str, now: datetime) -> Person:
    """A member without Telegram, added by staff (the ledger's way): name as typed, phone checked."""
    household, _b = await household_in_area(session, actor, household_id)
    members = await household_members(session, household.id)
    name = (name or "").strip()
    if not name:
        raise DomainError("name_empty")
    if len(name) > NAME_MAX_LEN:
        raise DomainError("name_too_long", max=NAME_MAX_LEN)
    if any(matching_key(m.full_name) == matching_key(name) for m in members):
        raise DomainError("ledger_member_exists", name=name)
    try:
        e164 = parse_phone(phone or "", region)
    except DomainError:
        raise DomainError("member_phone") from None
    person = Person(tg_user_id=None, full_name=name, phone=e164, household_id=household.id, locale="zh_Hans",
                    created_at=now)
    session.add(person)
    household.size = max(household.size, len(members) + 1)
    household.in_ledger, household.updated_at = True, now
    await session.flush()
    audit(session, actor_id=actor.person_id, action="member_added", at=now, household=household.id,
          subject_id=person.id)
    return person


async def set_member_phone(session: AsyncSession, actor: Actor, person_id: int, phone: str | None, region: str,
                           now: datetime) -> Person:
    """Staff correct the phone of a member without Telegram (one on Telegram keeps their own)."""
    person = await session.get(Person, person_id)
    if person is None or person.household_id is None or person.deleted_at is not None:
        raise DomainError("not_found")
    await household_in_area(session, actor, person.household_id)
    if person.tg_user_id is not None:
        raise DomainError("member_on_telegram")
    try:
        e164 = parse_phone(phone or "", region)
    except DomainError:
        raise DomainError("member_phone") from None
    if e164 is None:
        raise DomainError("member_phone")
    person.phone = e164
    audit(session, actor_id=actor.person_id, action="member_phone_changed", at=now, subject_id=person.id)
    return person


async def remove_member(session: AsyncSession, actor: Actor, person_id: int, now: datetime) -> Person:
    """A member without Telegram who no longer lives there (moved, died): unlinked and their details cleared;
    someone on Telegram leaves with /deleteme or their own household screen."""
    person = await session.get(Person, person_id)
    if person is None or person.household_id is None or person.deleted_at is not None:
        raise DomainError("already_done")
    household, _b = await household_in_area(session, actor, person.household_id)
    if person.tg_user_id is not None:
        raise DomainError("member_on_telegram")
    person.full_name, person.phone, person.birth_year, person.relation = None, None, None, None
    person.household_id, person.deleted_at = None, now
    household.updated_at = now
    audit(session, actor_id=actor.person_id, action="member_removed", at=now, household=household.id,
          subject_id=person.id)
    return person


async def toggle_care(session: AsyncSession, actor: Actor, household_id: int, code: str, now: datetime) -> Household:
    household, _b = await household_in_area(session, actor, household_id)
    if code not in CARE_NEEDS:
        raise DomainError("bad_step")
    current = set(household.care_needs) ^ {code}
    household.care_needs = [c for c in CARE_NEEDS if c in current]
    household.updated_at = now
    audit(session, actor_id=actor.person_id, action="household_care_changed", at=now, household=household.id)
    return household


async def merge(session: AsyncSession, actor: Actor, from_id: int, into_id: int, now: datetime) -> Household:
    """Two records of one household (typed "502" by a resident, "2-502" in the ledger): everyone and everything
    of the first moves to the second — members, those waiting to join, care needs, and every capability's rows
    through their `move_household` hooks — and the first is deleted. Both must be in the actor's area."""
    if from_id == into_id:
        raise DomainError("bad_step")
    source, _b1 = await household_in_area(session, actor, from_id)
    target, _b2 = await household_in_area(session, actor, into_id)
    members, _m = await household_members(session, source.id), await household_members(session, target.id)
    for m in members:
        m.household_id = target.id
    await session.exec(update(Person).where(Person.pending_household_id == source.id)
                       .values(pending_household_id=target.id))
    target.care_needs = [c for c in CARE_NEEDS if c in set(target.care_needs) | set(source.care_needs)]
    target.size = max(target.size, source.size, len(members) + len(_m))
    target.in_ledger = target.in_ledger or source.in_ledger
    target.notes = "\n".join(x for x in (target.notes, source.notes) if x)[:NOTES_MAX] or None
    target.updated_at = now
    await session.flush()
    for h in personal_data.hooks():
        if h.move_household is not None:
            await h.move_household(session, source.id, target.id)
    await session.flush()
    await session.delete(source)
    audit(session, actor_id=actor.person_id, action="households_merged", at=now, household=target.id,
          merged=source.id)
    return target


# ---- the area at a glance (/stats, the evening summary, /export) --------------------------------------------

def _nobody_reachable():
    """Nobody in the household of the row in hand can be told on Telegram."""
    return ~select(Person.id).where(Person.household_id == Household.id, reachable()).exists()


def _with_care():
    return sa.cast(Household.care_needs, sa.String).not_in(("[]", "null"))


async def glance(session: AsyncSession, area: Area, now: datetime) -> list[Figure]:
    """Residents registered on Telegram, households (in the ledger; with nobody the bot can reach), households
    with care needs: one pass over the area's households, each with its members counted."""
    people = select(Person.household_id.label("household_id"),
                    func.count().filter(Person.tg_user_id.is_not(None), Person.deleted_at.is_(None))
                    .label("residents"),
                    func.max(sa.case((reachable(), 1), else_=0)).label("reached")) \
        .group_by(Person.household_id).subquery()
    unreached = func.coalesce(people.c.reached, 0) == 0
    households, in_ledger, nobody, care, residents = (await session.exec(
        select(func.count(), func.count().filter(Household.in_ledger), func.count().filter(unreached),
               func.count().filter(_with_care()), func.coalesce(func.sum(people.c.residents), 0))
        .select_from(Household).join(Building, Building.id == Household.building_id)
        .outerjoin(people, people.c.household_id == Household.id)
        .where(*area.where(community=Building.community_id, grid=Building.grid_id, building=Building.id)))).one()
    return [Figure("residents", int(residents)), Figure("households", households), Figure("in_ledger", in_ledger),
            Figure("unreached", nobody, opens="unreached"), Figure("care", care, opens="care")]


async def glance_households(session: AsyncSession, area: Area, which: str,
                            limit: int = 200) -> list[tuple[Household, Building]]:
    """The area's households with nobody the bot can reach ("unreached") or with care needs ("care")."""
    q = select(Household, Building).join(Building, Building.id == Household.building_id).where(
        *area.where(community=Building.community_id, grid=Building.grid_id, building=Building.id))
    q = q.where(_nobody_reachable() if which == "unreached" else _with_care())
    return list((await session.exec(q.order_by(Building.grid_id, Building.code, Household.unit).limit(limit))).all())


async def ledger_rows(session: AsyncSession, area: Area) -> list[tuple[Household, Building, list[Person]]]:
    """Every household of the area with its members (two queries), building by building."""
    rows = (await session.exec(select(Household, Building).join(Building, Building.id == Household.building_id)
                               .where(Household.id.in_(area.households()))
                               .order_by(Building.grid_id, Building.code, Household.unit))).all()
    members = await members_of(session, area.households())
    return [(h, b, members.get(h.id, [])) for h, b in rows]

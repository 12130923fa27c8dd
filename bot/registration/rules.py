"""Registering residents and their households; members without Telegram."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

import phonenumbers
from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.access.rules import role_holders
from bot.kernel.errors import DomainError, PermissionDenied
from bot.kernel.permissions import Actor, Role
from bot.kernel.text import clean_line, matching_key
from models import Building, Household, Person
from models.people import reachable

CARE_NEEDS: tuple[str, ...] = ("elderly_alone", "disability", "pregnancy", "infant", "chronic")
MAX_HOUSEHOLD_SIZE = 20
UNIT_MAX_LEN = 20
NAME_MAX_LEN = 64

_UNIT_WORDS = re.compile(r"(单元|單元|号楼|號樓|栋|棟|座|室|号|號|房|unit|room|flat|apt\.?)", re.IGNORECASE)
_SEPARATORS = re.compile(r"[\s_/\\.,，、·~\-－—–]+")
_UNIT_OK = re.compile(r"^[A-Z0-9]+(-[A-Z0-9]+)*$")


def normalize_unit(text: str | None) -> str:
    """'2单元502室', '2-502', '２－５０２', '2 502' -> '2-502'; '502' -> '502'."""
    if text is None or not text.strip():
        raise DomainError("unit_empty")
    if len(text) > 60:
        raise DomainError("unit_too_long", max=UNIT_MAX_LEN)
    s = unicodedata.normalize("NFKC", text).strip()
    s = _UNIT_WORDS.sub("-", s)
    s = _SEPARATORS.sub("-", s).strip("-").upper()
    if not s:
        raise DomainError("unit_empty")
    if len(s) > UNIT_MAX_LEN:
        raise DomainError("unit_too_long", max=UNIT_MAX_LEN)
    if not _UNIT_OK.match(s) or not any(ch.isdigit() for ch in s):
        raise DomainError("unit_invalid")
    return s


def parse_household_size(text: str | None) -> int:
    s = unicodedata.normalize("NFKC", (text or "")).strip()
    s = re.sub(r"(人|口|people|persons?)$", "", s, flags=re.IGNORECASE).strip()
    if not re.fullmatch(r"-?\d{1,6}", s):
        raise DomainError("size_not_number")
    n = int(s)
    if n < 1 or n > MAX_HOUSEHOLD_SIZE:
        raise DomainError("size_range", max=MAX_HOUSEHOLD_SIZE)
    return n


def validate_member_name(text: str | None) -> str:
    return clean_line(text, max_len=NAME_MAX_LEN, code="name")


def normalize_phone(raw: str) -> str:
    """A shared phone number in E.164 ("+85261234987"); Telegram sends contacts' numbers with the country
    code but often without the "+". Refused (`phone_invalid`) when `phonenumbers` finds it cannot be a number."""
    digits = re.sub(r"[^\d+]", "", raw or "")
    if not digits.startswith("+"):
        digits = "+" + digits
    try:
        number = phonenumbers.parse(digits, None)
    except phonenumbers.NumberParseException as e:
        raise DomainError("phone_invalid") from e
    if not phonenumbers.is_possible_number(number):
        raise DomainError("phone_invalid")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def dialable(phone: str | None) -> str | None:
    """A stored number as people dial it, in international format ("+852 6123 4987")."""
    if not phone:
        return None
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return phone
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def toggle_care_need(current: list[str], code: str) -> list[str]:
    if code not in CARE_NEEDS:
        raise DomainError("bad_care_need")
    s = set(current)
    s.symmetric_difference_update({code})
    return [c for c in CARE_NEEDS if c in s]


# ---- persistence -----------------------------------------------------------------------------

async def person_by_tg(session: AsyncSession, tg_user_id: int) -> Person | None:
    return (await session.exec(select(Person).where(Person.tg_user_id == tg_user_id))).first()


async def ensure_person(session: AsyncSession, tg_user_id: int, full_name: str | None, locale: str) -> Person:
    person = await person_by_tg(session, tg_user_id)
    if person is None:
        person = Person(tg_user_id=tg_user_id, full_name=(full_name or "")[:128] or None, locale=locale)
        session.add(person)
        try:
            await session.commit()
        except IntegrityError:  # the same user, two updates at once
            await session.rollback()
            person = await person_by_tg(session, tg_user_id)
            assert person is not None
    elif person.locale != locale:
        person.locale = locale
        await session.commit()
    return person


async def set_locale(session: AsyncSession, person: Person, locale: str) -> None:
    person.locale = locale
    await session.commit()


async def record_consent(session: AsyncSession, person: Person, now: datetime) -> None:
    if person.consent_at is None:
        person.consent_at = now
        await session.commit()


async def withdraw_before_registration(session: AsyncSession, person: Person) -> None:
    """Declining the privacy notice: nothing about an unregistered person is kept."""
    if person.registered_at is None and person.household_id is None:
        from bot.privacy.rules import has_history

        if not await has_history(session, person.id):
            await session.delete(person)
            await session.commit()


async def find_household(session: AsyncSession, building_id: int, unit: str) -> Household | None:
    return (await session.exec(
        select(Household).where(Household.building_id == building_id, Household.unit == unit))).first()


@dataclass
class RegistrationResult:
    household: Household
    linked: bool  # True: joined an existing household, its details were not asked again
    confirmers: list[Person] = field(default_factory=list)  # non-empty: waiting for one of them to confirm
    # True: the household has members but nobody reachable on Telegram (the ledger's elderly neighbour):
    # a staff member of its grid confirms, never the bot by itself (`confirmers` are those staff).
    by_staff: bool = False

    @property
    def pending(self) -> bool:
        return bool(self.confirmers) or self.by_staff


async def reachable_members(session: AsyncSession, household_id: int, exclude_id: int | None = None) -> list[Person]:
    """The household's members on Telegram who can be reached (not blocked, not erased): who confirms a
    newcomer, and who is told about a member without Telegram."""
    rows = (await session.exec(select(Person).where(
        Person.household_id == household_id, reachable()))).all()
    return [p for p in rows if p.id != exclude_id]


async def complete_registration(
    session: AsyncSession, person: Person, *, building_id: int, unit: str, size: int | None,
    care_needs: list[str] | None, phone: str | None, now: datetime,
) -> RegistrationResult:
    building = await session.get(Building, building_id)
    if building is None:
        raise DomainError("building_gone")
    unit = normalize_unit(unit)
    person_id = person.id
    linked = True
    household = await find_household(session, building_id, unit)
    if household is None:
        household = Household(building_id=building_id, unit=unit, size=size or 1,
                              care_needs=[c for c in CARE_NEEDS if c in (care_needs or [])],
                              created_at=now, updated_at=now)
        session.add(household)
        try:
            await session.flush()
            linked = False
        except IntegrityError:  # someone else registered the same unit a moment ago
            await session.rollback()
            household = await find_household(session, building_id, unit)
            assert household is not None
            person = await session.get(Person, person_id)
            assert person is not None
    waiting_for = [] if person.household_id == household.id else \
        await reachable_members(session, household.id, exclude_id=person.id) if linked else []
    by_staff = False
    if linked and not waiting_for and person.household_id != household.id and \
            [m for m in await household_members(session, household.id) if m.id != person.id]:
        # Members, none reachable: a stranger typing an elderly neighbour's unit must not see or report for them.
        waiting_for, by_staff = await household_staff(session, building), True
    if waiting_for or by_staff:
        person.household_id, person.pending_household_id = None, household.id
    else:
        person.household_id, person.pending_household_id = household.id, None
    if phone:
        person.phone = normalize_phone(phone)
    if person.registered_at is None and not (waiting_for or by_staff):
        person.registered_at = now
    if person.consent_at is None:
        person.consent_at = now
    await session.commit()
    return RegistrationResult(household=household, linked=linked, confirmers=waiting_for, by_staff=by_staff)


JOIN_CONFIRM_ROLES = (Role.STAFF, Role.ADMIN)


async def household_staff(session: AsyncSession, building: Building) -> list[Person]:
    """Who confirms a newcomer to a household nobody on Telegram can vouch for: the community workers and admins
    of the building's grid (its own workers, else the community-wide ones)."""
    rows = await role_holders(session, building.community_id, JOIN_CONFIRM_ROLES)
    grid = {p.id: p for g, p in rows if g.grid_id == building.grid_id}
    return list(grid.values()) or list({p.id: p for g, p in rows if g.grid_id is None}.values())


async def decide_join(session: AsyncSession, member: Person, requester_id: int, accept: bool,
                      now: datetime, actor: Actor | None = None) -> Person:
    """A member of the household confirms (or not) that the newcomer lives there; for a household with nobody
    on Telegram, a community worker or admin whose area covers it."""
    requester = await session.get(Person, requester_id)
    if requester is None or requester.pending_household_id is None or requester.deleted_at is not None:
        raise DomainError("already_done")
    if member.household_id is None or member.household_id != requester.pending_household_id:
        household = await session.get(Household, requester.pending_household_id)
        building = await session.get(Building, household.building_id) if household else None
        if actor is None or building is None or \
                not actor.covering(JOIN_CONFIRM_ROLES, building.community_id, building.grid_id):
            raise PermissionDenied()
    if accept:
        requester.household_id = requester.pending_household_id
        requester.registered_at = requester.registered_at or now
    requester.pending_household_id = None
    return requester


async def update_household(session: AsyncSession, household: Household, *, size: int | None = None,
                           care_needs: list[str] | None = None, now: datetime) -> None:
    if size is not None:
        household.size = size
    if care_needs is not None:
        household.care_needs = [c for c in CARE_NEEDS if c in care_needs]
    household.updated_at = now
    await session.commit()


async def household_members(session: AsyncSession, household_id: int) -> list[Person]:
    return list((await session.exec(
        select(Person).where(Person.household_id == household_id, Person.deleted_at.is_(None))
        .order_by(Person.id))).all())


async def add_member(session: AsyncSession, by: Person, name: str, now: datetime) -> Person:
    """Register a household member who has no Telegram account (an elderly parent, say)."""
    if by.household_id is None:
        raise DomainError("not_registered")
    name = validate_member_name(name)
    members = await household_members(session, by.household_id)
    if any(m.tg_user_id is None and matching_key(m.full_name) == matching_key(name) for m in members):
        raise DomainError("member_exists")
    if len(members) >= MAX_HOUSEHOLD_SIZE:
        raise DomainError("household_full", max=MAX_HOUSEHOLD_SIZE)
    member = Person(tg_user_id=None, full_name=name, locale=by.locale, household_id=by.household_id,
                    added_by_id=by.id, consent_at=now, registered_at=now, created_at=now)
    session.add(member)
    household = await session.get(Household, by.household_id)
    if household is not None:
        with_tg = len(members) + 1
        if household.size < with_tg:
            household.size = with_tg
    await session.commit()
    return member


async def remove_member(session: AsyncSession, by: Person, member_id: int, now: datetime) -> None:
    member = await session.get(Person, member_id)
    if (member is None or member.tg_user_id is not None or member.household_id is None
            or member.household_id != by.household_id or member.deleted_at is not None):
        raise DomainError("not_found")
    from bot.privacy.rules import erase_person

    await erase_person(session, member, now)

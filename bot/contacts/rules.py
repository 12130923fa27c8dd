"""Who to contact, Telegram-free: a community's and its grids' public contacts, kept by its staff (each in
their own area) and shown to its residents, with the emergency number and the psychological hotline."""

from __future__ import annotations

from datetime import datetime

import phonenumbers
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.access.rules import working_community
from bot.kernel.audit import audit
from bot.kernel.errors import DomainError, PermissionDenied
from bot.kernel.permissions import Actor, Role
from bot.kernel.structure import home_of
from bot.kernel.text import clean_line
from models import Building, Community, Contact, Grid, Household, Person

EDIT_ROLES = (Role.STAFF, Role.ADMIN)
LABEL_MAX, NOTE_MAX = 60, 100
PER_COMMUNITY = 30


def may_edit(actor: Actor) -> bool:
    return actor.superadmin or actor.has_role(*EDIT_ROLES)


def clean_label(text: str | None) -> str:
    return clean_line(text, max_len=LABEL_MAX, code="contact_label")


def clean_note(text: str | None) -> str:
    return clean_line(text, max_len=NOTE_MAX, code="contact_note")


def clean_phone(text: str | None, region: str) -> str:
    """A work number as staff type it ("021-5555 1234", "138 1234 5678", "+852 2345 6789"), in E.164; a short
    service number ("12345", "12356") as its digits, which is how it is dialled."""
    s = (text or "").strip()
    try:
        number = phonenumbers.parse(s, None if s.startswith("+") else region)
    except phonenumbers.NumberParseException:
        raise DomainError("contact_phone") from None
    if not phonenumbers.is_valid_number(number) and not (
            phonenumbers.is_possible_number(number) and len(phonenumbers.national_significant_number(number)) <= 6):
        raise DomainError("contact_phone")
    if not phonenumbers.is_valid_number(number):
        return phonenumbers.national_significant_number(number)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


async def for_person(session: AsyncSession, person: Person | None) -> tuple[Community | None, list[Contact]]:
    """The contacts a resident sees: their community's, then their grid's."""
    community, building, _h = await home_of(session, person)
    if community is None and person is not None and person.pending_household_id is not None:
        pending = await session.get(Household, person.pending_household_id)  # waiting to be confirmed there
        building = await session.get(Building, pending.building_id) if pending else None
        community = await session.get(Community, building.community_id) if building else None
    if community is None:
        only = (await session.exec(select(Community).limit(2))).all()
        community = only[0] if len(only) == 1 else None  # one community: it is theirs to call
    if community is None:
        return None, []
    rows = (await session.exec(select(Contact).where(Contact.community_id == community.id)
                               .order_by(Contact.grid_id.is_not(None), Contact.id))).all()
    grid_id = building.grid_id if building else None
    return community, [c for c in rows if c.grid_id is None or c.grid_id == grid_id]


async def editor_community(session: AsyncSession, actor: Actor) -> Community:
    return await working_community(session, actor, EDIT_ROLES)


async def editable(session: AsyncSession, actor: Actor, community_id: int) -> list[Contact]:
    """The contacts of the actor's area: the whole community's if they work for all of it, their grids'."""
    rows = (await session.exec(select(Contact).where(Contact.community_id == community_id)
                               .order_by(Contact.grid_id.is_not(None), Contact.id))).all()
    return [c for c in rows if actor.covering(EDIT_ROLES, community_id, c.grid_id)]


async def add(session: AsyncSession, actor: Actor, community_id: int, grid_id: int | None, label: str | None,
              phone: str | None, note: str | None, region: str, now: datetime) -> Contact:
    if not actor.covering(EDIT_ROLES, community_id, grid_id):
        raise PermissionDenied()
    if grid_id is not None:
        grid = await session.get(Grid, grid_id)
        if grid is None or grid.community_id != community_id:
            raise PermissionDenied()
    if len(await editable(session, actor, community_id)) >= PER_COMMUNITY:
        raise DomainError("contacts_many", max=PER_COMMUNITY)
    contact = Contact(community_id=community_id, grid_id=grid_id, label=clean_label(label),
                      phone=clean_phone(phone, region) if phone else None, note=clean_note(note) if note else None,
                      updated_by_id=actor.person_id, updated_at=now)
    session.add(contact)
    await session.flush()
    audit(session, actor_id=actor.person_id, action="contact_added", at=now, contact=contact.id)
    return contact


async def remove(session: AsyncSession, actor: Actor, contact_id: int, now: datetime) -> Contact:
    contact = await session.get(Contact, contact_id)
    if contact is None:
        raise DomainError("already_done")
    if not actor.covering(EDIT_ROLES, contact.community_id, contact.grid_id):
        raise PermissionDenied()
    await session.delete(contact)
    audit(session, actor_id=actor.person_id, action="contact_removed", at=now, contact=contact_id)
    return contact

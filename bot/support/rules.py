"""Someone to talk to, Telegram-free: recognising a crisis in what a resident writes, who is alerted, and
recording only that (and when) an alert was raised — never what was written. The bot never counsels."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

import opencc
import yaml
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.kernel.permissions import Role
from bot.kernel.personal_data import PersonalData, iso
from models import Building, Community, Household, Person, RoleGrant
from models.support import CrisisAlert

DEFAULT_PHRASES = Path(__file__).with_name("crisis_phrases.yaml")
REALERT_AFTER = timedelta(minutes=30)  # the same person's words again soon after: the hotline, no new alarm
RESPONDER_ROLES = (Role.COUNSELLOR, Role.STAFF)


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def _form(text: str) -> str:
    return _t2s().convert(unicodedata.normalize("NFKC", text or "")).casefold().replace("’", "'")


@lru_cache(maxsize=4)
def phrases(path: str | None = None) -> tuple[str, ...]:
    """Every language's phrases in the compared form (a file of the same shape replaces the defaults)."""
    data = yaml.safe_load(Path(path or DEFAULT_PHRASES).read_text(encoding="utf-8")) or {}
    return tuple(sorted({_form(p) for items in data.values() for p in items or [] if str(p).strip()}))


def is_crisis(text: str | None, path: str | None = None) -> bool:
    form = _form(text or "")
    return bool(form) and any(p in form for p in phrases(path))


async def place_of_person(session: AsyncSession, person: Person | None) -> tuple[Community | None, Building | None,
                                                                                  Household | None]:
    hh = await session.get(Household, person.household_id) if person and person.household_id else None
    b = await session.get(Building, hh.building_id) if hh else None
    c = await session.get(Community, b.community_id) if b else None
    return c, b, hh


async def responders(session: AsyncSession, community_id: int, grid_id: int | None) -> list[Person]:
    """The community's counsellors, and its staff on duty for the person's grid (the grid's workers and the
    community-wide ones)."""
    rows = (await session.exec(select(RoleGrant, Person).join(Person, Person.id == RoleGrant.person_id).where(
        RoleGrant.revoked_at.is_(None), RoleGrant.community_id == community_id,
        RoleGrant.role.in_([r.value for r in RESPONDER_ROLES]), Person.tg_user_id.is_not(None),
        Person.deleted_at.is_(None)))).all()
    return list({p.id: p for g, p in rows if g.role == Role.COUNSELLOR.value or g.grid_id in (None, grid_id)}.values())


@dataclass
class Alert:
    community: Community | None
    to: list[Person]  # alerted now
    known: bool  # someone is on it: alerted now, or a moment ago


async def raise_alert(session: AsyncSession, person: Person | None, source: str, now: datetime,
                      fallback_tg_ids: list[int]) -> Alert:
    """Whom to alert now (nobody again within REALERT_AFTER of the last alert for this person), recorded. A
    community with no counsellor or staff yet: the bot's own administrators."""
    community, building, _hh = await place_of_person(session, person)
    if person is None:
        return Alert(community, [], False)
    last = (await session.exec(select(CrisisAlert).where(CrisisAlert.person_id == person.id)
                               .order_by(CrisisAlert.at.desc()))).first()
    if last is not None and now - last.at < REALERT_AFTER:
        return Alert(community, [], last.told > 0)
    people = [p for p in await responders(session, community.id, building.grid_id if building else None)
              if p.id != person.id] if community is not None else []
    if not people and fallback_tg_ids:
        people = [p for p in (await session.exec(select(Person).where(Person.tg_user_id.in_(fallback_tg_ids),
                                                                     Person.deleted_at.is_(None)))).all()
                  if p.id != person.id]
    session.add(CrisisAlert(person_id=person.id, community_id=community.id if community else None, source=source,
                            told=len(people), at=now))
    return Alert(community, people, bool(people))


async def _export(session: AsyncSession, person: Person, data: dict) -> None:
    rows = (await session.exec(select(CrisisAlert).where(CrisisAlert.person_id == person.id))).all()
    data["support_alerts"] = [{"at": iso(a.at), "source": a.source} for a in rows]


async def _erase(session: AsyncSession, person_ids: list[int], now: datetime) -> None:
    for a in (await session.exec(select(CrisisAlert).where(CrisisAlert.person_id.in_(person_ids)))).all():
        await session.delete(a)


PERSONAL_DATA = PersonalData(export=_export, erase=_erase)

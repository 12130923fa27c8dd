"""Someone to talk to, Telegram-free: recognising a crisis in what a resident writes, who is alerted, and
recording only that (and when) an alert was raised — never what was written. The bot never counsels."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from functools import lru_cache
from pathlib import Path

import opencc
import yaml
from sqlalchemy import func, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.access.rules import people_with_telegram_ids, role_holders, working_community
from bot.kernel.audit import audit
from bot.kernel.errors import DomainError, PermissionDenied
from bot.kernel.glance import Area, Figure
from bot.kernel.permissions import Actor, Role
from bot.kernel.personal_data import PersonalData, iso
from bot.kernel.structure import home_of
from bot.tasks.rules import served
from models import Community, Person, RoleGrant
from models.cases import CaseEvent
from models.support import CrisisAlert, HelperCheckOff, Screening, SelfHelpText, SupportRequest

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


DEFAULT_RESOURCES = Path(__file__).with_name("resources.yaml")


@lru_cache(maxsize=4)
def resources(path: str | None = None) -> dict:
    """The self-help topics and the breathing exercise, as staff wrote them (a file of the same shape replaces
    the shipped one)."""
    return yaml.safe_load(Path(path or DEFAULT_RESOURCES).read_text(encoding="utf-8")) or {}


SELF_HELP_MAX = 3500  # a topic's text: one message, with room for its title
STEP_MAX, STEPS_MAX = 300, 15  # the breathing exercise: steps, one per line
EDITOR_ROLES = (Role.COUNSELLOR, Role.ADMIN)


def may_edit_self_help(actor: Actor) -> bool:
    return actor.superadmin or actor.has_role(*EDITOR_ROLES)


async def self_help(session: AsyncSession, community_id: int | None, path: str | None = None) -> dict:
    """The self-help a community's residents read: the shipped (or replaced) file, with each text the
    community's counsellors or admins rewrote in the chat in its place."""
    res = resources(path)
    if community_id is None:
        return res
    rows = (await session.exec(select(SelfHelpText).where(SelfHelpText.community_id == community_id))).all()
    if not rows:
        return res
    out = {"breathing": dict(res.get("breathing") or {}),
           "topics": {k: dict(v) for k, v in (res.get("topics") or {}).items()}}
    for r in rows:
        if r.topic == "breathing" and out["breathing"]:
            out["breathing"]["steps"] = {**out["breathing"].get("steps", {}), r.locale: r.text.split("\n")}
        elif r.topic in out["topics"]:
            out["topics"][r.topic]["text"] = {**out["topics"][r.topic].get("text", {}), r.locale: r.text}
    return out


def clean_self_help(topic: str, text: str | None) -> str:
    """A topic's text as typed (trimmed); the breathing exercise's steps one per line, empty lines dropped."""
    s = (text or "").strip()
    if not s:
        raise DomainError("self_help_empty")
    if s.startswith("/"):
        raise DomainError("self_help_invalid")
    if topic != "breathing":
        if len(s) > SELF_HELP_MAX:
            raise DomainError("self_help_too_long", max=SELF_HELP_MAX)
        return s
    steps = [line.strip() for line in s.split("\n") if line.strip()]
    if len(steps) < 2 or len(steps) > STEPS_MAX:
        raise DomainError("steps_count", max=STEPS_MAX)
    if any(len(x) > STEP_MAX for x in steps):
        raise DomainError("step_too_long", max=STEP_MAX)
    return "\n".join(steps)


async def editor_community(session: AsyncSession, actor: Actor) -> Community:
    return await working_community(session, actor, EDITOR_ROLES)


async def save_self_help(session: AsyncSession, actor: Actor, topic: str, locale: str, text: str | None,
                         now: datetime, path: str | None = None) -> SelfHelpText | None:
    """Write (text) or go back to the shipped text (None) for the editor's community; audited."""
    community = await editor_community(session, actor)
    res = resources(path)
    if locale not in ("zh_Hans", "zh_Hant", "en") or not (
            (topic == "breathing" and res.get("breathing")) or topic in (res.get("topics") or {})):
        raise DomainError("bad_step")
    row = (await session.exec(select(SelfHelpText).where(
        SelfHelpText.community_id == community.id, SelfHelpText.topic == topic,
        SelfHelpText.locale == locale))).first()
    audit(session, actor_id=actor.person_id, action="self_help_edited", at=now, topic=topic, locale=locale,
          reset=text is None)
    if text is None:
        if row is not None:
            await session.delete(row)
        return None
    text = clean_self_help(topic, text)
    if row is None:
        row = SelfHelpText(community_id=community.id, topic=topic, locale=locale, text=text)
        session.add(row)
    row.text, row.updated_by_id, row.updated_at = text, actor.person_id, now
    return row


def in_language(values: dict, locale: str) -> object:
    """A value in the reader's language, else the nearest one there is."""
    for loc in (locale, "zh_Hans" if locale == "zh_Hant" else "zh_Hant", "en", "zh_Hans"):
        if values.get(loc):
            return values[loc]
    return next(iter(values.values()), "")


def is_crisis(text: str | None, path: str | None = None) -> bool:
    form = _form(text or "")
    return bool(form) and any(p in form for p in phrases(path))


async def responders(session: AsyncSession, community_id: int, grid_id: int | None) -> list[Person]:
    """The community's counsellors, and its staff on duty for the person's grid (the grid's workers and the
    community-wide ones)."""
    rows = await role_holders(session, community_id, RESPONDER_ROLES)
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
    community, building, _hh = await home_of(session, person)
    if person is None:
        return Alert(community, [], False)
    last = (await session.exec(select(CrisisAlert).where(CrisisAlert.person_id == person.id)
                               .order_by(CrisisAlert.at.desc()))).first()
    if last is not None and now - last.at < REALERT_AFTER:
        return Alert(community, [], last.told > 0)
    people = [p for p in await responders(session, community.id, building.grid_id if building else None)
              if p.id != person.id] if community is not None else []
    if not people:
        people = [p for p in await people_with_telegram_ids(session, fallback_tg_ids) if p.id != person.id]
    session.add(CrisisAlert(person_id=person.id, community_id=community.id if community else None, source=source,
                            told=len(people), at=now))
    return Alert(community, people, bool(people))


async def _export(session: AsyncSession, person: Person, data: dict) -> None:
    rows = (await session.exec(select(CrisisAlert).where(CrisisAlert.person_id == person.id))).all()
    data["support_alerts"] = [{"at": iso(a.at), "source": a.source} for a in rows]
    data["screenings"] = [{"at": iso(s.at), "phq2": s.phq2, "gad2": s.gad2, "as_role": s.as_role}
                          for s in (await session.exec(
        select(Screening).where(Screening.person_id == person.id))).all()]
    data["support_requests"] = [{"at": iso(r.created_at), "status": r.status, "outcome": r.outcome}
                                for r in (await session.exec(select(SupportRequest).where(
                                    SupportRequest.person_id == person.id))).all()]


async def _erase(session: AsyncSession, person_ids: list[int], now: datetime) -> None:
    await session.exec(update(SelfHelpText).where(SelfHelpText.updated_by_id.in_(person_ids))
                       .values(updated_by_id=None))
    for model in (CrisisAlert, Screening, SupportRequest, HelperCheckOff):
        for row in (await session.exec(select(model).where(model.person_id.in_(person_ids)))).all():
            await session.delete(row)


PERSONAL_DATA = PersonalData(export=_export, erase=_erase)


# ---- the short screening and counsellors' call-backs ---------------------------------------------------------

OFFER_AT = 3  # PHQ-2 or GAD-2 at 3 or more: a counsellor's call-back is offered (the instruments' cut-off)
ANSWERS = (0, 1, 2, 3)  # not at all, several days, more than half the days, nearly every day
OUTCOMES = ("talked", "unreached", "referred")


def scores(answers: list[int]) -> tuple[int, int]:
    """PHQ-2 (the first two answers) and GAD-2 (the last two), each 0-6."""
    if len(answers) != 4 or any(a not in ANSWERS for a in answers):
        raise DomainError("bad_step")
    return answers[0] + answers[1], answers[2] + answers[3]


def offer_callback(phq2: int, gad2: int) -> bool:
    return phq2 >= OFFER_AT or gad2 >= OFFER_AT


def record_screening(session: AsyncSession, person: Person | None, phq2: int, gad2: int, now: datetime,
                     as_role: str | None = None) -> None:
    session.add(Screening(person_id=person.id if person else None, phq2=phq2, gad2=gad2, as_role=as_role, at=now))


async def request_callback(session: AsyncSession, person: Person | None, phq2: int, gad2: int,
                           now: datetime) -> SupportRequest:
    """A registered resident (or a helper, in the community they serve) whose scores call for it asks for a
    counsellor's call (one open at a time)."""
    community = await community_of(session, person)
    if person is None or community is None:
        raise DomainError("not_registered")
    if not offer_callback(phq2, gad2):
        raise DomainError("bad_step")
    open_one = (await session.exec(select(SupportRequest).where(
        SupportRequest.person_id == person.id, SupportRequest.status.in_(("open", "claimed"))))).first()
    if open_one is not None:
        return open_one
    req = SupportRequest(person_id=person.id, community_id=community.id, phq2=phq2, gad2=gad2, created_at=now)
    session.add(req)
    await session.flush()
    return req


async def community_of(session: AsyncSession, person: Person | None) -> Community | None:
    """Where a person's support comes from: the community they live in, else the one they serve in."""
    community, _b, _h = await home_of(session, person)
    if community is not None or person is None:
        return community
    grant = (await session.exec(select(RoleGrant).where(RoleGrant.person_id == person.id,
                                                        RoleGrant.revoked_at.is_(None)).order_by(RoleGrant.id))).first()
    return await session.get(Community, grant.community_id) if grant else None


def is_counsellor_of(actor: Actor, community_id: int) -> bool:
    """Only counsellors of the resident's community see a support request: not staff, not volunteers."""
    return actor.covering((Role.COUNSELLOR,), community_id, None) or any(
        g.role == Role.COUNSELLOR and g.scope.community_id == community_id for g in actor.grants)


def may_counsel(actor: Actor) -> bool:
    return actor.has_role(Role.COUNSELLOR)


async def counsellors(session: AsyncSession, community_id: int) -> list[Person]:
    return list({p.id: p for _g, p in await role_holders(session, community_id, (Role.COUNSELLOR,))}.values())


async def _request(session: AsyncSession, actor: Actor, request_id: int) -> SupportRequest:
    req = await session.get(SupportRequest, request_id)
    if req is None:
        raise DomainError("not_found")
    if not is_counsellor_of(actor, req.community_id):
        raise PermissionDenied()
    return req


async def claim_request(session: AsyncSession, actor: Actor, request_id: int, now: datetime) -> SupportRequest:
    """First press wins (a conditional UPDATE): the counsellor who takes it calls; the read is audited."""
    req = await _request(session, actor, request_id)
    res = await session.exec(update(SupportRequest).where(SupportRequest.id == request_id,
                                                          SupportRequest.status == "open")
                             .values(status="claimed", claimed_by_id=actor.person_id, claimed_at=now))
    if res.rowcount != 1:
        await session.commit()
        await session.refresh(req)
        raise DomainError("support_yours" if req.claimed_by_id == actor.person_id else "support_taken")
    await session.refresh(req)
    audit(session, actor_id=actor.person_id, action="read_support_request", at=now, subject_id=req.person_id)
    return req


async def close_request(session: AsyncSession, actor: Actor, request_id: int, outcome: str,
                        now: datetime) -> SupportRequest:
    if outcome not in OUTCOMES:
        raise DomainError("bad_step")
    req = await _request(session, actor, request_id)
    if req.status != "claimed" or req.claimed_by_id != actor.person_id:
        raise DomainError("already_done")
    req.status, req.outcome, req.closed_at = "closed", outcome, now
    audit(session, actor_id=actor.person_id, action="support_request_closed", at=now, request=req.id)
    return req


# ---- help for the helpers ------------------------------------------------------------------------------------

# The role a helper's check counts under in the anonymous counts (the first of these they hold).
HELPER_ROLES = (Role.ADMIN, Role.STAFF, Role.DOCTOR, Role.COUNSELLOR, Role.VOLUNTEER)
REPEAT_WITHIN = timedelta(days=45)  # two high checks this close together: rest is suggested
FEWEST_SHOWN = 3  # counts of 1 or 2 people are shown as "fewer than 3": a small team's count could name someone
CHECK_DAY, CHECK_TIME = 1, time(10, 0)  # the monthly check: the 1st of each month, 10:00 local


def helper_role(actor: Actor) -> str | None:
    """The role a helper's check counts under; None for a resident."""
    if actor.superadmin:
        return Role.ADMIN.value
    held = actor.roles()
    return next((r.value for r in HELPER_ROLES if r in held), None)


def next_monthly_check(now: datetime, tz: tzinfo) -> datetime:
    """The next 1st of a month at 10:00 local, after now (UTC)."""
    local = now.astimezone(tz)
    at = datetime.combine(local.date().replace(day=CHECK_DAY), CHECK_TIME, tzinfo=tz)
    while at <= local:
        at = datetime.combine((at.date().replace(day=28) + timedelta(days=4)).replace(day=CHECK_DAY), CHECK_TIME,
                              tzinfo=tz)
    return at.astimezone(UTC)


async def helpers_to_check(session: AsyncSession) -> list[Person]:
    """Everyone holding a helper's role, reachable on Telegram, who has not turned the monthly check off."""
    rows = (await session.exec(select(Person).join(RoleGrant, RoleGrant.person_id == Person.id).where(
        RoleGrant.revoked_at.is_(None), RoleGrant.role.in_([r.value for r in HELPER_ROLES]),
        Person.tg_user_id.is_not(None), Person.deleted_at.is_(None),
        Person.id.not_in(select(HelperCheckOff.person_id))).order_by(Person.id))).all()
    return list({p.id: p for p in rows}.values())


async def monthly_check_on(session: AsyncSession, person: Person) -> bool:
    return await session.get(HelperCheckOff, person.id) is None


async def set_monthly_check(session: AsyncSession, person: Person | None, on: bool, now: datetime) -> bool:
    if person is None:
        raise DomainError("not_registered")
    row = await session.get(HelperCheckOff, person.id)
    if on and row is not None:
        await session.delete(row)
    elif not on and row is None:
        session.add(HelperCheckOff(person_id=person.id, at=now))
    return on


async def repeatedly_high(session: AsyncSession, person: Person | None, now: datetime) -> bool:
    """A helper's last two checks, within REPEAT_WITHIN of each other and of now, both high: time to rest."""
    if person is None:
        return False
    last = (await session.exec(select(Screening).where(
        Screening.person_id == person.id, Screening.as_role.is_not(None), Screening.at >= now - REPEAT_WITHIN)
        .order_by(Screening.at.desc(), Screening.id.desc()).limit(2))).all()
    return len(last) == 2 and all(offer_callback(s.phq2, s.gad2) for s in last)


@dataclass
class Load:
    """A helper's own last 7 days: tasks finished and the hours from taking each to finishing it, tasks still
    in hand, cases they acted on."""

    tasks_done: int = 0
    hours: float = 0.0
    in_hand: int = 0
    cases: int = 0


LOAD_DAYS = 7
BUSY_TASKS, BUSY_HOURS = 25, 40  # in 7 days: rest is suggested


async def load(session: AsyncSession, person: Person, now: datetime) -> Load:
    since = now - timedelta(days=LOAD_DAYS)
    done = await served(session, person.id, since, now)
    cases = len(set((await session.exec(select(CaseEvent.case_id).where(
        CaseEvent.actor_id == person.id, CaseEvent.at >= since))).all()))
    return Load(tasks_done=done.finished, hours=done.hours, in_hand=done.in_hand, cases=cases)


@dataclass
class RoleCounts:
    """Of a role's people, over a window: how many took the check, scored high at least once, scored high twice
    or more. People, never who."""

    took: int = 0
    high: int = 0
    repeated: int = 0


def shown(n: int) -> str:
    """A count as admins see it: 1 or 2 shown as "<3"."""
    return str(n) if n == 0 or n >= FEWEST_SHOWN else f"<{FEWEST_SHOWN}"


async def wellbeing_counts(session: AsyncSession, community_ids: list[int] | None, since: datetime,
                           now: datetime) -> dict[str, RoleCounts]:
    """Helpers' checks in the window, per role, of the people holding a role in these communities (None: all)."""
    members = select(RoleGrant.person_id).where(RoleGrant.revoked_at.is_(None))
    if community_ids is not None:
        members = members.where(RoleGrant.community_id.in_(community_ids))
    rows = (await session.exec(select(Screening).where(
        Screening.as_role.is_not(None), Screening.at >= since, Screening.at <= now,
        Screening.person_id.in_(members)))).all()
    per_person: dict[tuple[str, int], list[Screening]] = {}
    for s in rows:
        per_person.setdefault((s.as_role, s.person_id), []).append(s)
    out = {r.value: RoleCounts() for r in HELPER_ROLES}
    for (role, _pid), checks in per_person.items():
        c = out.setdefault(role, RoleCounts())
        highs = sum(1 for s in checks if offer_callback(s.phq2, s.gad2))
        c.took += 1
        c.high += highs >= 1
        c.repeated += highs >= 2
    return out


# ---- the area at a glance: counts only (who asked is the counsellors' to know) ------------------------------

async def glance(session: AsyncSession, area: Area, now: datetime) -> list[Figure]:
    q = select(func.count().filter(SupportRequest.status == "open"),
               func.count().filter(SupportRequest.status == "claimed"),
               func.count().filter(SupportRequest.created_at >= area.day_start(now))
               ).where(SupportRequest.community_id == area.community_id)
    if area.narrowed:
        q = q.where(SupportRequest.person_id.in_(area.people()))
    waiting, calling, today = (await session.exec(q)).one()
    return [Figure("waiting", waiting), Figure("calling", calling), Figure("today", today)]

"""The corrections library and "Is it true?", Telegram-free: importing entries, what a community's residents are
matched against, when an answer is given and when a question waits for staff.

Thresholds (cosine similarity of `bot/rumours/matching.py`, 0 to 1), chosen on the labelled set of
`bench/rumours.py` (`bench/RESULTS.md`: recall 0.954 at SHOW_AT, group precision 1.000 at GROUP_AT): an
entry at or above SHOW_AT is shown to the one who asked (up to three); the best at or above ANSWER_AT answers the
question, below it the question also goes to the staff's review queue. A group's watch (later) replies only at or
above GROUP_AT, and only for false or misleading entries.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import func, or_
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.kernel.audit import audit
from bot.kernel.errors import DomainError, PermissionDenied
from bot.kernel.permissions import Actor, Role
from bot.kernel.personal_data import PersonalData, iso
from bot.kernel.structure import home_of
from bot.kernel.text import clean_line
from bot.platform.db import insert_once
from bot.rumours.matching import Hit, Index
from models import Building, Community, Household, Person
from models.notices import GroupChat
from models.rumours import VERDICTS, RumourEntry, RumourQuestion, RumourReply, RumourSubscriber, RumourWatch

LOCALES = ("zh_Hans", "zh_Hant", "en")
SHOW_AT = 0.35
ANSWER_AT = 0.50
GROUP_AT = 0.70
QUESTION_MAX = 4000
CORRECTION_MAX = 1000
SOURCE_MAX = 500


# ---- the library file ----------------------------------------------------------------------------------------

class LibraryFileError(Exception):
    pass


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def summary(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


def parse_library(text: str) -> list[dict]:
    """The entries of a library file (YAML: `entries:`, each with key, verdict, claims and correction per
    locale, source with name and url, tags), checked: a file that would import half is refused whole."""
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as e:
        raise LibraryFileError(f"not valid YAML: {e}") from e
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise LibraryFileError("no 'entries:' list")
    seen: set[str] = set()
    out = []
    for n, e in enumerate(entries, 1):
        where = f"entry {n} ({e.get('key', '?') if isinstance(e, dict) else '?'})"
        if not isinstance(e, dict) or not isinstance(e.get("key"), str) or not e["key"].strip():
            raise LibraryFileError(f"{where}: needs a key")
        if e["key"] in seen:
            raise LibraryFileError(f"{where}: the key is used twice")
        seen.add(e["key"])
        verdict = str(e.get("verdict")).lower()  # YAML reads an unquoted false as a boolean: "false" again
        if verdict not in VERDICTS:
            raise LibraryFileError(f"{where}: verdict must be one of {', '.join(VERDICTS)}")
        claims, correction, source = e.get("claims"), e.get("correction"), e.get("source") or {}
        if not isinstance(claims, dict) or not any(claims.get(loc) for loc in LOCALES):
            raise LibraryFileError(f"{where}: needs claims in at least one of {', '.join(LOCALES)}")
        if not isinstance(correction, dict) or not all(isinstance(correction.get(loc), str) for loc in LOCALES):
            raise LibraryFileError(f"{where}: needs the correction in {', '.join(LOCALES)}")
        if not isinstance(source, dict) or not str(source.get("name") or "").strip():
            raise LibraryFileError(f"{where}: needs a source with a name")
        out.append({"key": e["key"].strip(), "verdict": verdict,
                    "claims": {loc: [str(p).strip() for p in claims.get(loc) or [] if str(p).strip()]
                               for loc in LOCALES if claims.get(loc)},
                    "correction": {loc: correction[loc].strip() for loc in LOCALES},
                    "source_name": str(source["name"]).strip(), "source_url": (source.get("url") or None),
                    "tags": [str(t) for t in e.get("tags") or []]})
    return out


async def import_library(session: AsyncSession, entries: list[dict], now: datetime) -> ImportReport:
    """Create or update entries by key (for everyone); never deletes, and a withdrawn entry stays withdrawn."""
    report = ImportReport()
    for e in entries:
        row = (await session.exec(select(RumourEntry).where(RumourEntry.key == e["key"]))).first()
        if row is None:
            session.add(RumourEntry(**e, created_at=now, updated_at=now))
            report.created += 1
            continue
        changed = False
        for k, v in e.items():
            if getattr(row, k) != v:
                setattr(row, k, v)
                changed = True
        if changed:
            row.updated_at = now
            report.updated += 1
        else:
            report.unchanged += 1
    await session.commit()
    return report


async def import_library_file(session: AsyncSession, path: Path, now: datetime) -> ImportReport:
    try:
        text = await asyncio.to_thread(path.read_text, encoding="utf-8")
    except OSError as e:
        raise LibraryFileError(f"cannot read it: {e.strerror}") from e
    return await import_library(session, parse_library(text), now)


# ---- what a community is matched against ---------------------------------------------------------------------

_indexes: dict[int | None, tuple[tuple, Index, dict[int, RumourEntry]]] = {}


async def index_for(session: AsyncSession, community_id: int | None) -> tuple[Index, dict[int, RumourEntry]]:
    """The active entries for a community (its own and everyone's) and their index. One small query tells
    whether the library changed; only then are the entries loaded and the index rebuilt. The entries kept are
    copies belonging to no session (read them, never change them: edits go through `editable_entry`)."""
    scope = or_(RumourEntry.community_id.is_(None), RumourEntry.community_id == community_id) \
        if community_id is not None else RumourEntry.community_id.is_(None)
    stamp = tuple((await session.exec(select(func.count(RumourEntry.id), func.max(RumourEntry.updated_at))
                                       .where(RumourEntry.status == "active", scope))).one())
    cached = _indexes.get(community_id)
    if cached is None or cached[0] != stamp:
        rows = (await session.exec(select(RumourEntry).where(RumourEntry.status == "active", scope))).all()
        entries = {e.id: RumourEntry(**e.model_dump()) for e in rows}
        cached = (stamp, Index((e.id, p) for e in entries.values() for ps in e.claims.values() for p in ps), entries)
        _indexes[community_id] = cached
    return cached[1], cached[2]


async def community_of(session: AsyncSession, person: Person | None) -> int | None:
    community, _building, _household = await home_of(session, person)
    return community.id if community else None


@dataclass
class Answer:
    question: RumourQuestion
    hits: list[tuple[Hit, RumourEntry]] = field(default_factory=list)  # shown, best first
    answered: bool = False  # False: it waits for staff
    millis: float = 0.0


def clean_question(text: str | None) -> str:
    s = (text or "").strip()
    if not s:
        raise DomainError("question_empty")
    return s[:QUESTION_MAX]


async def ask(session: AsyncSession, person: Person | None, text: str | None, now: datetime) -> Answer:
    """Match a question, keep it (as written), and say whether it is answered or waits for staff."""
    text = clean_question(text)
    community_id = await community_of(session, person)
    index, entries = await index_for(session, community_id)
    started = time.perf_counter()
    hits = [(h, entries[h.entry_id]) for h in index.match(text) if h.score >= SHOW_AT]
    millis = (time.perf_counter() - started) * 1000
    answered = bool(hits) and hits[0][0].score >= ANSWER_AT
    q = RumourQuestion(person_id=person.id if person else None, community_id=community_id, text=text,
                       entry_id=hits[0][1].id if answered else None, score=hits[0][0].score if hits else None,
                       status="answered" if answered else "open", created_at=now, answered_at=now if answered else None)
    session.add(q)
    return Answer(question=q, hits=hits, answered=answered, millis=millis)


# ---- a person's data -----------------------------------------------------------------------------------------

async def _export(session: AsyncSession, person: Person, data: dict) -> None:
    rows = (await session.exec(select(RumourQuestion).where(RumourQuestion.person_id == person.id)
                               .order_by(RumourQuestion.id))).all()
    data["questions_checked"] = [{"text": q.text, "asked_at": iso(q.created_at), "status": q.status} for q in rows]


async def _erase(session: AsyncSession, person_ids: list[int], now: datetime) -> None:
    """Their questions go (the words were theirs); an entry staff wrote stays."""
    for q in (await session.exec(select(RumourQuestion).where(RumourQuestion.person_id.in_(person_ids)))).all():
        await session.delete(q)
    for s in (await session.exec(select(RumourSubscriber).where(RumourSubscriber.person_id.in_(person_ids)))).all():
        await session.delete(s)


PERSONAL_DATA = PersonalData(export=_export, erase=_erase)


# ---- staff: the review queue and answering -------------------------------------------------------------------

KEEPER_ROLES = (Role.STAFF, Role.ADMIN)


def may_keep_library(actor: Actor) -> bool:
    """The staff router's gate: community workers and admins (each question and entry is checked again)."""
    return actor.superadmin or actor.has_role(*KEEPER_ROLES)


def _keeps(actor: Actor, community_id: int | None) -> bool:
    """Community-wide staff and admins keep their community's library; the bot's own admins everyone's."""
    if actor.superadmin:
        return True
    return community_id is not None and actor.covering(KEEPER_ROLES, community_id, None)


async def open_questions(session: AsyncSession, actor: Actor, limit: int = 10) -> tuple[list[RumourQuestion], int]:
    """The unanswered questions the actor may answer, oldest first (and how many in all)."""
    rows = [q for q in (await session.exec(select(RumourQuestion).where(RumourQuestion.status == "open")
                                           .order_by(RumourQuestion.created_at, RumourQuestion.id))).all()
            if _keeps(actor, q.community_id)]
    return rows[:limit], len(rows)


async def weekly_counts(session: AsyncSession, actor: Actor, now: datetime, weeks: int = 4) -> list[int]:
    """Questions asked in each of the last `weeks` weeks (this week first), in the actor's communities."""
    since = now - timedelta(weeks=weeks)
    rows = [q for q in (await session.exec(select(RumourQuestion).where(RumourQuestion.created_at >= since))).all()
            if _keeps(actor, q.community_id)]
    counts = [0] * weeks
    for q in rows:
        counts[min(weeks - 1, int((now - q.created_at) / timedelta(weeks=1)))] += 1
    return counts


async def question_to_answer(session: AsyncSession, actor: Actor, question_id: int) -> RumourQuestion:
    q = await session.get(RumourQuestion, question_id)
    if q is None:
        raise DomainError("not_found")
    if not _keeps(actor, q.community_id):
        raise PermissionDenied()
    if q.status != "open":
        raise DomainError("already_done")
    return q


def clean_correction(text: str | None) -> str:
    return clean_line(text, max_len=CORRECTION_MAX, code="correction", allow_slash=True)


def clean_source(text: str | None) -> tuple[str, str | None]:
    """"WHO myth busters https://www.who.int/...": the name as typed, and a link if one ends it."""
    line = clean_line(text, max_len=SOURCE_MAX, code="source")
    name, _sep, last = line.rpartition(" ")
    if last.startswith(("http://", "https://")) and name.strip():
        return name.strip(), last
    return line, None


async def write_entry(session: AsyncSession, actor: Actor, question: RumourQuestion, verdict: str,
                      correction: str, source: tuple[str, str | None], locale: str, now: datetime) -> RumourEntry:
    """A new entry for the question's community: its claim is the question as asked, in the staff's language."""
    if verdict not in VERDICTS:
        raise DomainError("bad_step")
    entry = RumourEntry(community_id=question.community_id, verdict=verdict, claims={locale: [question.text[:500]]},
                        correction={locale: correction}, source_name=source[0], source_url=source[1],
                        created_by_id=actor.person_id, created_at=now, updated_at=now)
    session.add(entry)
    await session.flush()
    audit(session, actor_id=actor.person_id, action="rumour_entry_written", at=now, entry=entry.id)
    return entry


async def usable_entry(session: AsyncSession, actor: Actor, entry_id: int, community_id: int | None) -> RumourEntry:
    entry = await session.get(RumourEntry, entry_id)
    if entry is None or entry.status != "active" or entry.community_id not in (None, community_id):
        raise DomainError("not_found")
    return entry


async def answer_questions(session: AsyncSession, question: RumourQuestion, entry: RumourEntry, actor: Actor,
                           now: datetime) -> list[RumourQuestion]:
    """The question, and every open one like it in the same community (by the same matching), are answered
    with the entry; returns them all, for telling everyone who asked."""
    rows = (await session.exec(select(RumourQuestion).where(
        RumourQuestion.status == "open", RumourQuestion.community_id == question.community_id,
        RumourQuestion.id != question.id))).all()
    alike = {h.entry_id for h in Index((q.id, q.text) for q in rows).match(question.text, limit=len(rows) or 1)
             if h.score >= ANSWER_AT}
    answered = [question, *(q for q in rows if q.id in alike)]
    for q in answered:
        q.status, q.entry_id, q.answered_at = "answered", entry.id, now
    audit(session, actor_id=actor.person_id, action="rumour_answered", at=now, entry=entry.id, count=len(answered))
    return answered


async def close_question(session: AsyncSession, actor: Actor, question_id: int, now: datetime) -> RumourQuestion:
    """Not a rumour (a question for another service, chatter): closed without an entry."""
    q = await question_to_answer(session, actor, question_id)
    q.status, q.answered_at = "closed", now
    audit(session, actor_id=actor.person_id, action="rumour_question_closed", at=now, question=q.id)
    return q


# ---- the group watch -----------------------------------------------------------------------------------------

WATCH_ROLES = (Role.STAFF, Role.ADMIN)
QUIET_ROLES = (Role.STAFF, Role.ADMIN, Role.DOCTOR)  # the bot never corrects them in a group


async def bound_group(session: AsyncSession, chat_id: int) -> GroupChat:
    group = (await session.exec(select(GroupChat).where(GroupChat.chat_id == chat_id,
                                                        GroupChat.active.is_(True)))).first()
    if group is None:
        raise DomainError("group_not_bound")
    return group


async def set_watch(session: AsyncSession, actor: Actor, chat_id: int, on: bool, now: datetime) -> GroupChat:
    """Staff of the group's place switch the watch on or off; audited."""
    group = await bound_group(session, chat_id)
    if not (actor.superadmin or actor.covering(WATCH_ROLES, group.community_id, group.grid_id)):
        raise PermissionDenied()
    watch = await session.get(RumourWatch, group.id)
    if watch is None:
        watch = RumourWatch(group_id=group.id)
        session.add(watch)
    watch.on, watch.changed_by_id, watch.changed_at = on, actor.person_id, now
    audit(session, actor_id=actor.person_id, action="rumour_watch_on" if on else "rumour_watch_off", at=now,
          chat=chat_id)
    return group


async def group_correction(session: AsyncSession, chat_id: int, actor: Actor, text: str | None, now: datetime,
                           default_timezone: str) -> tuple[RumourEntry, GroupChat] | None:
    """The entry to post in a watched group for this message, or None: only a false or misleading entry
    matched with high confidence, never for a message from staff, once per entry, group and day. Nothing of
    the message is stored."""
    if not (text or "").strip() or actor.superadmin or actor.has_role(*QUIET_ROLES):
        return None
    group = (await session.exec(select(GroupChat).where(GroupChat.chat_id == chat_id,
                                                        GroupChat.active.is_(True)))).first()
    watch = await session.get(RumourWatch, group.id) if group else None
    if group is None or watch is None or not watch.on:
        return None
    index, entries = await index_for(session, group.community_id)
    hits = index.match(text, limit=1)
    if not hits or hits[0].score < GROUP_AT or entries[hits[0].entry_id].verdict not in ("false", "misleading"):
        return None
    entry = entries[hits[0].entry_id]
    community = await session.get(Community, group.community_id)
    day = now.astimezone(ZoneInfo((community.timezone if community else None) or default_timezone)).date()
    first = await insert_once(session, RumourReply, group_id=group.id, entry_id=entry.id, day=day.isoformat(), at=now)
    return (entry, group) if first else None


# ---- staff: keeping the library ------------------------------------------------------------------------------

PHRASING_MAX = 300


def home_community(actor: Actor) -> int | None:
    """The community whose library a staff member works with (their first staff role's; None: everyone's
    entries only, for the bot's own admins without a role). Keeping it needs a community-wide role."""
    community_wide = [g for g in actor.grants if g.role in KEEPER_ROLES and g.scope.grid_id is None]
    any_area = [g for g in actor.grants if g.role in KEEPER_ROLES]
    return (community_wide or any_area)[0].scope.community_id if any_area else None


def may_edit(actor: Actor, entry: RumourEntry) -> bool:
    """A community's own entries by its community-wide staff; everyone's entries by the bot's own admins."""
    return actor.superadmin if entry.community_id is None else _keeps(actor, entry.community_id)


async def editable_entry(session: AsyncSession, actor: Actor, entry_id: int) -> RumourEntry:
    entry = await session.get(RumourEntry, entry_id)
    if entry is None:
        raise DomainError("not_found")
    if not may_edit(actor, entry):
        raise PermissionDenied()
    if entry.status != "active":
        raise DomainError("already_done")
    return entry


async def add_phrasing(session: AsyncSession, actor: Actor, entry_id: int, locale: str, text: str | None,
                       now: datetime) -> RumourEntry:
    """Another way people say the claim (as typed), so that it is recognised when said that way."""
    phrasing = clean_line(text, max_len=PHRASING_MAX, code="phrasing", allow_slash=True)
    entry = await editable_entry(session, actor, entry_id)
    claims = {k: list(v) for k, v in entry.claims.items()}  # a new value: JSON columns see assignments only
    if phrasing not in claims.setdefault(locale, []):
        claims[locale].append(phrasing)
    entry.claims, entry.updated_at = claims, now
    audit(session, actor_id=actor.person_id, action="rumour_entry_phrasing", at=now, entry=entry.id)
    return entry


async def set_correction(session: AsyncSession, actor: Actor, entry_id: int, locale: str, text: str | None,
                         now: datetime) -> RumourEntry:
    """The correction in one language, as the staff member writes it."""
    correction = clean_correction(text)
    entry = await editable_entry(session, actor, entry_id)
    entry.correction, entry.updated_at = {**entry.correction, locale: correction}, now
    audit(session, actor_id=actor.person_id, action="rumour_entry_correction", at=now, entry=entry.id)
    return entry


async def withdraw(session: AsyncSession, actor: Actor, entry_id: int, now: datetime) -> RumourEntry:
    """Withdrawn entries never match again (and an import does not bring them back)."""
    entry = await editable_entry(session, actor, entry_id)
    entry.status, entry.withdrawn_at, entry.updated_at = "withdrawn", now, now
    audit(session, actor_id=actor.person_id, action="rumour_entry_withdrawn", at=now, entry=entry.id)
    return entry


async def usable_for_publishing(session: AsyncSession, actor: Actor, entry_id: int) -> tuple[RumourEntry, int]:
    """An active entry a staff member may push to their community, and that community."""
    community_id = await _publishing_community(session, actor)
    entry = await session.get(RumourEntry, entry_id)
    if entry is None or entry.status != "active" or entry.community_id not in (None, community_id):
        raise DomainError("not_found")
    return entry, community_id


async def _publishing_community(session: AsyncSession, actor: Actor) -> int:
    community_id = home_community(actor)
    if community_id is None:
        raise PermissionDenied()
    return community_id


# ---- the weekly digest ---------------------------------------------------------------------------------------

DIGEST_MAX = 5


def next_digest(now: datetime, weekday: int, hhmm: str, timezone: str) -> datetime:
    """The next weekly time (local weekday and time) strictly after `now`, in UTC."""
    tz = ZoneInfo(timezone)
    local = now.astimezone(tz)
    h, m = (int(x) for x in hhmm.split(":"))
    at = local.replace(hour=h, minute=m, second=0, microsecond=0) + timedelta(days=(weekday - local.weekday()) % 7)
    if at <= local:
        at += timedelta(days=7)
    return at.astimezone(UTC)


async def subscribed(session: AsyncSession, person: Person | None) -> bool:
    return person is not None and await session.get(RumourSubscriber, person.id) is not None


async def set_digest(session: AsyncSession, person: Person | None, on: bool, now: datetime) -> bool:
    """Opt in or out of the weekly digest (a registered resident only); returns whether they are in."""
    if person is None or person.household_id is None:
        raise DomainError("not_registered")
    row = await session.get(RumourSubscriber, person.id)
    if on and row is None:
        session.add(RumourSubscriber(person_id=person.id, since=now))
    elif not on and row is not None:
        await session.delete(row)
    return on


async def digest_contents(session: AsyncSession, community_id: int, since: datetime,
                          now: datetime) -> list[tuple[RumourEntry, int]]:
    """The week's checked rumours for a community: the entries its residents' questions were answered with
    (most asked first), then entries written or changed this week; withdrawn ones never."""
    asked: dict[int, int] = {}
    for q in (await session.exec(select(RumourQuestion).where(
            RumourQuestion.community_id == community_id, RumourQuestion.entry_id.is_not(None),
            RumourQuestion.created_at >= since, RumourQuestion.created_at <= now))).all():
        asked[q.entry_id] = asked.get(q.entry_id, 0) + 1
    _index, entries = await index_for(session, community_id)
    fresh = [e for e in entries.values() if since <= e.updated_at <= now and e.id not in asked]
    ranked = sorted(((entries[i], n) for i, n in asked.items() if i in entries), key=lambda t: (-t[1], t[0].id))
    return (ranked + [(e, 0) for e in sorted(fresh, key=lambda e: e.id)])[:DIGEST_MAX]


async def digest_readers(session: AsyncSession, community_id: int) -> tuple[list[Person], list[GroupChat]]:
    """Who gets a community's digest: its residents who asked for it, and its bound group chats."""
    people = (await session.exec(select(Person).join(RumourSubscriber, RumourSubscriber.person_id == Person.id)
                                 .join(Household, Household.id == Person.household_id)
                                 .join(Building, Building.id == Household.building_id)
                                 .where(Building.community_id == community_id, Person.tg_user_id.is_not(None),
                                        Person.deleted_at.is_(None)))).all()
    groups = (await session.exec(select(GroupChat).where(GroupChat.community_id == community_id,
                                                         GroupChat.active.is_(True)))).all()
    return list(people), list(groups)

"""Notices and alerts: who may send what to whom, audience resolution, quiet hours, schedules,
acknowledgements and the door-knock rule. Telegram-free.

A notice is one row; each time it goes out (once, or each day of a repeating one) is a `NoticeSend`
created by due work `notice_due` at its time, which resolves the audience *then* (people who registered
since are included) and writes one outbox row and one `NoticeDelivery` per recipient in one transaction.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.access.rules import working_community
from bot.kernel import structure
from bot.kernel.errors import DomainError, PermissionDenied
from bot.kernel.glance import Area, Figure, per_day
from bot.kernel.permissions import Actor, Role
from bot.kernel.personal_data import PersonalData
from models import Building, Community, DueWork, Grid, Household, OutboxMessage, Person, RoleGrant
from models.delivery import HIGH, ROUTINE, URGENT
from models.notices import GroupChat, Notice, NoticeDelivery, NoticeSend

LEVELS: tuple[str, ...] = ("info", "blue", "yellow", "orange", "red")
SENDER_ROLES = (Role.STAFF, Role.ADMIN, Role.DOCTOR)
AUDIENCE_ROLES: tuple[str, ...] = (Role.VOLUNTEER.value, Role.STAFF.value, Role.DOCTOR.value)
REPEATS: tuple[str, ...] = ("none", "daily", "weekly")
TEXT_MAX = 3500  # leaves room for the level header within Telegram's 4096
CAPTION_MAX = 900  # Telegram allows 1024 for a caption


def priority_for(level: str) -> int:
    """Red and orange overtake everything routine; yellow goes before routine pushes."""
    return {"red": URGENT, "orange": URGENT, "yellow": HIGH}.get(level, ROUTINE)


def waits_for_morning(level: str) -> bool:
    """Information and blue notices wait out the quiet hours; yellow and above go at once."""
    return level in ("info", "blue")


PASTE_GAP = 2  # seconds: the parts of one long paste arrive together


SPLIT_AT = 4096  # Telegram clients split a longer paste into messages of this many characters


def split_part(text: str | None) -> bool:
    """A message this long is a part of a longer paste that the client split: more parts follow."""
    return len(text or "") >= SPLIT_AT - 96


def tail_of_refused_paste(refused_at: int | None, sent_at: int) -> bool:
    """Telegram clients split a long paste into messages of 4,096 characters sent at once; after the first part
    was refused as too long, the rest (sent within a second or two of it) is not a notice of its own."""
    return refused_at is not None and 0 <= sent_at - refused_at <= PASTE_GAP


def clean_text(text: str | None, *, caption: bool = False, media: str | None = None) -> str:
    """The notice as the worker typed it, trimmed (never normalised: residents read exactly this)."""
    s = (text or "").strip()
    if not s and media is not None:
        raise DomainError("notice_caption_empty")
    if not s:
        raise DomainError("notice_empty")
    limit = CAPTION_MAX if caption else TEXT_MAX
    if len(s) > limit:
        raise DomainError("notice_too_long", max=limit, length=len(s))
    return s


def parse_hours(spec: str) -> tuple[time, time]:
    m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", spec)
    if m is None:
        raise ValueError(f"'{spec}' is not a time range like 22:00-07:00")
    return time(int(m[1]), int(m[2])), time(int(m[3]), int(m[4]))


def after_quiet_hours(at: datetime, quiet: tuple[time, time], timezone: str) -> datetime:
    """`at` itself if it is outside the quiet hours, else the moment they end (community-local)."""
    start, end = quiet
    tz = ZoneInfo(timezone)
    local = at.astimezone(tz)
    t = local.time()
    inside = (start <= t or t < end) if start > end else (start <= t < end)
    if not inside:
        return at
    day = local.date() if t < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=tz).astimezone(UTC)


def _typed(text: str | None) -> str:
    """Dates and times as people type them: full-width digits, '/' for '-'."""
    return unicodedata.normalize("NFKC", text or "").strip().replace("/", "-")


_WHEN = re.compile(r"^(?:(?:(\d{4})-)?(\d{1,2})-(\d{1,2})\s+)?(\d{1,2}):(\d{2})$")
_DAY = re.compile(r"^(?:(\d{4})-)?(\d{1,2})-(\d{1,2})$")


def parse_when(text: str | None, now: datetime, timezone: str) -> datetime:
    """'09:00' (the next 09:00), '11-24 09:00', '2026-11-24 09:00' -> UTC. Must be in the future and within
    a year. Refusals: when_format, when_past, when_far."""
    m = _WHEN.match(_typed(text))
    if m is None:
        raise DomainError("when_format")
    tz = ZoneInfo(timezone)
    local_now = now.astimezone(tz)
    year, month, day, hour, minute = (int(x) if x else None for x in m.groups())
    try:
        if month is None:
            at = datetime.combine(local_now.date(), time(hour, minute), tzinfo=tz)
            if at <= local_now:
                at += timedelta(days=1)
        else:
            at = datetime(year or local_now.year, month, day, hour, minute, tzinfo=tz)
            if year is None and at <= local_now:
                at = at.replace(year=at.year + 1)
    except ValueError:
        raise DomainError("when_format") from None
    at = at.astimezone(UTC)
    if at <= now:
        raise DomainError("when_past")
    if at > now + timedelta(days=366):
        raise DomainError("when_far")
    return at


def parse_until(text: str | None, first_at: datetime, timezone: str) -> datetime:
    """The last day of a repeating notice ('12-31' or '2026-12-31'), inclusive: returns the end of that day."""
    m = _DAY.match(_typed(text))
    if m is None:
        raise DomainError("until_format")
    tz = ZoneInfo(timezone)
    first_local = first_at.astimezone(tz)
    try:
        d = date(int(m[1]) if m[1] else first_local.year, int(m[2]), int(m[3]))
    except ValueError:
        raise DomainError("until_format") from None
    if m[1] is None and d < first_local.date():
        d = d.replace(year=d.year + 1)
    if d < first_local.date():
        raise DomainError("until_before")
    if d > first_local.date() + timedelta(days=366):
        raise DomainError("when_far")
    return datetime.combine(d + timedelta(days=1), time(0, 0), tzinfo=tz).astimezone(UTC)


def next_occurrence(notice: Notice, after: datetime) -> datetime | None:
    """The next send of a repeating notice after `after` (same local time), or None when it is over."""
    if notice.repeat == "none":
        return None
    tz = ZoneInfo(notice.timezone)
    step = timedelta(days=1 if notice.repeat == "daily" else 7)
    first_local = notice.first_at.astimezone(tz)
    day = first_local.date()
    while True:
        day += step
        at = datetime.combine(day, first_local.time(), tzinfo=tz).astimezone(UTC)
        if at > after:
            break
    if notice.repeat_until is not None and at >= notice.repeat_until:
        return None
    return at


@dataclass
class Audience:
    """Where (the whole area, or chosen grids / buildings) and who (residents, only households with care
    needs, roles, the bound group chats)."""

    grids: list[int] = field(default_factory=list)  # empty with no buildings: the sender's whole area
    buildings: list[int] = field(default_factory=list)
    residents: bool = True
    care_only: bool = False
    roles: list[str] = field(default_factory=list)
    groups: bool = True  # a notice for a place's residents goes to its bound group chats as well

    def to_json(self) -> dict:
        return {"grids": self.grids, "buildings": self.buildings, "residents": self.residents,
                "care_only": self.care_only, "roles": self.roles, "groups": self.groups}

    @classmethod
    def from_json(cls, d: dict) -> Audience:
        return cls(grids=list(d.get("grids", [])), buildings=list(d.get("buildings", [])),
                   residents=bool(d.get("residents", True)), care_only=bool(d.get("care_only", False)),
                   roles=[r for r in d.get("roles", []) if r in AUDIENCE_ROLES], groups=bool(d.get("groups", True)))

    def empty(self) -> bool:
        return not (self.residents or self.roles or self.groups)

    @property
    def posts_to_groups(self) -> bool:
        """Group chats get what is for everyone there: not a notice only for households with care needs, nor
        one only for volunteers or staff (unless it is for the groups alone)."""
        if not self.groups or self.care_only:
            return False
        return self.residents or not self.roles


async def sender_community(session: AsyncSession, actor: Actor) -> Community:
    """The community a staff member sends in (the first they serve in, for now)."""
    return await working_community(session, actor, SENDER_ROLES)


async def area_buildings(session: AsyncSession, actor: Actor, community_id: int) -> list[Building]:
    return await structure.covered_buildings(session, actor, SENDER_ROLES, community_id)


async def area_grids(session: AsyncSession, actor: Actor, community_id: int) -> list[Grid]:
    return await structure.covered_grids(session, actor, SENDER_ROLES, community_id)


async def check_audience(session: AsyncSession, actor: Actor, community_id: int, audience: Audience) -> Audience:
    """Refuse anything outside the sender's scope (callback data is never trusted). For grid staff "the
    whole area" becomes their grids."""
    if not audience.grids and not audience.buildings and not actor.covering(SENDER_ROLES, community_id, None):
        audience.grids = [g.id for g in await area_grids(session, actor, community_id)]
        if not audience.grids:
            raise PermissionDenied()
    for gid in audience.grids:
        g = await session.get(Grid, gid)
        if g is None or g.community_id != community_id or not actor.covering(SENDER_ROLES, community_id, gid):
            raise PermissionDenied()
    for bid in audience.buildings:
        b = await session.get(Building, bid)
        if b is None or b.community_id != community_id or not actor.covering(SENDER_ROLES, community_id, b.grid_id):
            raise PermissionDenied()
    if audience.empty():
        raise DomainError("audience_empty")
    return audience


def covers(a: Audience, building: Building, care_needs: list[str]) -> bool:
    """Whether a notice with this audience is for the residents of this household's building."""
    if not a.residents or (a.care_only and not care_needs):
        return False
    return (not a.grids and not a.buildings) or building.id in a.buildings or building.grid_id in a.grids


async def latest_for(session: AsyncSession, person: Person, since: datetime, now: datetime,
                     limit: int = 5) -> list[tuple[Notice, NoticeSend, NoticeDelivery | None]]:
    """The latest notices for a resident: those sent to them, and those sent since `since` to their building
    before they registered (someone who joins during an alert sees it too), newest last. A notice held for the
    quiet hours is not among them until it goes (it would otherwise be read at night and pushed again in the
    morning)."""
    gone = or_(NoticeSend.goes_at.is_(None), NoticeSend.goes_at <= now)
    got = (await session.exec(select(NoticeDelivery, NoticeSend, Notice)
                              .join(NoticeSend, NoticeSend.id == NoticeDelivery.send_id)
                              .join(Notice, Notice.id == NoticeSend.notice_id)
                              .where(NoticeDelivery.person_id == person.id, gone)
                              .order_by(NoticeSend.id.desc()).limit(limit))).all()
    out = {send.id: (notice, send, delivery) for delivery, send, notice in got}
    household = await session.get(Household, person.household_id) if person.household_id else None
    building = await session.get(Building, household.building_id) if household else None
    if building is not None:
        recent = (await session.exec(select(NoticeSend, Notice).join(Notice, Notice.id == NoticeSend.notice_id)
                                     .where(Notice.community_id == building.community_id,
                                            NoticeSend.due_at >= since, gone)
                                     .order_by(NoticeSend.id.desc()).limit(50))).all()
        for send, notice in recent:
            if send.id not in out and covers(Audience.from_json(notice.audience), building, household.care_needs):
                out[send.id] = (notice, send, None)
    return [out[k] for k in sorted(out)[-limit:]]


async def places(session: AsyncSession, notice: Notice) -> list[Building]:
    """The buildings a notice is for: chosen buildings and grids, or (neither chosen) the whole community."""
    a = Audience.from_json(notice.audience)
    rows = (await session.exec(select(Building).where(Building.community_id == notice.community_id))).all()
    if a.buildings or a.grids:
        return [b for b in rows if b.id in a.buildings or b.grid_id in a.grids]
    return list(rows)


@dataclass
class Resolved:
    people: list[tuple[Person, int | None, int | None]]  # (person, building id, household id)
    groups: list[GroupChat]
    care_households: list[int]  # households with care needs in the area (for door-knocks)
    unreached_households: list[int] = field(default_factory=list)  # of the audience: nobody to send it to


async def resolve(session: AsyncSession, notice: Notice) -> Resolved:
    """Every recipient once: residents of the buildings (optionally only households with care needs),
    people holding the chosen roles there, and the group chats bound to those buildings or grids."""
    a = Audience.from_json(notice.audience)
    buildings = await places(session, notice)
    bids = {b.id for b in buildings}
    gids = {b.grid_id for b in buildings}
    people: dict[int, tuple[Person, int | None, int | None]] = {}
    care: list[int] = []
    if bids:
        rows = (await session.exec(select(Person, Household).join(Household, Household.id == Person.household_id)
                                   .where(Household.building_id.in_(bids)).order_by(Person.id))).all()
        for person, hh in rows:
            if not a.residents or (a.care_only and not hh.care_needs):
                continue
            if hh.care_needs and hh.id not in care:
                care.append(hh.id)
            if person.tg_user_id is None or person.deleted_at is not None:
                continue
            people[person.id] = (person, hh.building_id, hh.id)
    if a.roles and bids:
        grants = (await session.exec(select(RoleGrant, Person).join(Person, Person.id == RoleGrant.person_id).where(
            RoleGrant.revoked_at.is_(None), RoleGrant.community_id == notice.community_id,
            RoleGrant.role.in_(a.roles), Person.tg_user_id.is_not(None), Person.deleted_at.is_(None)))).all()
        for g, person in grants:
            if (g.grid_id is None or g.grid_id in gids) and person.id not in people:
                people[person.id] = (person, None, person.household_id)
    groups: list[GroupChat] = []
    if a.posts_to_groups and bids:
        rows = (await session.exec(select(GroupChat).where(GroupChat.community_id == notice.community_id,
                                                           GroupChat.active.is_(True)))).all()
        groups = [g for g in rows if (g.building_id in bids) or (g.building_id is None and g.grid_id in gids)
                  or (g.building_id is None and g.grid_id is None and not (a.grids or a.buildings))]
    reachable = [t for t in people.values() if t[0].unreachable_since is None]
    unreached: list[int] = []
    if a.residents and bids:
        reached = {hh for _p, _b, hh in reachable if hh is not None}
        for hh in (await session.exec(select(Household).where(Household.building_id.in_(bids))
                                      .order_by(Household.id))).all():
            if hh.id not in reached and not (a.care_only and not hh.care_needs):
                unreached.append(hh.id)
    return Resolved(people=reachable, groups=groups, care_households=care, unreached_households=unreached)


def text_for(notice: Notice, locale: str) -> str:
    return notice.translations.get(locale) or notice.text


async def ack(session: AsyncSession, send_id: int, person: Person, now: datetime) -> bool:
    """Record "I have read this". Returns False if it was already recorded. A send that did not go to this
    person (a forged or foreign button) is refused."""
    d = (await session.exec(select(NoticeDelivery).where(NoticeDelivery.send_id == send_id,
                                                         NoticeDelivery.person_id == person.id))).first()
    if d is None:
        raise DomainError("not_found")
    if d.acked_at is not None:
        return False
    d.acked_at = now
    return True


async def may_manage(session: AsyncSession, actor: Actor, notice: Notice) -> None:
    """The sender, or staff/admins of the whole community, may see rates, remind, edit and cancel."""
    if actor.superadmin or notice.created_by_id == actor.person_id:
        return
    if actor.covering((Role.STAFF, Role.ADMIN), notice.community_id, None):
        return
    raise PermissionDenied()


@dataclass
class Rates:
    total: int
    acked: int
    by_building: list[tuple[str, int, int]]  # (building label, acked, total)


async def ack_rates(session: AsyncSession, send_id: int, locale: str) -> Rates:
    rows = (await session.exec(select(NoticeDelivery.building_id, func.count(), func.count(NoticeDelivery.acked_at))
                               .where(NoticeDelivery.send_id == send_id, NoticeDelivery.person_id.is_not(None))
                               .group_by(NoticeDelivery.building_id))).all()
    out = []
    for bid, total, acked in rows:
        b = await session.get(Building, bid) if bid else None
        out.append((b.label(locale) if b else "—", acked, total))
    out.sort(key=lambda r: (r[1] / r[2] if r[2] else 1, r[0]))
    return Rates(total=sum(r[2] for r in out), acked=sum(r[1] for r in out), by_building=out)


async def audience_counts(session: AsyncSession, send_id: int) -> tuple[int, int]:
    """How many people and how many group chats one sending went to (counted apart)."""
    people, groups = (await session.exec(select(func.count(NoticeDelivery.person_id),
                                                func.count(NoticeDelivery.group_chat_id))
                                         .where(NoticeDelivery.send_id == send_id))).one()
    return people, groups


REMIND_AGAIN_AFTER = timedelta(minutes=30)


async def managed_send(session: AsyncSession, actor: Actor, send_id: int) -> tuple[NoticeSend, Notice]:
    """A send whose read rates and reminders this person may see and use."""
    send = await session.get(NoticeSend, send_id)
    notice = await session.get(Notice, send.notice_id) if send else None
    if send is None or notice is None:
        raise DomainError("not_found")
    await may_manage(session, actor, notice)
    return send, notice


async def who_to_remind(session: AsyncSession, send: NoticeSend, now: datetime) -> list[Person]:
    """Those who have not read it, for a reminder; not twice within half an hour (people need a moment)."""
    if send.reminded_at is not None and now - send.reminded_at < REMIND_AGAIN_AFTER:
        raise DomainError("reminded_recently")
    send.reminded_at = now
    return await not_acked(session, send.id)


async def not_acked(session: AsyncSession, send_id: int) -> list[Person]:
    rows = (await session.exec(select(Person).join(NoticeDelivery, NoticeDelivery.person_id == Person.id).where(
        NoticeDelivery.send_id == send_id, NoticeDelivery.acked_at.is_(None), Person.deleted_at.is_(None),
        Person.unreachable_since.is_(None)))).all()
    return list(rows)


async def silent_care_households(session: AsyncSession, send: NoticeSend, notice: Notice) -> list[Household]:
    """Households with care needs in the alert's area where nobody acknowledged: someone knocks on the door.
    Households with no Telegram user at all are included: they could not read the alert."""
    resolved = await resolve(session, notice)
    acked = set((await session.exec(select(NoticeDelivery.household_id).where(
        NoticeDelivery.send_id == send.id, NoticeDelivery.acked_at.is_not(None)))).all())
    out = []
    for hid in resolved.care_households:
        if hid not in acked:
            out.append(await session.get(Household, hid))
    return [h for h in out if h is not None]


async def scheduled_in_scope(session: AsyncSession, actor: Actor) -> list[Notice]:
    rows = (await session.exec(select(Notice).where(Notice.status == "scheduled").order_by(Notice.first_at))).all()
    out = []
    for n in rows:
        try:
            await may_manage(session, actor, n)
        except PermissionDenied:
            continue
        out.append(n)
    return out


async def recent_sends_in_scope(session: AsyncSession, actor: Actor, limit: int = 5) -> list[tuple[NoticeSend, Notice]]:
    """The latest sendings this person may manage (their own notices, or all of the communities they serve as
    community-wide staff), newest first; chosen by the database, so other communities' traffic hides none."""
    q = select(NoticeSend, Notice).join(Notice, Notice.id == NoticeSend.notice_id)
    if not actor.superadmin:
        whole = {g.scope.community_id for g in actor.grants
                 if g.role in (Role.STAFF, Role.ADMIN) and g.scope.grid_id is None}
        mine = Notice.created_by_id == actor.person_id
        q = q.where(or_(mine, Notice.community_id.in_(whole)) if whole else mine)
    return list((await session.exec(q.order_by(NoticeSend.id.desc()).limit(limit))).all())


async def cancel(session: AsyncSession, actor: Actor, notice_id: int, now: datetime) -> Notice:
    """Cancel a scheduled or repeating notice: none of its sends to come will go out."""
    notice = await editable(session, actor, notice_id)
    notice.status, notice.cancelled_at = "cancelled", now
    await unschedule(session, notice, now)
    return notice


async def unschedule(session: AsyncSession, notice: Notice, now: datetime) -> None:
    """Drop the notice's pending send; the key is freed, so the same time may be booked again."""
    await session.exec(update(DueWork).where(DueWork.status == "pending", DueWork.kind == "notice_due",
                                             DueWork.key.like(f"notice:{notice.id}:%"))
                       .values(status="cancelled", done_at=now, key=None))


BIND_ROLES = (Role.STAFF, Role.ADMIN)


async def bind_options(session: AsyncSession, actor: Actor) -> list[tuple[str, int, object]]:
    """What a staff member may bind a group to: (kind c|g|b, id, the community/grid/building)."""
    out: list[tuple[str, int, object]] = []
    for c in (await session.exec(select(Community).order_by(Community.id))).all():
        if actor.covering(BIND_ROLES, c.id, None):
            out.append(("c", c.id, c))
        for g in (await session.exec(select(Grid).where(Grid.community_id == c.id).order_by(Grid.id))).all():
            if actor.covering(BIND_ROLES, c.id, g.id):
                out.append(("g", g.id, g))
                for b in (await session.exec(select(Building).where(Building.grid_id == g.id)
                                             .order_by(Building.id))).all():
                    out.append(("b", b.id, b))
    return out


async def bind_group(session: AsyncSession, actor: Actor, chat_id: int, title: str, kind: str, target_id: int,
                     locale: str, now: datetime) -> tuple[GroupChat, object]:
    """Bind a group chat to a community, grid or building; only staff/admins of that scope may."""
    if kind == "b":
        place = await session.get(Building, target_id)
        community_id, grid_id, building_id = (place.community_id, place.grid_id, place.id) if place else (0, 0, 0)
    elif kind == "g":
        place = await session.get(Grid, target_id)
        community_id, grid_id, building_id = (place.community_id, place.id, None) if place else (0, 0, None)
    elif kind == "c":
        place = await session.get(Community, target_id)
        community_id, grid_id, building_id = (place.id, None, None) if place else (0, None, None)
    else:
        place = None
    if place is None:
        raise DomainError("not_found")
    if not actor.covering(BIND_ROLES, community_id, grid_id):
        raise PermissionDenied()
    group = (await session.exec(select(GroupChat).where(GroupChat.chat_id == chat_id))).first()
    if group is None:
        group = GroupChat(chat_id=chat_id)
        session.add(group)
    group.title, group.community_id, group.grid_id, group.building_id = title[:128], community_id, grid_id, building_id
    group.bound_by_id, group.bound_at, group.active, group.locale = actor.person_id, now, True, locale
    return group, place


async def unbind_group(session: AsyncSession, actor: Actor, chat_id: int) -> GroupChat:
    group = (await session.exec(select(GroupChat).where(GroupChat.chat_id == chat_id,
                                                        GroupChat.active.is_(True)))).first()
    if group is None:
        raise DomainError("group_not_bound")
    if not actor.covering(BIND_ROLES, group.community_id, group.grid_id):
        raise PermissionDenied()
    group.active = False
    return group


async def group_migrated(session: AsyncSession, old_chat_id: int, new_chat_id: int) -> None:
    """A group became a supergroup: Telegram gave it a new id; keep the binding."""
    group = (await session.exec(select(GroupChat).where(GroupChat.chat_id == old_chat_id))).first()
    if group is not None:
        group.chat_id = new_chat_id
        await session.commit()


async def group_left(session: AsyncSession, chat_id: int) -> bool:
    """The bot was removed from a group: stop sending there (binding again re-activates it)."""
    group = (await session.exec(select(GroupChat).where(GroupChat.chat_id == chat_id,
                                                        GroupChat.active.is_(True)))).first()
    if group is None:
        return False
    group.active = False
    await session.commit()
    return True


async def editable(session: AsyncSession, actor: Actor, notice_id: int) -> Notice:
    """A scheduled notice this person may change (the sender, or community-wide staff)."""
    notice = await session.get(Notice, notice_id)
    if notice is None:
        raise DomainError("not_found")
    await may_manage(session, actor, notice)
    if notice.status != "scheduled":
        raise DomainError("already_done")
    return notice


async def has_gone_out(session: AsyncSession, notice_id: int) -> bool:
    return (await session.exec(select(NoticeSend.id).where(NoticeSend.notice_id == notice_id))).first() is not None


async def _forget_household(session: AsyncSession, household_id: int) -> None:
    """Delivery records keep their counts without pointing at an address."""
    await session.exec(update(NoticeDelivery).where(NoticeDelivery.household_id == household_id)
                       .values(household_id=None))


async def _move_household(session: AsyncSession, old: int, new: int) -> None:
    await session.exec(update(NoticeDelivery).where(NoticeDelivery.household_id == old).values(household_id=new))


PERSONAL_DATA = PersonalData(forget_household=_forget_household, move_household=_move_household)


# ---- the area at a glance (/stats, the evening summary, /export) --------------------------------------------

def _deliveries(area: Area) -> list:
    """People's deliveries (not group chats') in the area."""
    out = [NoticeDelivery.person_id.is_not(None)]
    if area.narrowed:
        out.append(NoticeDelivery.building_id.in_(area.buildings()))
    return out


async def last_alert(session: AsyncSession, area: Area) -> tuple[Notice, NoticeSend] | None:
    return (await session.exec(select(Notice, NoticeSend).join(NoticeSend, NoticeSend.notice_id == Notice.id).where(
        Notice.community_id == area.community_id, Notice.ack_required, NoticeSend.sent_at.is_not(None))
        .order_by(NoticeSend.sent_at.desc(), NoticeSend.id.desc()))).first()


async def glance(session: AsyncSession, area: Area, now: datetime) -> list[Figure]:
    """The last alert that asked to be acknowledged: of the people in the area it went to, how many did."""
    last = await last_alert(session, area)
    if last is None:
        return []
    told, acked = (await session.exec(select(func.count(), func.count(NoticeDelivery.acked_at)).where(
        NoticeDelivery.send_id == last[1].id, *_deliveries(area)))).one()
    return [Figure("last_alert", acked / told if told else None, label=f"{acked}/{told}")]


async def daily(session: AsyncSession, area: Area, days: list) -> dict[str, list[float]]:
    """Per day, the share of people who acknowledged what was sent to them that day asking for it (None: none)."""
    start, end = days[0][1], days[-1][2]
    row = (await session.exec(select(*per_day(NoticeSend.sent_at, days),
                                     *per_day(NoticeSend.sent_at, days, NoticeDelivery.acked_at.is_not(None)))
                              .select_from(NoticeDelivery).join(NoticeSend, NoticeSend.id == NoticeDelivery.send_id)
                              .join(Notice, Notice.id == NoticeSend.notice_id)
                              .where(Notice.community_id == area.community_id, Notice.ack_required,
                                     NoticeSend.sent_at >= start, NoticeSend.sent_at < end, *_deliveries(area)))).one()
    n = len(days)
    return {"ack_rate": [acked / told if told else None for told, acked in zip(row[:n], row[n:], strict=True)]}


@dataclass
class SendFigures:
    notice: Notice
    send: NoticeSend
    people: int
    delivered: int
    acked: int


async def ledger_rows(session: AsyncSession, area: Area, since: datetime, until: datetime) -> list[SendFigures]:
    """Every send in [since, until) of the community's notices, with its people in the area: told, delivered
    (the outbox sent it), acknowledged."""
    sends = (await session.exec(select(Notice, NoticeSend).join(NoticeSend, NoticeSend.notice_id == Notice.id).where(
        Notice.community_id == area.community_id, NoticeSend.sent_at >= since, NoticeSend.sent_at < until)
        .order_by(NoticeSend.sent_at, NoticeSend.id))).all()
    ids = [s.id for _, s in sends]
    counts = {r[0]: r[1:] for r in (await session.exec(
        select(NoticeDelivery.send_id, func.count(), func.count().filter(OutboxMessage.status == "sent"),
               func.count(NoticeDelivery.acked_at))
        .outerjoin(OutboxMessage, OutboxMessage.id == NoticeDelivery.outbox_id)
        .where(NoticeDelivery.send_id.in_(ids or [-1]), *_deliveries(area))
        .group_by(NoticeDelivery.send_id))).all()}
    return [SendFigures(n, s, *counts.get(s.id, (0, 0, 0))) for n, s in sends]

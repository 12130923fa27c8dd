"""Invitation links that grant a role in a scope; who a person is and what roles they hold."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, or_, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.kernel.audit import audit
from bot.kernel.errors import DomainError, PermissionDenied
from bot.kernel.permissions import Actor, Grant, Role, Scope, can_manage_roles, require_grant
from models import Community, Grid, Invitation, InvitationUse, Person, RoleGrant

TOKEN_PREFIX = "inv_"
MAX_TTL = timedelta(days=90)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    # 144 bits of randomness, 24 url-safe characters: "inv_" + token fits Telegram's 64-char start payload.
    return secrets.token_urlsafe(18)


def _actor(person: Person | None, grants: list[RoleGrant], superadmin_ids: set[int]) -> Actor:
    if person is None:
        return Actor(person_id=None)
    return Actor(person_id=person.id,
                 grants=tuple(Grant(role=Role(r.role), scope=Scope(r.community_id, r.grid_id), grant_id=r.id)
                              for r in grants),
                 superadmin=person.tg_user_id is not None and person.tg_user_id in superadmin_ids)


async def load_actor(session: AsyncSession, person: Person | None, superadmin_ids: set[int]) -> Actor:
    if person is None:
        return Actor(person_id=None)
    rows = (await session.exec(select(RoleGrant).where(
        RoleGrant.person_id == person.id, RoleGrant.revoked_at.is_(None)))).all()
    return _actor(person, list(rows), superadmin_ids)


# Built once: this runs for every update, and building and caching the statement costs as much as running it.
_PERSON_AND_GRANTS = select(Person, RoleGrant).outerjoin(RoleGrant, and_(
    RoleGrant.person_id == Person.id, RoleGrant.revoked_at.is_(None))).where(Person.tg_user_id == bindparam("tg"))


async def person_and_actor(session: AsyncSession, tg_user_id: int,
                           superadmin_ids: set[int]) -> tuple[Person | None, Actor]:
    """The person behind a Telegram user and what they may do, in one query (once per update)."""
    rows = (await session.exec(_PERSON_AND_GRANTS, params={"tg": tg_user_id})).all()
    person = rows[0][0] if rows else None
    return person, _actor(person, [g for _p, g in rows if g is not None], superadmin_ids)


async def validate_scope(session: AsyncSession, scope: Scope) -> None:
    if await session.get(Community, scope.community_id) is None:
        raise DomainError("not_found")
    if scope.grid_id is not None:
        grid = await session.get(Grid, scope.grid_id)
        if grid is None or grid.community_id != scope.community_id:
            raise DomainError("not_found")


@dataclass
class CreatedInvitation:
    invitation: Invitation
    token: str  # shown once to its creator, never stored

    @property
    def payload(self) -> str:
        return TOKEN_PREFIX + self.token


async def create_invitation(
    session: AsyncSession, actor: Actor, *, role: Role, scope: Scope, max_uses: int | None,
    ttl: timedelta, now: datetime,
) -> CreatedInvitation:
    await validate_scope(session, scope)
    require_grant(actor, role, scope)
    if max_uses is not None and max_uses < 1:
        raise DomainError("bad_uses")
    if ttl <= timedelta(0) or ttl > MAX_TTL:
        raise DomainError("bad_ttl")
    token = new_token()
    inv = Invitation(token_hash=hash_token(token), role=role.value, community_id=scope.community_id,
                     grid_id=scope.grid_id, created_by_id=actor.person_id, max_uses=max_uses,
                     expires_at=now + ttl, created_at=now)
    session.add(inv)
    await session.flush()
    audit(session, actor_id=actor.person_id, action="invitation_created", at=now, invitation_id=inv.id,
          role=role.value, community_id=scope.community_id, grid_id=scope.grid_id, max_uses=max_uses)
    await session.commit()
    return CreatedInvitation(invitation=inv, token=token)


async def redeem_invitation(session: AsyncSession, token: str, person: Person, now: datetime) -> RoleGrant:
    """Check the token and grant its role. Refusals: invite_invalid / _revoked / _expired / _used."""
    if not token or len(token) > 64:
        raise DomainError("invite_invalid")
    inv = (await session.exec(select(Invitation).where(Invitation.token_hash == hash_token(token)))).first()
    if inv is None:
        raise DomainError("invite_invalid")
    if inv.revoked_at is not None:
        raise DomainError("invite_revoked")
    if inv.expires_at <= now:
        raise DomainError("invite_expired")
    existing = (await session.exec(select(RoleGrant).where(
        RoleGrant.person_id == person.id, RoleGrant.role == inv.role,
        RoleGrant.community_id == inv.community_id, RoleGrant.grid_id == inv.grid_id,
        RoleGrant.revoked_at.is_(None)))).first()
    if existing is not None:
        return existing  # pressing the same link twice changes nothing
    already = (await session.exec(select(InvitationUse).where(
        InvitationUse.invitation_id == inv.id, InvitationUse.person_id == person.id))).first()
    if already is not None:
        # Used before by this person and the role was revoked since: the link does not restore it.
        raise DomainError("invite_used")
    # Atomic use: the row is counted only while uses remain, so concurrent redemptions cannot overshoot.
    res = await session.exec(
        update(Invitation).where(
            Invitation.id == inv.id, Invitation.revoked_at.is_(None),
            or_(Invitation.max_uses.is_(None), Invitation.uses < Invitation.max_uses),
        ).values(uses=Invitation.uses + 1))
    if res.rowcount != 1:
        # Nothing was written, but the statement opened a write transaction (SQLite locks the file):
        # end it. Commit, not rollback: a rollback would expire the caller's loaded objects.
        await session.commit()
        raise DomainError("invite_used")
    session.add(InvitationUse(invitation_id=inv.id, person_id=person.id, used_at=now))
    grant = RoleGrant(person_id=person.id, role=inv.role, community_id=inv.community_id, grid_id=inv.grid_id,
                      granted_by_id=inv.created_by_id, granted_at=now)
    session.add(grant)
    await session.flush()
    audit(session, actor_id=person.id, action="role_granted", at=now, subject_id=person.id,
          invitation_id=inv.id, grant_id=grant.id, role=inv.role)
    await session.commit()
    return grant


async def list_invitations(session: AsyncSession, actor: Actor, now: datetime) -> list[Invitation]:
    rows = (await session.exec(select(Invitation).where(
        Invitation.revoked_at.is_(None), Invitation.expires_at > now).order_by(Invitation.id))).all()
    return [i for i in rows if i.created_by_id == actor.person_id
            or can_manage_roles(actor, Scope(i.community_id, i.grid_id))]


async def revoke_invitation(session: AsyncSession, actor: Actor, invitation_id: int, now: datetime) -> Invitation:
    inv = await session.get(Invitation, invitation_id)
    if inv is None:
        raise DomainError("not_found")
    if inv.created_by_id != actor.person_id and not can_manage_roles(actor, Scope(inv.community_id, inv.grid_id)):
        raise PermissionDenied()
    if inv.revoked_at is not None:
        raise DomainError("already_done")
    inv.revoked_at = now
    audit(session, actor_id=actor.person_id, action="invitation_revoked", at=now, invitation_id=inv.id)
    await session.commit()
    return inv


# ---- who holds a role, for those who must be told ------------------------------------------------------------

async def role_holders(session: AsyncSession, community_id: int,
                       roles: tuple[Role, ...]) -> list[tuple[RoleGrant, Person]]:
    """Active grants of these roles in a community, with their people who can be reached on Telegram."""
    return list((await session.exec(select(RoleGrant, Person).join(Person, Person.id == RoleGrant.person_id).where(
        RoleGrant.revoked_at.is_(None), RoleGrant.community_id == community_id,
        RoleGrant.role.in_([r.value for r in roles]), Person.tg_user_id.is_not(None),
        Person.deleted_at.is_(None)).order_by(Person.id))).all())


async def people_with_telegram_ids(session: AsyncSession, tg_ids: list[int]) -> list[Person]:
    """The bot's own administrators (ADMIN_IDS): the last to be told when a community has nobody in a role."""
    if not tg_ids:
        return []
    return list((await session.exec(select(Person).where(Person.tg_user_id.in_(tg_ids),
                                                         Person.deleted_at.is_(None)))).all())


async def working_community(session: AsyncSession, actor: Actor, roles: tuple[Role, ...]) -> Community:
    """The community a staff member works in for these roles (the first they serve in); the bot's own
    administrators work in the first community. Refused to anyone without such a role."""
    scopes = actor.scopes_for(roles)
    if not scopes and not actor.superadmin:
        raise PermissionDenied()
    community = (await session.get(Community, scopes[0].community_id) if scopes
                 else (await session.exec(select(Community).order_by(Community.id))).first())
    if community is None:
        raise DomainError("not_found")
    return community

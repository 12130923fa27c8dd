"""Who holds which role in an administrator's scope, and revoking one. Telegram-free; reads are audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.kernel.audit import audit
from bot.kernel.errors import DomainError, PermissionDenied
from bot.kernel.permissions import Actor, Role, Scope, can_manage_roles
from models import Person, RoleGrant


@dataclass
class GrantRow:
    grant: RoleGrant
    person: Person


async def list_grants(session: AsyncSession, actor: Actor, now: datetime) -> list[GrantRow]:
    """Active grants the actor administers. Reading them is audited (names are personal data)."""
    rows = (await session.exec(
        select(RoleGrant, Person).join(Person, Person.id == RoleGrant.person_id)
        .where(RoleGrant.revoked_at.is_(None)).order_by(RoleGrant.community_id, RoleGrant.role, RoleGrant.id))).all()
    visible = [GrantRow(g, p) for g, p in rows if can_manage_roles(actor, Scope(g.community_id, g.grid_id))]
    if not actor.superadmin and not actor.has_role(Role.ADMIN):
        raise PermissionDenied()
    audit(session, actor_id=actor.person_id, action="roles_listed", at=now, count=len(visible))
    await session.commit()
    return visible


async def revoke_grant(session: AsyncSession, actor: Actor, grant_id: int, now: datetime) -> RoleGrant:
    grant = await session.get(RoleGrant, grant_id)
    if grant is None:
        raise DomainError("not_found")
    if not can_manage_roles(actor, Scope(grant.community_id, grant.grid_id)):
        raise PermissionDenied()
    if grant.revoked_at is not None:
        raise DomainError("already_done")
    grant.revoked_at = now
    grant.revoked_by_id = actor.person_id
    audit(session, actor_id=actor.person_id, action="role_revoked", at=now, subject_id=grant.person_id,
          grant_id=grant.id, role=grant.role)
    await session.commit()
    return grant

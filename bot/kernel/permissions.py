"""Who may do what, where. One place for every permission decision; no Telegram here.

A grant is a role with a scope: a whole community (grid_id None) or one grid of it.
Superadmins come from ADMIN_IDS and cover everything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from bot.kernel.errors import PermissionDenied


class Role(StrEnum):
    RESIDENT = "resident"
    VOLUNTEER = "volunteer"
    STAFF = "staff"
    DOCTOR = "doctor"
    COUNSELLOR = "counsellor"
    ADMIN = "admin"


INVITABLE_ROLES: tuple[Role, ...] = (Role.VOLUNTEER, Role.STAFF, Role.DOCTOR, Role.COUNSELLOR, Role.ADMIN)
# Roles that work on people's data inside their scope.
CASEWORK_ROLES = frozenset({Role.STAFF, Role.DOCTOR, Role.ADMIN})


@dataclass(frozen=True)
class Scope:
    community_id: int
    grid_id: int | None = None  # None: the whole community

    def covers(self, community_id: int, grid_id: int | None = None) -> bool:
        if community_id != self.community_id:
            return False
        if self.grid_id is None:
            return True
        return grid_id == self.grid_id


@dataclass(frozen=True)
class Grant:
    role: Role
    scope: Scope
    grant_id: int | None = None


@dataclass(frozen=True)
class Actor:
    person_id: int | None
    grants: tuple[Grant, ...] = field(default_factory=tuple)
    superadmin: bool = False

    def roles(self) -> set[Role]:
        return {g.role for g in self.grants}

    def has_role(self, *roles: Role) -> bool:
        return (self.superadmin and Role.ADMIN in roles) or any(g.role in roles for g in self.grants)

    def is_staff_like(self) -> bool:
        return self.superadmin or any(g.role in INVITABLE_ROLES for g in self.grants)

    def covering(self, roles: Iterable[Role], community_id: int, grid_id: int | None = None) -> bool:
        if self.superadmin:
            return True
        wanted = set(roles)
        return any(g.role in wanted and g.scope.covers(community_id, grid_id) for g in self.grants)

    def scopes_for(self, roles: Iterable[Role]) -> list[Scope]:
        wanted = set(roles)
        return [g.scope for g in self.grants if g.role in wanted]


def roles_actor_may_grant(actor: Actor) -> list[Role]:
    if actor.superadmin or actor.has_role(Role.ADMIN):
        return list(INVITABLE_ROLES)
    if actor.has_role(Role.STAFF):
        return [Role.VOLUNTEER, Role.STAFF]
    return []


def may_invite(actor: Actor) -> bool:
    """Staff and admins invite people (each only to the roles and places they may grant)."""
    return bool(roles_actor_may_grant(actor))


def is_admin(actor: Actor) -> bool:
    return actor.superadmin or actor.has_role(Role.ADMIN)


def can_grant(actor: Actor, role: Role, scope: Scope) -> bool:
    """An admin grants any role inside their scope; staff grant volunteer/staff inside theirs.
    Admin of a whole community can only be granted at community level."""
    if role not in INVITABLE_ROLES:
        return False
    if role is Role.ADMIN and scope.grid_id is not None:
        return False
    if actor.covering([Role.ADMIN], scope.community_id, scope.grid_id):
        return True
    if role in (Role.VOLUNTEER, Role.STAFF):
        return actor.covering([Role.STAFF], scope.community_id, scope.grid_id)
    return False


def require_grant(actor: Actor, role: Role, scope: Scope) -> None:
    if not can_grant(actor, role, scope):
        raise PermissionDenied()


def can_manage_roles(actor: Actor, scope: Scope) -> bool:
    return actor.covering([Role.ADMIN], scope.community_id, scope.grid_id)


def can_manage_structure(actor: Actor, community_id: int) -> bool:
    return actor.covering([Role.ADMIN], community_id, None)


def can_view_person_in(actor: Actor, community_id: int, grid_id: int | None) -> bool:
    """Staff, doctors and admins see residents of their scope; nobody else sees anyone."""
    return actor.covering(CASEWORK_ROLES, community_id, grid_id)

"""Roles (with a scope) and invitations that grant them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow


class RoleGrant(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    role: str = Field(max_length=16)
    community_id: int = Field(foreign_key="community.id", index=True)
    grid_id: int | None = Field(default=None, foreign_key="grid.id")  # None = the whole community
    granted_by_id: int | None = Field(default=None, foreign_key="person.id")
    granted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_by_id: int | None = Field(default=None, foreign_key="person.id")


class Invitation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)  # sha256 hex; the token itself is never stored
    role: str = Field(max_length=16)
    community_id: int = Field(foreign_key="community.id", index=True)
    grid_id: int | None = Field(default=None, foreign_key="grid.id")
    created_by_id: int | None = Field(default=None, foreign_key="person.id")
    max_uses: int | None = Field(default=1)  # None = unlimited until expiry
    uses: int = Field(default=0)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class InvitationUse(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("invitation_id", "person_id", name="uq_invitation_use"),)
    id: int | None = Field(default=None, primary_key=True)
    invitation_id: int = Field(foreign_key="invitation.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    used_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

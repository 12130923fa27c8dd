"""Households and people. A person may or may not have a Telegram account."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import JSON, Field, SQLModel

from models.base import UTCDateTime, utcnow


class Household(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("building_id", "unit", name="uq_household_building_unit"),)
    id: int | None = Field(default=None, primary_key=True)
    building_id: int = Field(foreign_key="building.id", index=True)
    unit: str = Field(max_length=32)  # normalised, e.g. "2-502"
    size: int = Field(default=1)
    care_needs: list[str] = Field(default_factory=list, sa_type=JSON)
    in_ledger: bool = Field(default=False)  # in the community's own household ledger (imported or added by staff)
    notes: str | None = Field(default=None, max_length=300)  # staff's, as typed
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Person(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # None for a household member without Telegram, and after erasure.
    tg_user_id: int | None = Field(default=None, sa_type=sa.BigInteger, unique=True, index=True)
    full_name: str | None = Field(default=None, max_length=128)
    locale: str = Field(default="zh_Hans", max_length=8)
    phone: str | None = Field(default=None, max_length=32)
    birth_year: int | None = None  # from the ledger
    relation: str | None = Field(default=None, max_length=20)  # to the head of the household, as written
    household_id: int | None = Field(default=None, foreign_key="household.id", index=True)
    # Set when a resident registered this member for someone without Telegram.
    added_by_id: int | None = Field(default=None, foreign_key="person.id")
    consent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    registered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Asked to join a household that already has members on Telegram: one of them confirms first, so a
    # stranger who types someone's unit sees nothing of that household.
    pending_household_id: int | None = Field(default=None, foreign_key="household.id")
    # Set when Telegram answered 403 (blocked the bot); cleared when they write again.
    unreachable_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def has_telegram(self) -> bool:
        return self.tg_user_id is not None

    @property
    def reachable(self) -> bool:
        """The bot can write to them: on Telegram, not erased, and they have not blocked it."""
        return self.tg_user_id is not None and self.deleted_at is None and self.unreachable_since is None


def reachable() -> sa.ColumnElement[bool]:
    """`Person.reachable`, as an SQL condition."""
    return sa.and_(Person.tg_user_id.is_not(None), Person.deleted_at.is_(None), Person.unreachable_since.is_(None))

"""Community structure: community -> grid -> building. Units live on households as text."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import JSON, Field, SQLModel

from models.base import UTCDateTime, utcnow


def localized(name: str, names: dict[str, str] | None, locale: str) -> str:
    if names:
        return names.get(locale) or name
    return name


class Community(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True, index=True)
    name: str = Field(max_length=120)
    names: dict[str, str] = Field(default_factory=dict, sa_type=JSON)
    timezone: str | None = Field(default=None, max_length=64)
    emergency_number: str = Field(default="120", max_length=20)
    # The psychological assistance hotline residents are given (China's national one unless set per community).
    support_hotline: str = Field(default="12356", max_length=40)
    # The vulnerable register: nobody heard from a household for this long -> a visit or a call (shorter while
    # a red alert is out).
    silence_hours: int = Field(default=48)
    silence_red_hours: int = Field(default=24)
    # During an emergency: remind every resident once a day to check in (staff switch it with /checkin).
    daily_checkin: bool = Field(default=False)
    # Quiet hours for information and blue notices, e.g. "22:00-07:00"; None: the NOTICE_QUIET_HOURS setting
    quiet_hours: str | None = Field(default=None, max_length=11)
    # When staff and admins get the day's summary with its chart, local "HH:MM"; "off": never.
    summary_time: str = Field(default="18:00", max_length=5)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    def label(self, locale: str) -> str:
        return localized(self.name, self.names, locale)

    def zone(self, default: str) -> str:
        """Its time zone's name; `default` (the deployment's) when the structure file gives none."""
        return self.timezone or default


class Grid(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("community_id", "code", name="uq_grid_community_code"),)
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True, ondelete="CASCADE")
    code: str = Field(max_length=40)
    name: str = Field(max_length=120)
    names: dict[str, str] = Field(default_factory=dict, sa_type=JSON)

    def label(self, locale: str) -> str:
        return localized(self.name, self.names, locale)


class Building(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # Globally unique: it is the payload of the building's QR deep link (start=b_<code>).
    code: str = Field(max_length=40, unique=True, index=True)
    community_id: int = Field(foreign_key="community.id", index=True, ondelete="CASCADE")
    grid_id: int = Field(foreign_key="grid.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=120)
    names: dict[str, str] = Field(default_factory=dict, sa_type=JSON)
    # Free-text unit labels (e.g. ["1", "2"] for 1单元, 2单元); informative, not enforced.
    units: list[str] = Field(default_factory=list, sa_type=JSON)

    def label(self, locale: str) -> str:
        return localized(self.name, self.names, locale)

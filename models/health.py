"""Health self-reports. Kept minimal and time-limited (deleted after the retention period)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import JSON, Field, SQLModel

from models.base import UTCDateTime, utcnow


class HealthReport(SQLModel, table=True):
    # By area and time (/stats, the chart); by household and by person: when they were last heard from.
    __table_args__ = (sa.Index("ix_health_scope_time", "community_id", "grid_id", "created_at"),
                      sa.Index("ix_health_household_time", "household_id", "created_at"),
                      sa.Index("ix_health_person_time", "person_id", "created_at"))
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)  # whom the report is about
    reported_by_id: int | None = Field(default=None, foreign_key="person.id")  # who sent it (a relative, say)
    household_id: int | None = Field(default=None, foreign_key="household.id")
    community_id: int = Field(foreign_key="community.id")
    grid_id: int | None = Field(default=None, foreign_key="grid.id")
    temperature_c: float | None = Field(default=None)
    symptoms: list[str] = Field(default_factory=list, sa_type=JSON)
    test_result: str | None = Field(default=None, max_length=12)
    note: str | None = Field(default=None, max_length=500)
    abnormal: bool = Field(default=False)
    red_flag: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class Monitoring(SQLModel, table=True):
    """A person under home monitoring: reminded at fixed local times each day until `ends_at`.

    The plan (slot times, timezone, delays) is copied onto the row when monitoring starts, so changing the
    settings later does not change the promise made to this resident, and due work can act on the row alone.
    """

    __table_args__ = (sa.Index("ix_monitoring_active", "community_id", "status"),)
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    household_id: int = Field(foreign_key="household.id")
    community_id: int = Field(foreign_key="community.id")
    grid_id: int | None = Field(default=None, foreign_key="grid.id")
    reason: str = Field(max_length=300)
    days: int
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    slot_times: list[str] = Field(default_factory=list, sa_type=JSON)  # local "HH:MM"
    timezone: str = Field(max_length=64)
    early_minutes: int = Field(default=120)  # a report this long before a slot counts for it
    remind_again_minutes: int = Field(default=120)
    followup_minutes: int = Field(default=60)  # after the second reminder
    status: str = Field(default="active", max_length=10)  # active | ended | stopped
    created_by_id: int | None = Field(default=None, foreign_key="person.id")
    stopped_by_id: int | None = Field(default=None, foreign_key="person.id")
    stopped_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

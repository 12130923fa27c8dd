"""Health self-reports. Kept minimal and time-limited (deleted after the retention period)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import JSON, Field, SQLModel

from models.base import UTCDateTime, utcnow


class HealthReport(SQLModel, table=True):
    __table_args__ = (sa.Index("ix_health_scope_time", "community_id", "grid_id", "created_at"),)
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

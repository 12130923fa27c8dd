"""Exports asked for in the chat, built later by the due-work runner (a large one takes a while)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import JSON, Field, SQLModel

from models.base import UTCDateTime, utcnow


class GlanceDay(SQLModel, table=True):
    """One capability's figures of one past day for one area of the evening chart, kept once the day is over
    and its figures no longer change, so each evening counts only the last days instead of 14 days of rows."""
    __tablename__ = "glance_day"
    __table_args__ = (sa.UniqueConstraint("area_key", "section", "day", name="uq_glance_day"),)
    id: int | None = Field(default=None, primary_key=True)
    area_key: str = Field(max_length=200)  # `Area.key`
    section: str = Field(max_length=20)
    day: date
    values: dict[str, float | None] = Field(default_factory=dict, sa_type=JSON)  # series key -> the day's value
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ExportJob(SQLModel, table=True):
    """One `/export`: who asked, for which area, tables, range and format; its row counts once built."""
    __tablename__ = "export_job"
    id: int | None = Field(default=None, primary_key=True)
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    chat_id: int | None = Field(default=None, sa_type=sa.BigInteger)  # where the file goes (None: the command line)
    locale: str = Field(default="zh_Hans", max_length=8)
    community_id: int = Field(foreign_key="community.id")
    grid_ids: list[int] | None = Field(default=None, sa_type=JSON)  # None: the whole community
    building_id: int | None = Field(default=None, foreign_key="building.id")
    health: bool = Field(default=False)  # whether health data may be in it (the asker's roles)
    timezone: str = Field(max_length=64)  # the community's: the days of the range and the times in the file
    tables: list[str] = Field(default_factory=list, sa_type=JSON)
    since: datetime = Field(sa_type=UTCDateTime)  # the range [since, until)
    until: datetime = Field(sa_type=UTCDateTime)
    fmt: str = Field(default="xlsx", max_length=4)  # xlsx | csv
    status: str = Field(default="queued", max_length=8)  # queued | done | failed
    row_counts: dict[str, int] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

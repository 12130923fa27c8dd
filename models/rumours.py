"""The corrections library ("Is it true?"): authoritative entries, and the questions residents ask."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import JSON, Field, SQLModel

from models.base import UTCDateTime, utcnow

VERDICTS = ("false", "misleading", "true", "unverified")


class RumourEntry(SQLModel, table=True):
    """A claim (in one or more phrasings and languages), its verdict, the correction in plain words per
    language, and the authority it comes from. Scope: one community, or everyone (community_id None)."""

    __tablename__ = "rumour_entry"
    id: int | None = Field(default=None, primary_key=True)
    key: str | None = Field(default=None, max_length=60, unique=True)  # stable key of imported entries
    community_id: int | None = Field(default=None, foreign_key="community.id", index=True)
    verdict: str = Field(max_length=12)
    claims: dict[str, list[str]] = Field(default_factory=dict, sa_type=JSON)  # locale -> phrasings, as typed
    correction: dict[str, str] = Field(default_factory=dict, sa_type=JSON)  # locale -> words
    source_name: str = Field(max_length=200)
    source_url: str | None = Field(default=None, max_length=500)
    tags: list[str] = Field(default_factory=list, sa_type=JSON)
    status: str = Field(default="active", max_length=10, index=True)  # active | withdrawn
    created_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RumourQuestion(SQLModel, table=True):
    """What a resident asked, as they wrote it, and what it was answered with (or that it waits for staff)."""

    __tablename__ = "rumour_question"
    __table_args__ = (sa.Index("ix_rumour_question_open", "community_id", "status"),)
    id: int | None = Field(default=None, primary_key=True)
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    community_id: int | None = Field(default=None, foreign_key="community.id")
    text: str = Field(sa_type=sa.Text)
    entry_id: int | None = Field(default=None, foreign_key="rumour_entry.id")
    score: float | None = None
    status: str = Field(default="open", max_length=10)  # answered (at once) | open (waits for staff) | closed
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RumourWatch(SQLModel, table=True):
    """A bound group chat where the bot answers known false or misleading rumours (switched by its staff)."""

    __tablename__ = "rumour_watch"
    group_id: int = Field(foreign_key="groupchat.id", primary_key=True)
    on: bool = Field(default=False)
    changed_by_id: int | None = Field(default=None, foreign_key="person.id")
    changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RumourReply(SQLModel, table=True):
    """One correction posted in a group: at most once per entry, group and (local) day."""

    __tablename__ = "rumour_reply"
    __table_args__ = (sa.UniqueConstraint("group_id", "entry_id", "day", name="uq_rumour_reply_day"),)
    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="groupchat.id")
    entry_id: int = Field(foreign_key="rumour_entry.id")
    day: str = Field(max_length=10)  # the group's community's local date, YYYY-MM-DD
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RumourSubscriber(SQLModel, table=True):
    """A resident who asked for the weekly digest "this week's rumours, checked"."""

    __tablename__ = "rumour_subscriber"
    person_id: int = Field(foreign_key="person.id", primary_key=True)
    since: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

"""The outbox (every push goes through it), due work (anything that must happen later), and the
lease that lets exactly one process run the sender and the sweeps."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import JSON, Field, SQLModel

from models.base import UTCDateTime, utcnow

# Priorities: lower goes first.
URGENT = 0  # red-flag health alerts, red/orange public alerts
HIGH = 3  # task offers, escalations
ROUTINE = 5  # notices, reminders
LOW = 8  # summaries


class OutboxMessage(SQLModel, table=True):
    __table_args__ = (sa.Index("ix_outbox_queue", "status", "priority", "not_before", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_type=sa.BigInteger, index=True)
    person_id: int | None = Field(default=None, index=True)  # the recipient, when a person (for 403)
    method: str = Field(default="text", max_length=10)  # text | photo | document | edit
    edit_of: int | None = Field(default=None)  # for "edit": the outbox row whose message is edited
    text: str = Field(default="", sa_type=sa.Text)
    media: str | None = Field(default=None, max_length=300)  # file_id or URL for photo/document
    reply_markup: dict | None = Field(default=None, sa_type=JSON)
    priority: int = Field(default=ROUTINE)
    cause: str = Field(default="", max_length=64, index=True)  # e.g. "notice:12": progress is counted per cause
    valid_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    not_before: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # pending -> claimed (in the sender's memory) -> sending (request under way) -> sent
    # finals: sent | failed | blocked (403 / unreachable) | expired (past valid_until) | unknown (see docs)
    status: str = Field(default="pending", max_length=10)
    attempts: int = Field(default=0)
    last_error: str | None = Field(default=None, max_length=200)
    tg_message_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    claim: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class OutboxFile(SQLModel, table=True):
    """A file made by the bot (a chart, an export) that an outbox row sends: its `media` is `file:<id>`. Kept in
    the database with the row, so a restart between making it and sending it loses nothing."""
    __tablename__ = "outbox_file"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    data: bytes = Field(sa_type=sa.LargeBinary)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DueWork(SQLModel, table=True):
    __table_args__ = (sa.Index("ix_duework_queue", "status", "due_at"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)
    ref: str = Field(default="", max_length=120)  # what it is about, e.g. "person:5:slot:2026-03-01T08"
    # Natural key: the same piece of work is scheduled once, however often it is asked for.
    key: str | None = Field(default=None, max_length=200, unique=True)
    due_at: datetime = Field(sa_type=UTCDateTime)
    valid_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: str = Field(default="pending", max_length=10)  # pending | running | done | failed | expired
    attempts: int = Field(default=0)
    last_error: str | None = Field(default=None, max_length=200)
    claim: str | None = Field(default=None, max_length=32)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RunnerLease(SQLModel, table=True):
    name: str = Field(primary_key=True, max_length=40)
    holder: str = Field(max_length=64)
    expires_at: datetime = Field(sa_type=UTCDateTime)

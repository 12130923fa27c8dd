"""Someone to talk to: the urgent alerts raised when a resident may not be safe (only when and to whom)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow


class CrisisAlert(SQLModel, table=True):
    """A resident said they might not be safe: who was alerted and when (never what they wrote)."""

    __tablename__ = "crisis_alert"
    id: int | None = Field(default=None, primary_key=True)
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    community_id: int | None = Field(default=None, foreign_key="community.id")
    source: str = Field(max_length=10)  # button | words
    told: int = Field(default=0)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Screening(SQLModel, table=True):
    """A resident's PHQ-2 and GAD-2 scores (0-6 each) and when: nothing of the answers but the sums."""

    __tablename__ = "screening"
    id: int | None = Field(default=None, primary_key=True)
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    phq2: int
    gad2: int
    # Taken by a helper (volunteer, staff, doctor, counsellor, admin): the role it counts under in the anonymous
    # counts admins see; None for a resident.
    as_role: str | None = Field(default=None, max_length=12)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class HelperCheckOff(SQLModel, table=True):
    """A helper who asked not to be offered the monthly well-being check (no row: offered)."""

    __tablename__ = "helper_check_off"
    person_id: int = Field(foreign_key="person.id", primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SelfHelpText(SQLModel, table=True):
    """A community's own wording of one self-help text in one language, written by its counsellors or admins
    in the chat; it replaces the shipped text (bot/support/resources.yaml) for that community's residents.
    `topic` is a topic's key, or "breathing" (then `text` holds the steps, one per line)."""

    __tablename__ = "self_help_text"
    __table_args__ = (sa.UniqueConstraint("community_id", "topic", "locale", name="uq_self_help_text"),)
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    topic: str = Field(max_length=30)
    locale: str = Field(max_length=8)
    text: str = Field(max_length=4000)  # as typed
    updated_by_id: int | None = Field(default=None, foreign_key="person.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SupportRequest(SQLModel, table=True):
    """A confidential call-back from a counsellor, seen only by the counsellors of the resident's community."""

    __tablename__ = "support_request"
    id: int | None = Field(default=None, primary_key=True)
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    phq2: int
    gad2: int
    status: str = Field(default="open", max_length=8)  # open | claimed | closed
    claimed_by_id: int | None = Field(default=None, foreign_key="person.id")
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    outcome: str | None = Field(default=None, max_length=12)  # talked | unreached | referred
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

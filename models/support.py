"""Someone to talk to: the urgent alerts raised when a resident may not be safe (only when and to whom)."""

from __future__ import annotations

from datetime import datetime

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

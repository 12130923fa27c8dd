from __future__ import annotations

from datetime import datetime

from sqlmodel import JSON, Field, SQLModel

from models.base import UTCDateTime, utcnow


class AuditEntry(SQLModel, table=True):
    """Who read or exported personal data, and every role change. Detail holds ids, never personal data."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor_person_id: int | None = Field(default=None, index=True)
    action: str = Field(max_length=40)
    subject_person_id: int | None = Field(default=None, index=True)
    detail: dict = Field(default_factory=dict, sa_type=JSON)

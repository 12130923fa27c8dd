"""The register of vulnerable residents: households staff grade (1-3) with the reasons, each with someone
responsible for them, watched so that nobody goes unheard for long."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import JSON, Field, SQLModel

from models.base import UTCDateTime, utcnow


class VulnerableEntry(SQLModel, table=True):
    __tablename__ = "vulnerable_entry"
    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="household.id", unique=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    grid_id: int | None = Field(default=None, foreign_key="grid.id")
    grade: int = Field(default=2)  # 1 highest need .. 3
    reasons: list[str] = Field(default_factory=list, sa_type=JSON)  # codes (bot/vulnerable/rules.REASONS)
    note: str | None = Field(default=None, max_length=300)  # staff's, as typed
    # Who keeps in touch (a grid worker, a building leader, a paired volunteer); None: the grid's volunteers.
    responsible_id: int | None = Field(default=None, foreign_key="person.id")
    # The last visit-or-call task booked because nobody had heard from them (one open at a time).
    task_id: int | None = Field(default=None, foreign_key="task.id")
    set_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

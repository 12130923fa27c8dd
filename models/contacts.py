"""A community's public contacts: the committee's duty phone, the grid worker's and the community doctor's
work numbers, office hours, the nearest clinic — kept by staff, shown to residents."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow


class Contact(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    grid_id: int | None = Field(default=None, foreign_key="grid.id")  # None: the whole community's
    label: str = Field(max_length=60)  # as typed: "居委会值班电话", "Grid 1 worker Ms Lin"
    phone: str | None = Field(default=None, max_length=32)  # E.164
    note: str | None = Field(default=None, max_length=100)  # as typed: office hours, an address
    updated_by_id: int | None = Field(default=None, foreign_key="person.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

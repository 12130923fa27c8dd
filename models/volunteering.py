"""Applications to volunteer: anyone may apply; only a staff member of the scope makes them a volunteer."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import JSON, Field, SQLModel

from models.base import UTCDateTime, utcnow


class VolunteerApplication(SQLModel, table=True):
    __tablename__ = "volunteer_application"
    id: int | None = Field(default=None, primary_key=True)
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)  # None once erased
    community_id: int = Field(foreign_key="community.id", index=True)
    grid_id: int | None = Field(default=None, foreign_key="grid.id")
    building_id: int | None = Field(default=None, foreign_key="building.id")
    name: str | None = Field(default=None, max_length=64)  # as typed
    phone: str | None = Field(default=None, max_length=32)  # E.164
    skills: list[str] = Field(default_factory=list, sa_type=JSON)
    languages: list[str] = Field(default_factory=list, sa_type=JSON)
    availability: list[str] = Field(default_factory=list, sa_type=JSON)
    status: str = Field(default="pending", max_length=10)  # pending | approved | declined
    decided_by_id: int | None = Field(default=None, foreign_key="person.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class BuildingLeader(SQLModel, table=True):
    """A resident responsible for one building (楼栋长), appointed by staff: sees the building's reach and its
    vulnerable households (names and units, no health data) and is offered its door-knocks and checks first."""

    __tablename__ = "building_leader"
    id: int | None = Field(default=None, primary_key=True)
    building_id: int = Field(foreign_key="building.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    appointed_by_id: int | None = Field(default=None, foreign_key="person.id")
    appointed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class VolunteerRecord(SQLModel, table=True):
    """What staff record on a volunteer's profile: a training, a certificate (with its date), protective
    equipment handed over."""

    __tablename__ = "volunteer_record"
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    kind: str = Field(max_length=12)  # training | certificate | ppe
    what: str = Field(max_length=100)  # as typed
    day: date
    recorded_by_id: int | None = Field(default=None, foreign_key="person.id")
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

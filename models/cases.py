"""Cases: something reported that staff handle until it is closed and those who reported it are satisfied.
Generic (a hazard now; feedback and complaints later reuse it): a status, the people who follow it, and the
history of what was done."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import JSON, Field, SQLModel

from models.base import UTCDateTime, utcnow

CASE_PREFIXES = {"hazard": "H", "feedback": "F"}
OPEN_STATUSES = ("new", "acknowledged", "in_progress", "resolved")  # resolved: waiting for "Is it fixed?"
CLOSED_STATUSES = ("closed", "rejected")


class Case(SQLModel, table=True):
    __tablename__ = "cases"  # "case" is an SQL keyword
    __table_args__ = (sa.Index("ix_case_scope", "community_id", "status"),
                      sa.Index("ix_case_match", "community_id", "kind", "category", "status"))
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=12)  # hazard | feedback
    category: str = Field(max_length=20)
    community_id: int = Field(foreign_key="community.id")
    grid_id: int | None = Field(default=None, foreign_key="grid.id", index=True)
    # Where: a building of the community, a point, or words as typed (one or more of them).
    building_id: int | None = Field(default=None, foreign_key="building.id")
    latitude: float | None = None
    longitude: float | None = None
    place_text: str | None = Field(default=None, max_length=200)
    urgent: bool = Field(default=False)
    # People who must never see it or be told of it (whom a complaint is about); None: nobody.
    hidden_from: list[int] | None = Field(default=None, sa_type=JSON)
    # new -> acknowledged -> in_progress -> resolved -> closed (fixed, or nobody said otherwise in time);
    # resolved -> in_progress again when someone says it is not fixed; rejected (with a reason) from any open one.
    status: str = Field(default="new", max_length=12, index=True)
    assignee_id: int | None = Field(default=None, foreign_key="person.id")
    task_id: int | None = Field(default=None, foreign_key="task.id")  # field work asked of a volunteer
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolution: str | None = Field(default=None, max_length=500)  # what staff say they did, as typed
    resolution_photo: str | None = Field(default=None, max_length=300)  # Telegram file_id
    reject_reason: str | None = Field(default=None, max_length=300)
    reopened: int = Field(default=0)  # times someone said "not fixed"
    escalated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # not acknowledged in time
    overdue_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # not resolved in time
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def ref(self) -> str:
        return f"{CASE_PREFIXES.get(self.kind, 'C')}-{self.id:04d}"


class CaseFollower(SQLModel, table=True):
    """Someone who reported the case (the first, or a neighbour who reported the same) and is told about it."""

    __tablename__ = "case_follower"
    __table_args__ = (sa.UniqueConstraint("case_id", "person_id", name="uq_case_follower"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)  # None once erased
    anonymous: bool = Field(default=False)  # never shown to staff or volunteers, never exported
    first: bool = Field(default=False)  # the one who opened the case
    # After "resolved": yes | no | (no answer in time) timeout; cleared when the case is reopened.
    fixed: str | None = Field(default=None, max_length=8)
    joined_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CaseEvent(SQLModel, table=True):
    """The case's history: every report, join and staff action, with the words and photos that came with it."""

    __tablename__ = "case_event"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    action: str = Field(max_length=16)  # reported | joined | acknowledged | in_progress | resolved | rejected |
    #                                     not_fixed | closed | escalated | overdue
    actor_id: int | None = Field(default=None, foreign_key="person.id")  # staff; None for residents' events
    follower_id: int | None = Field(default=None, foreign_key="case_follower.id")  # residents' events
    note: str | None = Field(default=None, sa_type=sa.Text)  # as typed
    photos: list[str] = Field(default_factory=list, sa_type=JSON)  # Telegram file_ids
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CaseAlert(SQLModel, table=True):
    """A staff member's message about a new case, kept so that the first one to take it updates the others'."""

    __tablename__ = "case_alert"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    outbox_id: int = Field()

"""Volunteer work. One task model for every kind (supply delivery now; follow-up calls, door-knocks and
visits later): offering, claiming, releasing, escalation and "my tasks" are built once on it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import JSON, Field, SQLModel

from models.base import UTCDateTime, utcnow


@dataclass(frozen=True)
class TaskKind:
    """What sets one kind of task apart; the engine (dispatch, escalation, /tasks, the step buttons) asks this
    instead of testing kinds by name. A capability that adds a kind adds it here."""

    code: str
    prefix: str  # of its reference: S-0012
    roles: tuple[str, ...]  # who is offered it and may take it
    closes_by: str  # "delivery" (picked up, delivered, confirmed), "resolve" (one press), "outcome" (a call or visit)
    reminders_after_claim: bool = False  # booked when someone takes it: not yet picked up, stuck


TASK_KINDS: dict[str, TaskKind] = {k.code: k for k in (
    TaskKind("supply", "S", ("volunteer", "staff"), "delivery", reminders_after_claim=True),
    TaskKind("followup", "F", ("doctor", "staff", "admin"), "resolve"),  # after an abnormal health report
    TaskKind("checkin", "C", ("volunteer", "doctor", "staff", "admin"), "outcome"),  # a silent monitored resident
    TaskKind("doorknock", "D", ("volunteer", "staff"), "outcome"),  # care needs, red alert not acknowledged
    TaskKind("casework", "W", ("volunteer", "staff"), "resolve"),  # field work on a case: clear the stairwell
    TaskKind("survey", "Q", ("volunteer", "staff"), "outcome"),  # a household that did not answer: call, then visit
    TaskKind("visit", "V", ("volunteer", "staff"), "outcome"),  # a vulnerable household nobody has heard from
)}
UNKNOWN_KIND = TaskKind("?", "T", ("volunteer", "staff"), "delivery")


def task_kind(code: str) -> TaskKind:
    return TASK_KINDS.get(code, UNKNOWN_KIND)


class Task(SQLModel, table=True):
    __table_args__ = (sa.Index("ix_task_open", "community_id", "status", "priority"),
                      sa.Index("ix_task_household", "household_id"))
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)  # supply | followup | checkin | doorknock | visit
    community_id: int = Field(foreign_key="community.id", index=True)
    grid_id: int | None = Field(default=None, foreign_key="grid.id", index=True)
    household_id: int | None = Field(default=None, foreign_key="household.id")
    subject_person_id: int | None = Field(default=None, foreign_key="person.id")  # whom it is for
    skill: str = Field(max_length=20)  # the volunteer skill it needs
    urgency: str = Field(default="normal", max_length=10)  # normal | today | urgent
    priority: int = Field(default=4)  # lower first (see services.dispatch.task_priority)
    # open -> claimed -> picked_up -> delivered -> confirmed ; cancelled from open/claimed/picked_up
    status: str = Field(default="open", max_length=12, index=True)
    claimed_by_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    picked_up_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    close_reason: str | None = Field(default=None, max_length=300)
    # How a check-in call ended: reached | unreached | escalated | reported (the resident reported meanwhile)
    outcome: str | None = Field(default=None, max_length=12)
    # For check-ins: the monitoring slot since which the person has been silent
    silent_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    releases: int = Field(default=0)
    escalated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def ref(self) -> str:
        return f"{task_kind(self.kind).prefix}-{self.id:04d}"


class SupplyRequest(SQLModel, table=True):
    __table_args__ = (sa.Index("ix_supply_household_time", "household_id", "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", unique=True)
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)  # who asked
    household_id: int | None = Field(default=None, foreign_key="household.id")
    category: str = Field(max_length=20)
    items: list[dict] = Field(default_factory=list, sa_type=JSON)  # [{"name": "rice", "qty": 2}]
    deliver_building_id: int = Field(foreign_key="building.id")
    deliver_unit: str = Field(max_length=32)
    note: str | None = Field(default=None, max_length=500)
    from_stock: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class VolunteerProfile(SQLModel, table=True):
    person_id: int = Field(foreign_key="person.id", primary_key=True)
    grid_ids: list[int] = Field(default_factory=list, sa_type=JSON)
    skills: list[str] = Field(default_factory=list, sa_type=JSON)
    on_duty: bool = Field(default=False)
    max_tasks: int = Field(default=3)
    # Rest limits: dispatch offers nothing more once reached, and suggests rest.
    max_per_day: int = Field(default=8)  # tasks taken in the last 24 hours
    max_hours_week: int = Field(default=40)  # hours from taking to finishing tasks in the last 7 days
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TaskOffer(SQLModel, table=True):
    """A task pushed to one volunteer; kept so the offer can be withdrawn when someone else claims."""

    __table_args__ = (sa.UniqueConstraint("task_id", "volunteer_id", name="uq_offer_task_volunteer"),)
    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    volunteer_id: int = Field(foreign_key="person.id", index=True)
    outbox_id: int | None = Field(default=None)  # the message carrying the Claim button
    status: str = Field(default="offered", max_length=12)  # offered | claimed | taken | withdrawn
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class StockItem(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("community_id", "name", name="uq_stock_item"),)
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    name: str = Field(max_length=60)
    quantity: int = Field(default=0)
    low_threshold: int = Field(default=0)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

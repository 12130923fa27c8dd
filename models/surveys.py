"""Surveys: short questionnaires staff send to an audience, answered once per household or per person, with
non-responding households followed up by volunteers after the deadline."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import JSON, Field, SQLModel

from models.base import UTCDateTime, utcnow

QUESTION_KINDS = ("single", "multi", "scale", "text")


class Survey(SQLModel, table=True):
    __table_args__ = (sa.Index("ix_survey_community_status", "community_id", "status"),)
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id")
    title: str = Field(max_length=120)  # as typed (a template's: its key's words, in each reader's language)
    template: str | None = Field(default=None, max_length=30)  # a shipped template: its words are translated
    # Who is asked: {"kind": "community" | "grids" | "buildings" | "care", "ids": [...]} (grid or building ids).
    audience: dict = Field(default_factory=dict, sa_type=JSON)
    per: str = Field(default="household", max_length=10)  # household | person: one answer each
    status: str = Field(default="open", max_length=8)  # open | closed
    deadline: datetime = Field(sa_type=UTCDateTime)
    created_by_id: int | None = Field(default=None, foreign_key="person.id")
    asked: int = Field(default=0)  # households (or people) in the audience when it was sent
    followed_up: int = Field(default=0)  # households handed to volunteers after the deadline
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def ref(self) -> str:
        return f"Q-{self.id:04d}"


class SurveyQuestion(SQLModel, table=True):
    __tablename__ = "survey_question"
    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", index=True)
    position: int
    kind: str = Field(max_length=8)  # single | multi | scale (1-5) | text
    text: str = Field(max_length=300)  # as typed (a template's: a msgid)
    options: list[str] = Field(default_factory=list, sa_type=JSON)  # as typed, for single and multi


class SurveyResponse(SQLModel, table=True):
    """One answer per household or per person (`unit`: "h:<household id>" or "p:<person id>"), whoever gave it:
    the resident, a relative, or a volunteer on a follow-up call or visit."""

    __tablename__ = "survey_response"
    __table_args__ = (sa.UniqueConstraint("survey_id", "unit", name="uq_survey_response_unit"),)
    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", index=True)
    unit: str = Field(max_length=24)
    household_id: int | None = Field(default=None, foreign_key="household.id")
    building_id: int | None = Field(default=None, foreign_key="building.id")
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)  # who answered; None erased
    by_volunteer: bool = Field(default=False)
    # {question id (as text): an option's index | [indexes] | 1-5 | words as typed}
    answers: dict = Field(default_factory=dict, sa_type=JSON)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SurveyFollowup(SQLModel, table=True):
    """A non-responding household handed to a volunteer: one open task per household, however many surveys
    it has not answered, so it is asked once and not by three teams."""

    __tablename__ = "survey_followup"
    __table_args__ = (sa.UniqueConstraint("survey_id", "household_id", name="uq_survey_followup"),)
    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", index=True)
    household_id: int = Field(foreign_key="household.id")
    task_id: int = Field(foreign_key="task.id", index=True)

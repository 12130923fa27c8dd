"""Surveys, Telegram-free: composing one (questions, audience, one answer per household or per person, a
deadline), who is asked, answering once, the results per building, and after the deadline the households that
did not answer (those with nobody on Telegram included) handed to volunteers: one open task per household,
however many surveys it has not answered.

The audience is a notice's (`bot.notices.rules.Audience`: the sender's area, chosen grids or buildings, only
households with care needs), checked against the sender's scope the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.kernel.errors import DomainError, PermissionDenied
from bot.kernel.permissions import Actor
from bot.kernel.personal_data import PersonalData, iso
from bot.kernel.text import clean_line
from bot.notices import rules as notices
from bot.platform.i18n import N_
from models import Building, Community, Household, Person, Task
from models.people import reachable as reachable_now
from models.surveys import QUESTION_KINDS, Survey, SurveyFollowup, SurveyQuestion, SurveyResponse

MAX_QUESTIONS = 10
TITLE_MAX = 120
QUESTION_MAX = 300
OPTION_MAX = 40
OPTIONS_MIN, OPTIONS_MAX = 2, 8
ANSWER_MAX = 500  # a short-text answer, as typed
SCALE = (1, 2, 3, 4, 5)
PER = ("household", "person")
DEADLINE_DAYS = (1, 3, 7)

# The survey after the emergency, shipped as a template: its words are msgids, read in each reader's language.
TEMPLATES: dict[str, dict] = {
    "after_emergency": {
        "title": N_("How did the community handle the emergency?"),
        "questions": [
            {"kind": "scale", "text": N_("Overall, how well did the community handle the emergency? (1 = very "
                                         "badly, 5 = very well)"), "options": []},
            {"kind": "scale", "text": N_("Did you get the information you needed, in time? (1 = never, 5 = "
                                         "always)"), "options": []},
            {"kind": "scale", "text": N_("When you asked for help, did it come? (1 = never, 5 = always)"),
             "options": []},
            {"kind": "text", "text": N_("What should we do better next time?"), "options": []},
        ],
    },
}


def may_run_surveys(actor: Actor) -> bool:
    """Staff, doctors and admins: the same people who send notices to their area."""
    return actor.superadmin or actor.has_role(*notices.SENDER_ROLES)


def clean_title(text: str | None) -> str:
    return clean_line(text, max_len=TITLE_MAX, code="title")


def clean_question(text: str | None) -> str:
    return clean_line(text, max_len=QUESTION_MAX, code="survey_question")


def clean_options(text: str | None) -> list[str]:
    """Choices typed one per line (or separated by ；/ ; / 、), each as typed and trimmed; 2 to 8, none twice."""
    parts = [p.strip() for p in re.split(r"[\n;；、]", text or "") if p.strip()]
    if len(parts) < OPTIONS_MIN:
        raise DomainError("options_few", min=OPTIONS_MIN)
    if len(parts) > OPTIONS_MAX:
        raise DomainError("options_many", max=OPTIONS_MAX)
    if any(len(p) > OPTION_MAX for p in parts):
        raise DomainError("option_too_long", max=OPTION_MAX)
    if len({p.casefold() for p in parts}) != len(parts):
        raise DomainError("options_twice")
    return parts


def clean_text_answer(text: str | None) -> str:
    return clean_line(text, max_len=ANSWER_MAX, code="answer")


@dataclass
class Draft:
    """A survey being composed (kept in the conversation until it is sent)."""

    title: str = ""
    questions: list[dict] = field(default_factory=list)  # {"kind", "text", "options"}
    template: str | None = None
    grids: list[int] = field(default_factory=list)
    buildings: list[int] = field(default_factory=list)
    care_only: bool = False
    per: str = "household"

    def to_json(self) -> dict:
        return {"title": self.title, "questions": self.questions, "template": self.template, "grids": self.grids,
                "buildings": self.buildings, "care_only": self.care_only, "per": self.per}

    @classmethod
    def from_json(cls, d: dict) -> Draft:
        return cls(title=d.get("title", ""), questions=list(d.get("questions", [])), template=d.get("template"),
                   grids=list(d.get("grids", [])), buildings=list(d.get("buildings", [])),
                   care_only=bool(d.get("care_only")), per=d.get("per", "household"))

    @classmethod
    def from_template(cls, key: str) -> Draft:
        t = TEMPLATES.get(key)
        if t is None:
            raise DomainError("bad_step")
        return cls(title=t["title"], questions=[dict(q) for q in t["questions"]], template=key)

    def add(self, kind: str, text: str, options: list[str] | None = None) -> None:
        if kind not in QUESTION_KINDS:
            raise DomainError("bad_step")
        if len(self.questions) >= MAX_QUESTIONS:
            raise DomainError("questions_many", max=MAX_QUESTIONS)
        if kind in ("single", "multi") and not options:
            raise DomainError("options_few", min=OPTIONS_MIN)
        self.questions.append({"kind": kind, "text": text, "options": list(options or [])})

    def audience(self) -> notices.Audience:
        return notices.Audience(grids=list(self.grids), buildings=list(self.buildings), residents=True,
                                care_only=self.care_only, roles=[], groups=False)


async def sender_community(session: AsyncSession, actor: Actor) -> Community:
    return await notices.sender_community(session, actor)


async def households_in(session: AsyncSession, community_id: int, audience: notices.Audience) -> list[Household]:
    """Every household of the audience, those with nobody on Telegram too (they are asked by a volunteer)."""
    rows = (await session.exec(select(Household, Building).join(Building, Building.id == Household.building_id)
                               .where(Building.community_id == community_id).order_by(Household.id))).all()
    return [h for h, b in rows if notices.covers(audience, b, h.care_needs)]


async def reachable(session: AsyncSession, households: list[Household]) -> list[Person]:
    """The registered people of these households who can be reached on Telegram."""
    if not households:
        return []
    return list((await session.exec(select(Person).where(
        Person.household_id.in_([h.id for h in households]), reachable_now()).order_by(Person.id))).all())


@dataclass
class Preview:
    households: int
    reachable_households: int
    people: int

    @property
    def unreached(self) -> int:
        return self.households - self.reachable_households


async def preview(session: AsyncSession, actor: Actor, draft: Draft) -> Preview:
    community = await sender_community(session, actor)
    audience = await notices.check_audience(session, actor, community.id, draft.audience())
    households = await households_in(session, community.id, audience)
    people = await reachable(session, households)
    return Preview(len(households), len({p.household_id for p in people}), len(people))


@dataclass
class Sent:
    survey: Survey
    people: list[Person]
    households: int


async def create(session: AsyncSession, actor: Actor, draft: Draft, deadline: datetime, now: datetime) -> Sent:
    """The survey, its questions, and whom it goes to (checked against the sender's scope: never trusted)."""
    if not draft.title or not draft.questions:
        raise DomainError("survey_empty")
    if draft.per not in PER:
        raise DomainError("bad_step")
    if deadline <= now:
        raise DomainError("when_past")
    community = await sender_community(session, actor)
    audience = await notices.check_audience(session, actor, community.id, draft.audience())
    households = await households_in(session, community.id, audience)
    if not households:
        raise DomainError("survey_nobody")
    survey = Survey(community_id=community.id, title=draft.title, template=draft.template,
                    audience=audience.to_json(), per=draft.per, deadline=deadline, created_by_id=actor.person_id,
                    created_at=now)
    session.add(survey)
    await session.flush()
    for i, q in enumerate(draft.questions):
        session.add(SurveyQuestion(survey_id=survey.id, position=i, kind=q["kind"], text=q["text"],
                                   options=list(q.get("options") or [])))
    people = await reachable(session, households)
    survey.asked = len(households) if draft.per == "household" else len(people)
    return Sent(survey, people, len(households))


async def questions(session: AsyncSession, survey_id: int) -> list[SurveyQuestion]:
    return list((await session.exec(select(SurveyQuestion).where(SurveyQuestion.survey_id == survey_id)
                                    .order_by(SurveyQuestion.position))).all())


# ---- answering ----------------------------------------------------------------------------------------------

def unit_of(survey: Survey, household_id: int | None, person_id: int | None) -> str:
    return f"h:{household_id}" if survey.per == "household" else f"p:{person_id}"


async def _in_audience(session: AsyncSession, survey: Survey, household_id: int | None) -> Household:
    household = await session.get(Household, household_id) if household_id else None
    building = await session.get(Building, household.building_id) if household else None
    if household is None or building is None or building.community_id != survey.community_id or \
            not notices.covers(notices.Audience.from_json(survey.audience), building, household.care_needs):
        raise DomainError("survey_not_for_you")
    return household


async def may_volunteer_answer(session: AsyncSession, person: Person, survey_id: int, household_id: int) -> bool:
    """A volunteer answers for a household only while they hold (or just closed, reached) its follow-up task."""
    row = (await session.exec(select(Task).join(SurveyFollowup, SurveyFollowup.task_id == Task.id).where(
        SurveyFollowup.survey_id == survey_id, SurveyFollowup.household_id == household_id,
        Task.claimed_by_id == person.id))).first()
    return row is not None and (row.status in ("claimed", "picked_up") or row.outcome == "reached")


@dataclass
class Answering:
    survey: Survey
    household_id: int | None
    by_volunteer: bool


async def open_for(session: AsyncSession, person: Person | None, survey_id: int, now: datetime, *,
                   for_household: int | None = None) -> Answering:
    """May this person answer this survey now (for their own household, or as the volunteer following up a
    household), and has it not been answered yet?"""
    survey = await session.get(Survey, survey_id)
    if survey is None or person is None:
        raise DomainError("not_found")
    if for_household is None and (survey.status != "open" or now >= survey.deadline):
        raise DomainError("survey_closed")  # a volunteer's follow-up comes after the deadline, by design
    if for_household is not None:
        if not await may_volunteer_answer(session, person, survey.id, for_household):
            raise PermissionDenied()
        household = await _in_audience(session, survey, for_household)
        unit, by_volunteer = f"h:{household.id}", True  # a follow-up asks the household, whatever `per` says
    else:
        household = await _in_audience(session, survey, person.household_id)
        unit, by_volunteer = unit_of(survey, household.id, person.id), False
    if (await session.exec(select(SurveyResponse.id).where(SurveyResponse.survey_id == survey.id,
                                                          SurveyResponse.unit == unit))).first() is not None:
        raise DomainError("survey_answered_household" if unit.startswith("h:") and not by_volunteer
                          and survey.per == "household" else "survey_answered")
    return Answering(survey, household.id, by_volunteer)


def check_answer(question: SurveyQuestion, value: object) -> object:
    """An answer that fits its question (callback data and typed words are never trusted)."""
    if question.kind == "single":
        if not isinstance(value, int) or not 0 <= value < len(question.options):
            raise DomainError("bad_step")
    elif question.kind == "multi":
        if not isinstance(value, list) or not value or any(
                not isinstance(v, int) or not 0 <= v < len(question.options) for v in value):
            raise DomainError("answer_choose")
        value = sorted(set(value))
    elif question.kind == "scale":
        if value not in SCALE:
            raise DomainError("bad_step")
    elif value is not None:  # text: optional
        value = clean_text_answer(str(value))
    return value


async def submit(session: AsyncSession, person: Person, survey_id: int, answers: dict, now: datetime, *,
                 for_household: int | None = None) -> SurveyResponse:
    """Stored once: a second answer for the same household (or person) is refused, even at the same instant (a
    unique key), and nothing of the first is changed."""
    a = await open_for(session, person, survey_id, now, for_household=for_household)
    qs = await questions(session, survey_id)
    clean: dict[str, object] = {}
    for q in qs:
        value = answers.get(str(q.id))
        if value is None and q.kind != "text":
            raise DomainError("answer_missing")
        clean[str(q.id)] = check_answer(q, value)
    household = await session.get(Household, a.household_id)
    unit = f"h:{a.household_id}" if a.by_volunteer else unit_of(a.survey, a.household_id, person.id)
    response = SurveyResponse(survey_id=survey_id, unit=unit, household_id=a.household_id,
                              building_id=household.building_id if household else None, person_id=person.id,
                              by_volunteer=a.by_volunteer, answers=clean, at=now)
    try:
        async with session.begin_nested():
            session.add(response)
            await session.flush()
    except IntegrityError:
        raise DomainError("survey_answered") from None
    return response


# ---- results ------------------------------------------------------------------------------------------------

async def managed(session: AsyncSession, actor: Actor, survey_id: int) -> Survey:
    """A survey the actor may see the results of: staff whose area covers its community."""
    survey = await session.get(Survey, survey_id)
    if survey is None:
        raise DomainError("not_found")
    if not (actor.superadmin or actor.covering(notices.SENDER_ROLES, survey.community_id, None)
            or any(s.community_id == survey.community_id for s in actor.scopes_for(notices.SENDER_ROLES))):
        raise PermissionDenied()
    return survey


async def in_scope(session: AsyncSession, actor: Actor, limit: int = 10) -> list[Survey]:
    ids = {s.community_id for s in actor.scopes_for(notices.SENDER_ROLES)}
    q = select(Survey).order_by(Survey.id.desc()).limit(limit)
    if not actor.superadmin:
        q = q.where(Survey.community_id.in_(ids or {-1}))
    return list((await session.exec(q)).all())


@dataclass
class BuildingRow:
    building: Building
    asked: int = 0  # households in the audience
    answered: int = 0  # households (or people) who answered
    scale_sums: dict[int, int] = field(default_factory=dict)  # question id -> sum of 1-5 answers
    scale_counts: dict[int, int] = field(default_factory=dict)

    @property
    def rate(self) -> float | None:
        return self.answered / self.asked if self.asked else None

    def mean(self, question_id: int) -> float | None:
        n = self.scale_counts.get(question_id, 0)
        return self.scale_sums.get(question_id, 0) / n if n else None


@dataclass
class Results:
    survey: Survey
    questions: list[SurveyQuestion]
    rows: list[BuildingRow]  # the buildings of the actor's area the survey went to, in order
    responses: list[SurveyResponse]
    choice_counts: dict[int, list[int]]  # question id -> count per option


async def results(session: AsyncSession, actor: Actor, survey_id: int) -> Results:
    """Per building of the actor's area: households asked, answers, the mean of each 1-5 question; and the
    count of each choice — from the responses in that area only."""
    survey = await managed(session, actor, survey_id)
    qs = await questions(session, survey.id)
    audience = notices.Audience.from_json(survey.audience)
    area = {b.id: b for b in await notices.area_buildings(session, actor, survey.community_id)}
    households = [h for h in await households_in(session, survey.community_id, audience) if h.building_id in area]
    rows: dict[int, BuildingRow] = {}
    for h in households:
        rows.setdefault(h.building_id, BuildingRow(area[h.building_id])).asked += 1
    responses = [r for r in (await session.exec(select(SurveyResponse).where(SurveyResponse.survey_id == survey.id)
                                                .order_by(SurveyResponse.id))).all() if r.building_id in area]
    choice_counts = {q.id: [0] * len(q.options) for q in qs if q.kind in ("single", "multi")}
    for r in responses:
        row = rows.setdefault(r.building_id, BuildingRow(area[r.building_id]))
        row.answered += 1
        for q in qs:
            v = r.answers.get(str(q.id))
            if q.kind == "scale" and isinstance(v, int):
                row.scale_sums[q.id] = row.scale_sums.get(q.id, 0) + v
                row.scale_counts[q.id] = row.scale_counts.get(q.id, 0) + 1
            elif q.kind == "single" and isinstance(v, int) and v < len(q.options):
                choice_counts[q.id][v] += 1
            elif q.kind == "multi" and isinstance(v, list):
                for i in v:
                    if isinstance(i, int) and i < len(q.options):
                        choice_counts[q.id][i] += 1
    ordered = sorted(rows.values(), key=lambda r: (r.building.grid_id, r.building.id))
    return Results(survey, qs, ordered, responses, choice_counts)


# ---- after the deadline -------------------------------------------------------------------------------------

async def non_responders(session: AsyncSession, survey: Survey) -> list[Household]:
    """The audience's households with no answer (per person: with nobody of them answering), those with nobody
    on Telegram included."""
    answered = set((await session.exec(select(SurveyResponse.household_id).where(
        SurveyResponse.survey_id == survey.id))).all())
    return [h for h in await households_in(session, survey.community_id, notices.Audience.from_json(survey.audience))
            if h.id not in answered]


@dataclass
class Closed:
    survey: Survey
    new_tasks: list[Task]  # one per household without an open follow-up yet
    joined: int  # households whose open follow-up task now asks this survey too


async def close(session: AsyncSession, survey_id: int, now: datetime) -> Closed | None:
    """The deadline: closed; each household that did not answer gets a follow-up (call, then visit) through
    the volunteer-task engine — joined to the open one it already has, so it is asked once."""
    survey = await session.get(Survey, survey_id)
    if survey is None or survey.status != "open":
        return None
    survey.status, survey.closed_at = "closed", now
    new_tasks, joined = [], 0
    for h in await non_responders(session, survey):
        building = await session.get(Building, h.building_id)
        task = (await session.exec(select(Task).join(SurveyFollowup, SurveyFollowup.task_id == Task.id).where(
            SurveyFollowup.household_id == h.id, Task.kind == "survey",
            Task.status.in_(("open", "claimed", "picked_up"))))).first()
        if task is None:
            task = Task(kind="survey", community_id=survey.community_id, grid_id=building.grid_id,
                        household_id=h.id, skill="", urgency="normal", priority=4, created_at=now)
            session.add(task)
            await session.flush()
            new_tasks.append(task)
        else:
            joined += 1
        session.add(SurveyFollowup(survey_id=survey.id, household_id=h.id, task_id=task.id))
    survey.followed_up = len(new_tasks) + joined
    return Closed(survey, new_tasks, joined)


async def surveys_of_task(session: AsyncSession, task_id: int) -> list[Survey]:
    return list((await session.exec(select(Survey).join(SurveyFollowup, SurveyFollowup.survey_id == Survey.id)
                                    .where(SurveyFollowup.task_id == task_id).order_by(Survey.id))).all())


def deadline_in(days: int, now: datetime) -> datetime:
    if days not in DEADLINE_DAYS:
        raise DomainError("bad_step")
    return now + timedelta(days=days)


# ---- a person's data ----------------------------------------------------------------------------------------

async def _export(session: AsyncSession, person: Person, data: dict) -> None:
    rows = (await session.exec(select(SurveyResponse, Survey).join(Survey, Survey.id == SurveyResponse.survey_id)
                               .where(SurveyResponse.person_id == person.id).order_by(SurveyResponse.id))).all()
    data["survey_answers"] = [{"survey": s.ref, "title": s.title, "at": iso(r.at), "answers": r.answers}
                              for r, s in rows]


async def _erase(session: AsyncSession, person_ids: list[int], now: datetime) -> None:
    """A deleted person's answers stay counted without them: unlinked, and what they wrote in words (which
    could name them) removed; their choices and 1-5 scores remain in the figures."""
    for r in (await session.exec(select(SurveyResponse).where(SurveyResponse.person_id.in_(person_ids)))).all():
        r.person_id = None
        r.answers = {k: v for k, v in r.answers.items() if not isinstance(v, str)}


async def _forget_household(session: AsyncSession, household_id: int) -> None:
    """Answers keep their figures without pointing at the address; follow-ups of it are dropped."""
    await session.exec(update(SurveyResponse).where(SurveyResponse.household_id == household_id)
                       .values(household_id=None))
    for f in (await session.exec(select(SurveyFollowup).where(SurveyFollowup.household_id == household_id))).all():
        await session.delete(f)


async def _move_household(session: AsyncSession, old: int, new: int) -> None:
    """Two households merged: the answers follow (one per household: where both answered a survey, the one kept is
    the other's); a follow-up the other one already has for a survey is kept once."""
    answered = set((await session.exec(select(SurveyResponse.survey_id).where(
        SurveyResponse.household_id == new, SurveyResponse.unit == f"h:{new}"))).all())
    for r in (await session.exec(select(SurveyResponse).where(SurveyResponse.household_id == old))).all():
        if r.unit == f"h:{old}" and r.survey_id in answered:
            await session.delete(r)
            continue
        r.household_id = new
        if r.unit == f"h:{old}":
            r.unit = f"h:{new}"
    kept = set((await session.exec(select(SurveyFollowup.survey_id).where(SurveyFollowup.household_id == new))).all())
    for f in (await session.exec(select(SurveyFollowup).where(SurveyFollowup.household_id == old))).all():
        if f.survey_id in kept:
            await session.delete(f)
        else:
            f.household_id = new


PERSONAL_DATA = PersonalData(export=_export, erase=_erase, forget_household=_forget_household,
                             move_household=_move_household)

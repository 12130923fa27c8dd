"""The words of surveys: the invitation each resident reads in their language, the follow-up task for
volunteers, the question kinds, and the refusals. A template's title and questions are msgids, read in each
reader's language; a survey staff wrote is shown as typed."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.kernel.structure import place_of
from bot.platform.clock import local_date, local_time
from bot.platform.delivery.outbox import Recipient, enqueue
from bot.platform.i18n import N_, translate
from bot.surveys import rules as surveys
from bot.surveys.callbacks import SurveyCB
from bot.telegram.keyboards.builders import push_markup
from models import Person, Task
from models.delivery import HIGH, ROUTINE
from models.surveys import Survey, SurveyQuestion

KIND_LABELS = {
    "single": N_("🔘 One choice"),
    "multi": N_("☑️ Several choices"),
    "scale": N_("🔢 1 to 5"),
    "text": N_("✍️ Short text"),
}


def kind_label(locale: str, kind: str) -> str:
    return translate(locale, KIND_LABELS[kind]) if kind in KIND_LABELS else kind


def title(survey: Survey, locale: str) -> str:
    return translate(locale, survey.title) if survey.template else survey.title


def question_text(survey: Survey, q: SurveyQuestion, locale: str) -> str:
    return translate(locale, q.text) if survey.template else q.text


def deadline_words(survey: Survey, timezone: str) -> str:
    return f"{local_date(survey.deadline, timezone)} {local_time(survey.deadline, timezone)}"


def invite(session: AsyncSession, survey: Survey, people: list[Person], n_questions: int, timezone: str,
           now: datetime) -> int:
    """Everyone asked hears of it in their own language, with one button to start."""
    for p in people:
        loc = p.locale
        once = (translate(loc, "One answer per household: whoever answers first answers for everyone at home.")
                if survey.per == "household" else translate(loc, "Everyone answers for themselves."))
        text = translate(loc, "📋 A short survey from your community: {title}\n{n} questions, about {minutes} "
                              "minutes. Please answer by {deadline}.", title=title(survey, loc), n=n_questions,
                         minutes=max(1, round(n_questions * 0.5)), deadline=deadline_words(survey, timezone))
        enqueue(session, [Recipient(chat_id=p.tg_user_id, person_id=p.id)], text + "\n" + once, now=now,
                cause=f"survey:{survey.id}", priority=ROUTINE,
                reply_markup=push_markup([(translate(loc, "📝 Answer now"), SurveyCB(action="start",
                                                                                    id=survey.id).pack())]))
    return len(people)


async def describe_followup(session: AsyncSession, task: Task, locale: str) -> str:
    """A household that did not answer: call first, then visit; the surveys to ask."""
    building, unit = await place_of(session, task.household_id, locale)
    names = "; ".join(title(s, locale) for s in await surveys.surveys_of_task(session, task.id)) or "—"
    return translate(locale, "{ref} · survey follow-up: nobody at {building}, unit {unit} has answered: {titles}. "
                             "Please call them first; if you cannot reach them, visit. When you have reached them, "
                             "press “Reached them” and record their answers.", ref=task.ref, building=building,
                     unit=unit, titles=names)


async def followup_outcome(session: AsyncSession, task: Task, by: Person, now: datetime) -> int:
    """Reached: the volunteer gets a button per survey to record the household's answers (they answer for
    the household). The task engine calls this for the "survey" kind (bot/features.py)."""
    if task.outcome != "reached" or by.tg_user_id is None:
        return 0
    loc = by.locale
    building, unit = await place_of(session, task.household_id, loc)
    rows = [[(translate(loc, "📝 {title}", title=title(s, loc)),
              SurveyCB(action="for", id=s.id, hh=task.household_id or 0).pack())]
            for s in await surveys.surveys_of_task(session, task.id) if s.id is not None]
    if rows:
        enqueue(session, [Recipient(chat_id=by.tg_user_id, person_id=by.id)],
                translate(loc, "Record the answers of {building}, {unit}: press a survey, then ask them each "
                               "question.", building=building, unit=unit),
                now=now, cause=f"task:{task.id}", priority=HIGH, reply_markup=push_markup(*rows))
    return 0


# What a user is told when this capability refuses (code -> msgid); installed by bot/features.py.
REFUSALS: dict[str, str] = {
    "title_empty": N_("Please type a title for the survey."),
    "title_too_long": N_("Please keep the title to at most {max} characters."),
    "title_invalid": N_("Please type the title in words, not a command."),
    "survey_question_empty": N_("Please type the question."),
    "survey_question_too_long": N_("Please keep the question to at most {max} characters."),
    "survey_question_invalid": N_("Please type the question in words, not a command."),
    "options_few": N_("Please give at least {min} choices, one per line."),
    "options_many": N_("At most {max} choices, please."),
    "option_too_long": N_("Please keep each choice to at most {max} characters."),
    "options_twice": N_("Two choices are the same. Please give each choice once."),
    "questions_many": N_("A survey has at most {max} questions."),
    "survey_empty": N_("Please add a title and at least one question first."),
    "survey_nobody": N_("No household is in that audience yet."),
    "survey_closed": N_("This survey has closed. Thank you all the same!"),
    "survey_not_for_you": N_("This survey is not for your household."),
    "survey_answered": N_("This survey has already been answered. Thank you!"),
    "survey_answered_household": N_("Someone in your household has already answered this survey. Thank you!"),
    "answer_empty": N_("Please type your answer, or press Skip."),
    "answer_too_long": N_("Please keep your answer to at most {max} characters."),
    "answer_invalid": N_("Please type your answer in words, not a command."),
    "answer_choose": N_("Please choose at least one, then press Done."),
    "answer_missing": N_("Please answer every question first."),
}

"""Surveys, now and later: sent (everyone asked, the deadline booked as due work), and at the deadline closed,
with each household that did not answer handed to the grid's volunteers (call, then visit) and the one who
sent it told the figures. The deadline is a row: a restart neither loses nor repeats it."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.kernel.audit import audit
from bot.kernel.permissions import Actor
from bot.platform.delivery.outbox import Recipient, enqueue
from bot.platform.i18n import translate
from bot.platform.scheduling.due import schedule
from bot.platform.scheduling.registry import due_handler
from bot.surveys import messages as survey_messages
from bot.surveys import rules as surveys
from bot.tasks.workflow import offer_to_grid
from models import DueWork, Person
from models.delivery import ROUTINE

FOLLOWUP_ESCALATE_MINUTES = 240  # a follow-up nobody takes goes to the whole community's volunteers


async def sent(session: AsyncSession, actor: Actor, draft: surveys.Draft, deadline: datetime, timezone: str,
               now: datetime) -> surveys.Sent:
    s = await surveys.create(session, actor, draft, deadline, now)
    survey_messages.invite(session, s.survey, s.people, len(draft.questions), timezone, now)
    schedule(session, "survey_close", s.survey.deadline, ref=str(s.survey.id), key=f"survey:{s.survey.id}:close",
             now=now)
    audit(session, actor_id=actor.person_id, action="survey_sent", at=now, survey=s.survey.id,
          households=s.households, people=len(s.people))
    return s


@due_handler("survey_close")
async def survey_close(session: AsyncSession, work: DueWork, now: datetime) -> None:
    closed = await surveys.close(session, int(work.ref), now)
    if closed is None:
        return
    for task in closed.new_tasks:
        await offer_to_grid(session, task, FOLLOWUP_ESCALATE_MINUTES, now)
    survey = closed.survey
    author = await session.get(Person, survey.created_by_id) if survey.created_by_id else None
    if author is not None and author.tg_user_id is not None and author.deleted_at is None:
        loc = author.locale
        answered = survey.asked - survey.followed_up if survey.per == "household" else None
        text = translate(loc, "📋 {ref} ({title}) has closed. {followed} households that did not answer were "
                              "handed to volunteers to call or visit. /surveys shows the results.", ref=survey.ref,
                         title=survey_messages.title(survey, loc), followed=survey.followed_up)
        if answered is not None:
            text = translate(loc, "{answered} of {asked} households answered.", answered=answered,
                             asked=survey.asked) + " " + text
        enqueue(session, [Recipient(chat_id=author.tg_user_id, person_id=author.id)], text, now=now,
                cause=f"survey:{survey.id}", priority=ROUTINE)

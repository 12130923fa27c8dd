"""The words of the vulnerable register: the reasons, how someone was last heard from, the visit task for
volunteers, what staff hear when a visit finds nobody, and the refusals."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.kernel.glance import Area, Glance, Line
from bot.kernel.structure import place_of
from bot.platform.delivery.outbox import Recipient, enqueue
from bot.platform.i18n import N_, duration, translate
from bot.tasks import rules as dispatch
from bot.vulnerable import rules as vulnerable
from models import Person, Task
from models.delivery import URGENT

REASON_LABELS = {
    "alone_70": N_("living alone, aged 70+"),
    "disability": N_("disability"),
    "chronic_meds": N_("chronic illness needing medicine"),
    "pregnancy": N_("pregnancy"),
    "infant": N_("infant"),
    "dementia": N_("dementia"),
    "other": N_("other"),
}
HOW_LABELS = {
    "report": N_("a health report"),
    "request": N_("a supply request"),
    "ack": N_("a notice acknowledged"),
    "reached": N_("a visit or call"),
}


def reasons_words(locale: str, codes: list[str]) -> str:
    return ", ".join(translate(locale, REASON_LABELS[c]) for c in codes if c in REASON_LABELS) or "—"


def heard_words(locale: str, heard: vulnerable.Heard, now: datetime) -> str:
    if heard.at is None:
        return translate(locale, "never heard from in the bot")
    return translate(locale, "{ago} ago ({how})", ago=duration(locale, now - heard.at),
                     how=translate(locale, HOW_LABELS.get(heard.how or "", heard.how or "—")))


async def describe_visit(session: AsyncSession, task: Task, locale: str) -> str:
    building, unit = await place_of(session, task.household_id, locale)
    entry = await vulnerable.entry_of_task(session, task.id)
    return translate(locale, "{ref} · visit or call: nobody has heard from {building}, unit {unit} ({reasons}) for too "
                             "long. Please call them first; if nobody answers, visit. Close it with how you found "
                             "them: all right, needing help (staff and the doctor are told), or not reached.",
                     ref=task.ref, building=building, unit=unit,
                     reasons=reasons_words(locale, entry.reasons if entry else []))


async def visit_outcome(session: AsyncSession, task: Task, by: Person, now: datetime) -> int:
    """Not reached, or needing help: the grid's workers must know at once. The task engine calls this for the
    "visit" kind (bot/features.py)."""
    if task.outcome not in ("unreached", "escalated"):
        return 0
    people = [p for p in await dispatch.staff_for(session, task) if p.id != by.id]
    for p in people:
        loc = p.locale
        building, unit = await place_of(session, task.household_id, loc)
        text = (translate(loc, "⚠️ {ref}: {who} could not reach {building}, {unit}, a vulnerable household nobody had "
                               "heard from for too long. Please follow up now.", ref=task.ref,
                          who=by.full_name or "—", building=building, unit=unit)
                if task.outcome == "unreached" else
                translate(loc, "⚠️ {ref}: {who} visited {building}, {unit} (a vulnerable household) and says they need "
                               "help. Please follow up now: supplies or the doctor.", ref=task.ref,
                          who=by.full_name or "—", building=building, unit=unit))
        enqueue(session, [Recipient(chat_id=p.tg_user_id, person_id=p.id)], text, now=now, cause=f"task:{task.id}",
                priority=URGENT)
    return len(people)


# What a user is told when this capability refuses (code -> msgid); installed by bot/features.py.
REFUSALS: dict[str, str] = {
    "reasons_missing": N_("Please choose at least one reason."),
}


# ---- the area at a glance ------------------------------------------------------------------------------------

async def _lists(session, area: Area, key: str, now, locale: str) -> list[Line] | None:
    if key != "silent":
        return None
    _, rows = await vulnerable.silent_in(session, area, now)
    return [Line(translate(locale, "{building} {unit} · not heard from for {time}", building=r.building.label(locale),
                           unit=r.household.unit, time=duration(locale, now - (r.heard.at or r.entry.created_at))),
                 at=r.heard.at or r.entry.created_at) for r in rows]


GLANCE = Glance("vulnerable", N_("🧓 Care register"), order=30, figures=vulnerable.glance,
                labels={"registered": N_("households on the register"), "silent": N_("not heard from in time")},
                lists=_lists, list_titles={"silent": N_("Not heard from in time")}, summary_lists=("silent",))

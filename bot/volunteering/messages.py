"""The words of volunteering: what approvers are asked, what applicants and suspended volunteers are told (each
in their own language), the labels, and the refusals."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.kernel.glance import Area, Column, Glance, Line, Table
from bot.platform.delivery.outbox import Recipient, enqueue
from bot.platform.i18n import N_, translate, yes_no
from bot.registration.rules import dialable
from bot.tasks.messages import skill_label
from bot.telegram.keyboards.builders import push_markup
from bot.volunteering import rules as volunteering
from bot.volunteering.callbacks import VolCB
from models import Building, Person, VolunteerApplication
from models.delivery import HIGH

LANGUAGE_LABELS = {"zh": N_("Mandarin"), "yue": N_("Cantonese"), "en": N_("English"), "dialect": N_("a local dialect")}
AVAILABILITY_LABELS = {"weekdays": N_("weekday daytime"), "evenings": N_("evenings"), "weekends": N_("weekends"),
                       "anytime": N_("any time")}


def labels(locale: str, codes: list[str], table: dict[str, str]) -> str:
    return ", ".join(translate(locale, table[c]) for c in codes if c in table) or "—"


async def application_text(session: AsyncSession, a: VolunteerApplication, locale: str) -> str:
    return translate(locale, "🙋 Application to volunteer: {name} ({phone}), {building}.\nSkills: {skills}\n"
                             "Languages: {languages}\nAvailable: {availability}", name=a.name or "—",
                     phone=dialable(a.phone) or "—", building=await volunteering.building_label_of(session, a, locale),
                     skills=", ".join(skill_label(locale, s) for s in a.skills) or "—",
                     languages=labels(locale, a.languages, LANGUAGE_LABELS),
                     availability=labels(locale, a.availability, AVAILABILITY_LABELS))


async def ask_approvers(session: AsyncSession, a: VolunteerApplication, people: list[Person], now: datetime) -> int:
    for p in people:
        loc = p.locale
        text = await application_text(session, a, loc) + "\n" + translate(
            loc, "Approve only someone you know or have checked: volunteers see the names, addresses and phones of "
                 "the residents they help.")
        enqueue(session, [Recipient(chat_id=p.tg_user_id, person_id=p.id)], text, now=now,
                cause=f"application:{a.id}", priority=HIGH,
                reply_markup=push_markup([(translate(loc, "✅ Approve"), VolCB(action="approve", id=a.id).pack()),
                                          (translate(loc, "❌ Decline"), VolCB(action="decline", id=a.id).pack())]))
    return len(people)


async def tell_applicant(session: AsyncSession, a: VolunteerApplication, now: datetime) -> None:
    person = await session.get(Person, a.person_id) if a.person_id else None
    if person is None or person.tg_user_id is None:
        return
    loc = person.locale
    text = (translate(loc, "✅ You are a volunteer now. Thank you! Press /duty to go on duty when you can help; tasks "
                           "near you will then be offered to you.") if a.status == "approved" else
            translate(loc, "Your application to volunteer was not accepted this time. Thank you for offering to help; "
                           "the neighbourhood committee can tell you more (☎️ Contacts)."))
    enqueue(session, [Recipient(chat_id=person.tg_user_id, person_id=person.id)], text, now=now,
            cause=f"application:{a.id}", priority=HIGH)


def tell_suspended(session: AsyncSession, person: Person, now: datetime) -> None:
    if person.tg_user_id is None:
        return
    enqueue(session, [Recipient(chat_id=person.tg_user_id, person_id=person.id)],
            translate(person.locale, "Your volunteer role has been paused by the community staff, and the tasks you "
                                     "held were given to others. The neighbourhood committee can tell you more "
                                     "(☎️ Contacts)."), now=now, cause="volunteer_suspended", priority=HIGH)


RECORD_LABELS = {"training": N_("Training"), "certificate": N_("Certificate"), "ppe": N_("Protective equipment")}


def profile_text(p: volunteering.Profile, locale: str) -> str:
    lines = [translate(locale, "📇 {name}", name=p.person.full_name or "—"),
             translate(locale, "Skills: {skills}", skills=", ".join(skill_label(locale, s) for s in p.skills) or "—"),
             translate(locale, "Languages: {languages}", languages=labels(locale, p.languages, LANGUAGE_LABELS)),
             translate(locale, "Available: {availability}",
                       availability=labels(locale, p.availability, AVAILABILITY_LABELS)),
             translate(locale, "Served: {week_tasks} tasks and about {week_hours} hours in 7 days; {month_tasks} "
                               "tasks and about {month_hours} hours in 30 days.", week_tasks=p.week.taken,
                       week_hours=f"{p.week.hours:.1f}", month_tasks=p.month.taken,
                       month_hours=f"{p.month.hours:.1f}"),
             translate(locale, "Rest limits: at most {day} tasks a day and {hours} hours a week.",
                       day=p.max_per_day, hours=p.max_hours_week)]
    for r in p.records:
        lines.append(f"• {translate(locale, RECORD_LABELS.get(r.kind, r.kind))}: {r.what} ({r.day.isoformat()})")
    if not p.records:
        lines.append(translate(locale, "No training, certificates or protective equipment recorded yet."))
    return "\n".join(lines)


def tell_leader(session: AsyncSession, person: Person, building: Building, now: datetime) -> None:
    if person.tg_user_id is None:
        return
    loc = person.locale
    enqueue(session, [Recipient(chat_id=person.tg_user_id, person_id=person.id)],
            translate(loc, "🏢 The community staff have made you the building leader of {building}. Thank you! "
                           "/mybuilding shows who lives where, whom the bot reaches and the neighbours who need "
                           "checking on; door-knocks and calls in your building will be offered to you first.",
                      building=building.label(loc)), now=now, cause="building_leader", priority=HIGH)


# What a user is told when this capability refuses (code -> msgid); installed by bot/features.py.
REFUSALS: dict[str, str] = {
    "skills_missing": N_("Please choose at least one way you can help."),
    "not_volunteer": N_("This is for volunteers; /volunteer to apply."),
    "record_empty": N_("Please type what it was."),
    "record_too_long": N_("Please keep it to at most {max} characters."),
    "day_format": N_("Please type a date like 2026-11-20 or 11-20, or “today”."),
    "day_future": N_("That date is still to come; please type the day it happened."),
    "not_leader": N_("This is for building leaders; the community staff appoint them."),
    "phone_typed": N_("Please type a phone number that can be called, for example 138 1234 5678."),
    "already_volunteer": N_("You are already a volunteer: /duty shows your duty and skills."),
    "application_pending": N_("Your application is waiting for the community staff; you will hear from them here."),
}


# ---- the area at a glance ------------------------------------------------------------------------------------

async def _lists(session, area: Area, key: str, now, locale: str) -> list[Line] | None:
    if key != "on_duty":
        return None
    return [Line(translate(locale, "{name} · {n} in hand", name=p.full_name or "—", n=n), person_id=p.id)
            for p, n in await volunteering.on_duty(session, area)]


async def _hours(session, area: Area, since, until, locale: str) -> list[list]:
    return [[p.full_name or "", p.phone or "", yes_no(bool(prof and prof.on_duty)), s.taken, s.finished,
             round(s.hours, 1)] for p, prof, s in await volunteering.hours_rows(session, area, since, until)]


GLANCE = Glance(
    "volunteers", N_("🙋 Volunteers"), order=80, figures=volunteering.glance,
    labels={"on_duty": N_("on duty"), "in_hand": N_("tasks in hand")},
    lists=_lists, list_titles={"on_duty": N_("Volunteers on duty")},
    tables=(Table("volunteers", N_("Volunteers' hours"), (
        Column(N_("Name"), 16), Column(N_("Phone"), 16), Column(N_("On duty"), 8), Column(N_("Tasks taken"), 10),
        Column(N_("Tasks finished"), 10), Column(N_("Hours"), 8)), _hours),))

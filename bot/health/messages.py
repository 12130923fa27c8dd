"""The doctor's alert for an abnormal health report, worded in each recipient's language with translated labels,
and the follow-up task it opens (offered to the doctors and staff of the resident's grid)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.health import rules as health
from bot.kernel.glance import Area, Column, Glance, Line, Table
from bot.platform.delivery.outbox import Recipient, enqueue
from bot.platform.i18n import N_, _, get_i18n, translate, yes_no
from bot.registration.messages import care_need_label
from bot.registration.rules import dialable
from bot.tasks.callbacks import TaskCB
from bot.telegram.keyboards.builders import push_markup
from models import Building, Person, Task, TaskOffer
from models.delivery import HIGH, URGENT


async def health_alert(session: AsyncSession, report, assessment, now: datetime) -> Task:
    """An abnormal report: a follow-up task, offered at once to the doctors and staff of the resident's grid
    (else the community), with the details they need to call, and "I'll call them" / "Resolved" buttons."""
    from bot.tasks.rules import health_responders
    from models import Household

    subject = await session.get(Person, report.person_id)
    reporter = await session.get(Person, report.reported_by_id) if report.reported_by_id else None
    household = await session.get(Household, report.household_id) if report.household_id else None
    building = await session.get(Building, household.building_id) if household else None
    task = Task(kind="followup", community_id=report.community_id, grid_id=report.grid_id,
                household_id=report.household_id, subject_person_id=report.person_id, skill="phone",
                urgency="urgent" if report.red_flag else "today", priority=0 if report.red_flag else 1, created_at=now)
    session.add(task)
    await session.flush()
    for staff in await health_responders(session, task):
        loc = staff.locale
        head = (translate(loc, "🔴 RED FLAG health report") if report.red_flag
                else translate(loc, "🟠 Abnormal health report"))
        lines = [head, translate(loc, "Who: {name}", name=subject.full_name if subject else "—"),
                 translate(loc, "Address: {building}, {unit}", building=building.label(loc) if building else "?",
                           unit=household.unit if household else "?"),
                 translate(loc, "Phone: {phone}", phone=dialable((subject.phone if subject else None)
                                                                 or (reporter.phone if reporter else None)) or "—")]
        if reporter is not None and subject is not None and reporter.id != subject.id:
            lines.append(translate(loc, "Reported by: {name}", name=reporter.full_name or "—"))
        with get_i18n().use_locale(loc):  # labels in the recipient's language, never codes
            if report.temperature_c is not None:
                lines.append(translate(loc, "Temperature: {t} °C", t=report.temperature_c))
            if report.symptoms:
                lines.append(translate(loc, "Symptoms: {list}", list=", ".join(map(symptom_label, report.symptoms))))
            if report.test_result and report.test_result != "none":
                lines.append(translate(loc, "Test: {result}", result=test_label(report.test_result)))
            if report.note:
                lines.append(translate(loc, "Their note: {note}", note=report.note))
            if household is not None and household.care_needs:
                lines.append(translate(loc, "Household care needs: {list}",
                                       list=", ".join(map(care_need_label, household.care_needs))))
        markup = push_markup([(translate(loc, "📞 I'll call them"), TaskCB(action="claim", id=task.id).pack())],
                         [(translate(loc, "✅ Resolved"), TaskCB(action="resolve", id=task.id).pack())])
        row = enqueue(session, [Recipient(chat_id=staff.tg_user_id, person_id=staff.id)], "\n".join(lines), now=now,
                      cause=f"health:{report.id}", priority=URGENT if report.red_flag else HIGH, reply_markup=markup)[0]
        await session.flush()
        session.add(TaskOffer(task_id=task.id, volunteer_id=staff.id, outbox_id=row.id, created_at=now))
    return task


async def describe_followup(session: AsyncSession, task: Task, locale: str) -> str:
    return translate(locale, "{ref} · health follow-up call", ref=task.ref)


# What a user is told when this capability refuses (code -> msgid); installed by bot/features.py.
REFUSALS: dict[str, str] = {
    "not_your_household": N_("You can only report for the members of your own household."),
    "temp_not_number": N_("I couldn't read that temperature. Please type it like 36.8 (or 37,5 or 98.2F)."),
    "temp_range": N_("A body temperature is between {min} and {max} °C. Please check the thermometer and type "
                    "it again, for example 36.8."),
    "bad_health_value": N_("This button is no longer active."),
}


def symptom_label(code: str) -> str:
    return {"fever": _("Fever"), "cough": _("Cough"), "sore_throat": _("Sore throat"), "fatigue": _("Tiredness"),
            "taste_smell": _("Loss of taste or smell"), "breath": _("Shortness of breath"),
            "chest_pain": _("Chest pain"), "diarrhoea": _("Diarrhoea")}.get(code, code)


def test_label(code: str | None) -> str:
    return {"none": _("No recent test"), "antigen_neg": _("Antigen test: negative"),
            "antigen_pos": _("Antigen test: positive"), "pcr_neg": _("PCR test: negative"),
            "pcr_pos": _("PCR test: positive")}.get(code or "none", "—")


# ---- the area at a glance ------------------------------------------------------------------------------------

def _place(locale: str, household, building) -> str:
    return f"{building.label(locale)} {household.unit}" if household and building else "—"


def _reading(r) -> str:
    parts = [f"{r.temperature_c:.1f} °C"] if r.temperature_c is not None else []
    parts += [symptom_label(s) for s in r.symptoms]
    if r.test_result and r.test_result != "none":
        parts.append(test_label(r.test_result))
    return ", ".join(parts) or "—"


async def _lists(session, area: Area, key: str, now, locale: str) -> list[Line] | None:
    if key != "abnormal" or not area.health:
        return None
    return [Line(("🚨 " if r.red_flag else "") + f"{p.full_name or '—'} · {_place(locale, h, b)} · {_reading(r)}",
                 at=r.created_at, person_id=p.id)
            for r, p, h, b in await health.abnormal_today(session, area, now)]


async def _reports(session, area: Area, since, until, locale: str) -> list[list]:
    return [[r.created_at, b.label(locale) if b else "", h.unit if h else "", p.full_name or "",
             r.temperature_c, ", ".join(symptom_label(s) for s in r.symptoms), test_label(r.test_result),
             yes_no(r.abnormal), yes_no(r.red_flag), r.note or ""]
            for r, p, h, b in await health.ledger_rows(session, area, since, until)]


GLANCE = Glance(
    "health", N_("🌡 Health today"), order=20, figures=health.glance, health=True,
    labels={"reported": N_("reports"), "abnormal": N_("abnormal"), "red": N_("red flags"),
            "followups": N_("follow-up calls open")},
    lists=_lists, list_titles={"abnormal": N_("Abnormal reports today")},
    daily=health.daily, series={"reports": N_("Health reports"), "abnormal": N_("abnormal")},
    tables=(Table("health", N_("Health reports"), (
        Column(N_("Time"), 18), Column(N_("Building"), 16), Column(N_("Unit"), 10), Column(N_("Name"), 16),
        Column(N_("Temperature °C"), 10), Column(N_("Symptoms"), 30), Column(N_("Test"), 20),
        Column(N_("Abnormal"), 9), Column(N_("Red flag"), 9), Column(N_("Note"), 30)), _reports, health=True),))

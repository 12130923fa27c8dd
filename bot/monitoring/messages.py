"""The words and buttons of home monitoring and the daily check-in, each in its recipient's language: what monitoring
means for them, the slot reminders, the end, the outcome of a check-in call, the morning one-tap check-in."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.kernel.glance import Glance, Line
from bot.kernel.structure import place_of
from bot.monitoring import rules as monitoring
from bot.platform.delivery.outbox import Recipient, enqueue, enqueue_edit
from bot.platform.i18n import N_, days, translate, translate_n
from bot.tasks.rules import staff_and_doctors
from bot.telegram.keyboards.builders import push_markup
from models import OutboxMessage, Person, Task, TaskOffer
from models.delivery import HIGH, URGENT


def _for_whom(locale: str, recipient: Person, subject: Person) -> str:
    return "" if recipient.id == subject.id else translate(locale, "For {name}:", name=subject.full_name or "—") + " "


async def monitoring_started(session: AsyncSession, m, subject: Person, emergency: str, now: datetime) -> int:
    """Tell the person (or, without Telegram, their household) what home monitoring means for them.
    Returns how many people were told (0: nobody in the household uses Telegram)."""
    from bot.monitoring.rules import contacts
    from bot.platform.clock import local_date

    people = await contacts(session, subject)
    for r in people:
        loc = r.locale
        text = _for_whom(loc, r, subject) + translate_n(
            loc, "🏠 You are under home monitoring for {days}, until {date}.\nReason: {reason}\n\nWhat this "
                 "means: please stay at home, and report your temperature and how you feel once a day, at "
                 "{times}. You will get a reminder each time; a report takes a few seconds (“🌡 Health report”). "
                 "If you feel worse, report at once. In an emergency call {number}.",
            "🏠 You are under home monitoring for {days}, until {date}.\nReason: {reason}\n\nWhat this "
            "means: please stay at home, and report your temperature and how you feel {n} times a day, at "
            "{times}. You will get a reminder each time; a report takes a few seconds (“🌡 Health report”). "
            "If you feel worse, report at once. In an emergency call {number}.",
            len(m.slot_times), days=days(loc, m.days), date=local_date(m.ends_at, m.timezone), reason=m.reason,
            times=" / ".join(m.slot_times), number=emergency)
        enqueue(session, [Recipient(chat_id=r.tg_user_id, person_id=r.id)], text, now=now,
                cause=f"monitoring:{m.id}", priority=HIGH)
    return len(people)


async def monitoring_reminder(session: AsyncSession, m, subject: Person, slot_at: datetime, again: bool,
                              valid_until: datetime, now: datetime) -> int:
    from bot.health.callbacks import HealthCB
    from bot.monitoring.rules import contacts
    from bot.platform.clock import local_time

    people = await contacts(session, subject)
    for r in people:
        loc = r.locale
        at = local_time(slot_at, m.timezone)
        text = _for_whom(loc, r, subject) + (
            translate(loc, "⏰ Second reminder: the {time} health report has not arrived yet. Please report now; "
                           "if we hear nothing, someone from the community will call.", time=at) if again else
            translate(loc, "⏰ Time for the {time} health report (home monitoring). It takes a few seconds.", time=at))
        markup = push_markup([(translate(loc, "📝 Report now"), HealthCB(step="for", value=str(subject.id)).pack())])
        enqueue(session, [Recipient(chat_id=r.tg_user_id, person_id=r.id)], text, now=now,
                cause=f"monitoring:{m.id}", priority=HIGH, reply_markup=markup, valid_until=valid_until)
    return len(people)


async def monitoring_over(session: AsyncSession, m, subject: Person, early: bool, now: datetime) -> None:
    from bot.monitoring.rules import contacts

    for r in await contacts(session, subject):
        loc = r.locale
        text = _for_whom(loc, r, subject) + (
            translate(loc, "✅ The community has ended your home monitoring. No more daily reports are "
                           "needed. Thank you for your care!") if early else
            translate(loc, "✅ Your home monitoring ({days}) is over. No more daily reports are needed. Thank you "
                           "for your patience!", days=days(loc, m.days)))
        enqueue(session, [Recipient(chat_id=r.tg_user_id, person_id=r.id)], text, now=now,
                cause=f"monitoring:{m.id}", priority=HIGH)


async def checkin_closed_by_report(session: AsyncSession, task: Task, offers: list[TaskOffer], now: datetime) -> None:
    """The resident reported: whoever was offered (or took) the call sees it is no longer needed."""
    for offer in offers:
        target = await session.get(OutboxMessage, offer.outbox_id) if offer.outbox_id else None
        person = await session.get(Person, offer.volunteer_id)
        if person is None:
            continue
        text = translate(person.locale, "{ref}: the resident has just sent their health report, so no call is "
                                        "needed. Thank you!", ref=task.ref)
        if target is not None and offer.status == "offered":
            enqueue_edit(session, target, text, now=now, cause=f"task:{task.id}", priority=HIGH)
        elif person.tg_user_id is not None:
            enqueue(session, [Recipient(chat_id=person.tg_user_id, person_id=person.id)], text, now=now,
                    cause=f"task:{task.id}", priority=HIGH)


async def checkin_outcome(session: AsyncSession, task: Task, by: Person, now: datetime) -> int:
    """A check-in call that could not reach the resident, or was escalated: the grid's staff and doctors must
    know (a visit, a doctor). The task engine calls this for the "checkin" kind (bot/features.py)."""
    if task.outcome not in ("unreached", "escalated"):
        return 0
    people = await staff_and_doctors(session, task, but=by.id)
    subject = await session.get(Person, task.subject_person_id) if task.subject_person_id else None
    for p in people:
        loc = p.locale
        building, unit = await place_of(session, task.household_id, loc)
        name = subject.full_name if subject else "—"
        head = (translate(loc, "⚠️ {ref}: {who} could not reach {name} ({building}, {unit}), who is under "
                               "home monitoring and has not reported. Please arrange a visit.", ref=task.ref,
                          who=by.full_name or "—", name=name, building=building, unit=unit)
                if task.outcome == "unreached" else
                translate(loc, "⚠️ {ref}: {who} escalated the case of {name} ({building}, {unit}), who is under "
                               "home monitoring. Please follow up.", ref=task.ref, who=by.full_name or "—",
                          name=name, building=building, unit=unit))
        enqueue(session, [Recipient(chat_id=p.tg_user_id, person_id=p.id)], head, now=now, cause=f"task:{task.id}",
                priority=URGENT)
    return len(people)


def daily_checkin(session: AsyncSession, community_id: int, people: list[Person], valid_until: datetime,
                  now: datetime) -> None:
    """The morning one-tap check-in for everyone (routine: it waits behind alerts and task offers)."""
    from bot.health.callbacks import HealthCB
    from models.delivery import ROUTINE

    for p in people:
        loc = p.locale
        markup = push_markup([(translate(loc, "✅ I'm well today"), HealthCB(step="start", value="well").pack())],
                         [(translate(loc, "📝 Full report"), HealthCB(step="start", value="full").pack())])
        enqueue(session, [Recipient(chat_id=p.tg_user_id, person_id=p.id)],
                translate(loc, "☀️ Daily check-in: how are you today? One tap is enough."), now=now,
                cause=f"checkin:{community_id}", priority=ROUTINE, reply_markup=markup, valid_until=valid_until)


async def describe_checkin(session: AsyncSession, task: Task, locale: str) -> str:
    from bot.platform.clock import local_time
    from models import Monitoring

    building, unit = await place_of(session, task.household_id, locale)
    m = (await session.exec(select(Monitoring).where(Monitoring.person_id == task.subject_person_id)
                            .order_by(Monitoring.id.desc()))).first()
    since = local_time(task.silent_since, m.timezone) if m and task.silent_since else "?"
    return translate(locale, "{ref} · check-in call: no health report from {building}, unit {unit} since {time} "
                             "(home monitoring).", ref=task.ref, building=building, unit=unit, time=since)


# What a user is told when this capability refuses (code -> msgid); installed by bot/features.py.
REFUSALS: dict[str, str] = {
    "days_not_number": N_("Please send a whole number of days, for example 14."),
    "days_range": N_("Please choose from 1 to {max} days."),
    "already_monitored": N_("Already under home monitoring. To change it, end it first in /monitor."),
}


# ---- the area at a glance ------------------------------------------------------------------------------------

async def _lists(session, area, key: str, now, locale: str) -> list[Line] | None:
    if not area.health:
        return None
    tz = area.tz
    if key == "missed":
        return [Line(translate(locale, "{name} · report due at {time}", name=p.full_name if p else "—",
                               time=at.astimezone(tz).strftime("%H:%M")), at=at, person_id=p.id if p else None)
                for m, p, at in await monitoring.missed_today(session, area, now)]
    if key == "calls":
        return [Line(f"{t.ref} · {p.full_name if p else '—'}" + (" · ✋" if t.claimed_by_id else ""),
                     at=t.created_at, person_id=p.id if p else None)
                for t, p in await monitoring.open_calls(session, area)]
    return None


GLANCE = Glance("monitoring", N_("🏠 Home monitoring"), order=25, figures=monitoring.glance, health=True,
                labels={"watched": N_("under monitoring"), "missed": N_("report times missed today"),
                        "calls": N_("check-in calls open")},
                lists=_lists, list_titles={"missed": N_("Report times missed today"),
                                           "calls": N_("Check-in calls open")},
                summary_lists=("missed",))

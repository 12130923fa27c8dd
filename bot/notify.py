"""Turning what services decided into localized pushes in the outbox (in the caller's transaction).

Services return data; this module words it in each recipient's language and writes outbox rows, so the
push exists exactly when the change that caused it commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.platform.delivery.outbox import Recipient, enqueue, enqueue_edit
from bot.platform.i18n import N_, days, get_i18n, translate, translate_n
from bot.services.registration import dialable
from bot.telegram.keyboards.builders import push_markup
from bot.telegram.keyboards.callbacks import TaskCB
from bot.texts import care_need_label, symptom_label, test_label
from models import Building, OutboxMessage, Person, SupplyRequest, Task, TaskOffer
from models.delivery import HIGH, URGENT

CATEGORY = {"groceries": N_("Groceries"), "medicine": N_("Medicine"), "infant": N_("Infant supplies"),
            "masks": N_("Masks and protective gear"), "disinfectant": N_("Disinfectant"), "other": N_("Other")}
URGENCY = {"normal": N_("Normal"), "today": N_("Today"), "urgent": N_("Urgent: no food or medicine left")}


async def _describe_followup(session: AsyncSession, task: Task, locale: str) -> str:
    return translate(locale, "{ref} · health follow-up call", ref=task.ref)


async def _describe_doorknock(session: AsyncSession, task: Task, locale: str) -> str:
    building, unit = await _place_of(session, task.household_id, locale)
    return translate(locale, "{ref} · door-knock: nobody at {building}, unit {unit} (a household with care "
                             "needs) has acknowledged the red alert. Please check on them in person.",
                     ref=task.ref, building=building, unit=unit)


async def _describe_checkin(session: AsyncSession, task: Task, locale: str) -> str:
    from bot.platform.clock import local_time
    from models import Monitoring

    building, unit = await _place_of(session, task.household_id, locale)
    m = (await session.exec(select(Monitoring).where(Monitoring.person_id == task.subject_person_id)
                            .order_by(Monitoring.id.desc()))).first()
    since = local_time(task.silent_since, m.timezone) if m and task.silent_since else "?"
    return translate(locale, "{ref} · check-in call: no health report from {building}, unit {unit} since {time} "
                             "(home monitoring).", ref=task.ref, building=building, unit=unit, time=since)


async def _describe_supply(session: AsyncSession, task: Task, locale: str) -> str:
    req = (await session.exec(select(SupplyRequest).where(SupplyRequest.task_id == task.id))).first()
    building = await session.get(Building, req.deliver_building_id) if req else None
    items = ", ".join(f"{i['name']} × {i['qty']}" for i in (req.items if req else []))
    category = translate(locale, CATEGORY[req.category]) if req else ""
    urgency = translate(locale, URGENCY[task.urgency])
    lines = [translate(locale, "{ref} · {category} · {urgency}", ref=task.ref, category=category, urgency=urgency),
             translate(locale, "Items: {items}", items=items),
             translate(locale, "Building: {building}", building=building.label(locale) if building else "?")]
    if req and req.note:
        lines.append(translate(locale, "Note: {note}", note=req.note))
    return "\n".join(lines)


# What a task is, in the recipient's words, per kind (models/tasks.py: TASK_KINDS); a test checks every kind has one.
DESCRIBE = {"followup": _describe_followup, "doorknock": _describe_doorknock, "checkin": _describe_checkin,
            "supply": _describe_supply}


async def describe_request(session: AsyncSession, task: Task, locale: str) -> str:
    """What is asked for and where (building only: name, unit and phone go to the claimer alone)."""
    return await DESCRIBE.get(task.kind, _describe_supply)(session, task, locale)


async def offer_task(session: AsyncSession, task: Task, volunteers: list[Person], now: datetime) -> int:
    """Push the task to each volunteer with a Claim button; remember each offer to withdraw it later."""
    for v in volunteers:
        existing = (await session.exec(select(TaskOffer).where(TaskOffer.task_id == task.id,
                                                               TaskOffer.volunteer_id == v.id))).first()
        text = translate(v.locale, "🆕 New task") + "\n" + await describe_request(session, task, v.locale)
        markup = push_markup([(translate(v.locale, "✋ I'll take it"), TaskCB(action="claim", id=task.id).pack())])
        row = enqueue(session, [Recipient(chat_id=v.tg_user_id, person_id=v.id)], text, now=now,
                      cause=f"task:{task.id}", priority=min(task.priority, HIGH),  # 0 urgent ... 3, before notices
                      reply_markup=markup)[0]
        await session.flush()
        if existing is None:
            session.add(TaskOffer(task_id=task.id, volunteer_id=v.id, outbox_id=row.id, created_at=now))
        else:
            existing.status, existing.outbox_id = "offered", row.id
    return len(volunteers)


async def withdraw_offers(session: AsyncSession, task: Task, offers: list[TaskOffer], now: datetime,
                          *, cancelled: bool = False) -> None:
    """Someone claimed the task, or it was cancelled: the other offers now say which, and their button is gone."""
    for offer in offers:
        target = await session.get(OutboxMessage, offer.outbox_id) if offer.outbox_id else None
        volunteer = await session.get(Person, offer.volunteer_id)
        if target is None or volunteer is None:
            continue
        text = translate(volunteer.locale, "{ref} was cancelled, so it needs nobody now. Thank you for being ready "
                                           "to help!", ref=task.ref) if cancelled else \
            translate(volunteer.locale, "{ref} has been taken by another volunteer. Thank you for being ready to "
                                        "help!", ref=task.ref)
        enqueue_edit(session, target, text, now=now, cause=f"task:{task.id}", priority=HIGH)


def given_name(full_name: str | None) -> str:
    """What a resident calls the volunteer who comes: the first word of a name written with spaces ("Wei" of
    "Wei Li"), a name without spaces whole ("王伟")."""
    name = (full_name or "").strip()
    return name.split()[0] if name else "—"


async def tell_requester(session: AsyncSession, task: Task, event: str, now: datetime) -> None:
    """Keep the resident informed: claimed, on its way, delivered (with a button to confirm), cancelled."""
    person = await session.get(Person, task.subject_person_id) if task.subject_person_id else None
    if person is None or person.tg_user_id is None:
        return
    loc = person.locale
    markup = None
    if event == "claimed":
        volunteer = await session.get(Person, task.claimed_by_id) if task.claimed_by_id else None
        text = translate(loc, "{name}, a volunteer, has taken your request {ref} and will bring it to you soon.",
                         name=given_name(volunteer.full_name), ref=task.ref) if volunteer is not None \
            else translate(loc, "A volunteer has taken your request {ref} and will bring it soon.", ref=task.ref)
    elif event == "picked_up":
        text = translate(loc, "Your request {ref} is on its way.", ref=task.ref)
    elif event == "delivered":
        text = translate(loc, "Your request {ref} has been delivered. Did you receive it?", ref=task.ref)
        markup = push_markup([(translate(loc, "✅ Yes, I received it"), TaskCB(action="confirm", id=task.id).pack())])
    elif event == "cancelled":
        text = translate(loc, "Your request {ref} was cancelled by the community: {reason}", ref=task.ref,
                         reason=task.close_reason or "—")
    else:
        return
    enqueue(session, [Recipient(chat_id=person.tg_user_id, person_id=person.id)], text, now=now,
            cause=f"task:{task.id}", priority=HIGH, reply_markup=markup)


async def low_stock(session: AsyncSession, task: Task, items: list, now: datetime) -> None:
    """Tell the staff of the task's area that community stock is running low."""
    from bot.services.dispatch import staff_for

    for staff in await staff_for(session, task):
        lines = [translate(staff.locale, "📦 Community stock is running low:")]
        lines += [translate(staff.locale, "• {name}: {qty} left (alert at {low})", name=i.name, qty=i.quantity,
                            low=i.threshold) for i in items]
        enqueue(session, [Recipient(chat_id=staff.tg_user_id, person_id=staff.id)], "\n".join(lines), now=now,
                cause=f"stock:{task.community_id}", priority=HIGH)


async def delivery_photo(session: AsyncSession, task: Task, file_id: str, now: datetime) -> None:
    person = await session.get(Person, task.subject_person_id) if task.subject_person_id else None
    if person is None or person.tg_user_id is None:
        return
    enqueue(session, [Recipient(chat_id=person.tg_user_id, person_id=person.id)],
            translate(person.locale, "A photo of your delivery {ref}.", ref=task.ref), now=now,
            cause=f"task:{task.id}", priority=HIGH, method="photo", media=file_id)


async def health_alert(session: AsyncSession, report, assessment, now: datetime) -> Task:
    """An abnormal report: a follow-up task, offered at once to the doctors and staff of the resident's grid
    (else the community), with the details they need to call, and "I'll call them" / "Resolved" buttons."""
    from bot.services.dispatch import health_responders
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


async def _place_of(session: AsyncSession, household_id: int | None, locale: str) -> tuple[str, str]:
    from models import Household

    household = await session.get(Household, household_id) if household_id else None
    building = await session.get(Building, household.building_id) if household else None
    return (building.label(locale) if building else "?"), (household.unit if household else "?")


def _for_whom(locale: str, recipient: Person, subject: Person) -> str:
    return "" if recipient.id == subject.id else translate(locale, "For {name}:", name=subject.full_name or "—") + " "


async def monitoring_started(session: AsyncSession, m, subject: Person, emergency: str, now: datetime) -> int:
    """Tell the person (or, without Telegram, their household) what home monitoring means for them.
    Returns how many people were told (0: nobody in the household uses Telegram)."""
    from bot.platform.clock import local_date
    from bot.services.monitoring import contacts

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
    from bot.platform.clock import local_time
    from bot.services.monitoring import contacts
    from bot.telegram.keyboards.callbacks import HealthCB

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
    from bot.services.monitoring import contacts

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
    """Could not reach them, or escalated: the grid's staff and doctors must know (a door-knock, a doctor)."""
    from bot.services.dispatch import health_responders, staff_for

    if task.outcome not in ("unreached", "escalated"):
        return 0
    people = {p.id: p for p in [*await staff_for(session, task), *await health_responders(session, task)]}
    people.pop(by.id, None)
    subject = await session.get(Person, task.subject_person_id) if task.subject_person_id else None
    for p in people.values():
        loc = p.locale
        building, unit = await _place_of(session, task.household_id, loc)
        if task.kind == "doorknock":
            head = (translate(loc, "⚠️ {ref}: {who} found nobody at {building}, {unit} (a household with care needs "
                                   "that did not acknowledge the red alert). Please follow up.", ref=task.ref,
                              who=by.full_name or "—", building=building, unit=unit) if task.outcome == "unreached"
                    else translate(loc, "⚠️ {ref}: {who} asks for help for {building}, {unit} (door-knock after the "
                                        "red alert). Please follow up.", ref=task.ref, who=by.full_name or "—",
                                   building=building, unit=unit))
        else:
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
    from bot.telegram.keyboards.callbacks import HealthCB
    from models.delivery import ROUTINE

    for p in people:
        loc = p.locale
        markup = push_markup([(translate(loc, "✅ I'm well today"), HealthCB(step="start", value="well").pack())],
                         [(translate(loc, "📝 Full report"), HealthCB(step="start", value="full").pack())])
        enqueue(session, [Recipient(chat_id=p.tg_user_id, person_id=p.id)],
                translate(loc, "☀️ Daily check-in: how are you today? One tap is enough."), now=now,
                cause=f"checkin:{community_id}", priority=ROUTINE, reply_markup=markup, valid_until=valid_until)


async def join_request(session: AsyncSession, requester: Person, household_id: int, members: list[Person],
                       now: datetime) -> None:
    """Ask the household's members whether the newcomer lives there (the newcomer sees nothing until then)."""
    from bot.telegram.keyboards.callbacks import JoinCB

    for m in members:
        loc = m.locale
        building, unit = await _place_of(session, household_id, loc)
        text = translate(loc, "👪 {name} has registered in the bot at your home ({building}, {unit}). Do they live "
                              "with you? Only confirm someone you know: members can report health for each other "
                              "and see household notices.", name=requester.full_name or "—", building=building,
                         unit=unit)
        yes, no = (JoinCB(person_id=requester.id, accept=a).pack() for a in (True, False))
        markup = push_markup([(translate(loc, "✅ Yes, they live here"), yes)], [(translate(loc, "❌ No"), no)])
        enqueue(session, [Recipient(chat_id=m.tg_user_id, person_id=m.id)], text, now=now,
                cause=f"join:{requester.id}", priority=HIGH, reply_markup=markup)


def join_decided(session: AsyncSession, requester: Person, accepted: bool, now: datetime) -> None:
    if requester.tg_user_id is None:
        return
    loc = requester.locale
    text = (translate(loc, "✅ Your household confirmed you. You are registered: press /menu to see the services.")
            if accepted else
            translate(loc, "Your household did not confirm that you live there. If this is a mistake, talk to them "
                           "or to your neighbourhood committee, or press /start to register another address."))
    enqueue(session, [Recipient(chat_id=requester.tg_user_id, person_id=requester.id)], text, now=now,
            cause=f"join:{requester.id}", priority=HIGH)

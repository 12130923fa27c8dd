"""Turning what services decided into localized pushes in the outbox (in the caller's transaction).

Services return data; this module words it in each recipient's language and writes outbox rows, so the
push exists exactly when the change that caused it commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.kernel.structure import place_of
from bot.platform.delivery.outbox import Recipient, enqueue, enqueue_edit
from bot.platform.i18n import N_, translate
from bot.telegram.keyboards.builders import push_markup
from bot.telegram.keyboards.callbacks import TaskCB
from models import Building, OutboxMessage, Person, SupplyRequest, Task, TaskOffer
from models.delivery import HIGH

CATEGORY = {"groceries": N_("Groceries"), "medicine": N_("Medicine"), "infant": N_("Infant supplies"),
            "masks": N_("Masks and protective gear"), "disinfectant": N_("Disinfectant"), "other": N_("Other")}
URGENCY = {"normal": N_("Normal"), "today": N_("Today"), "urgent": N_("Urgent: no food or medicine left")}


async def _describe_followup(session: AsyncSession, task: Task, locale: str) -> str:
    return translate(locale, "{ref} · health follow-up call", ref=task.ref)


async def _describe_doorknock(session: AsyncSession, task: Task, locale: str) -> str:
    building, unit = await place_of(session, task.household_id, locale)
    return translate(locale, "{ref} · door-knock: nobody at {building}, unit {unit} (a household with care "
                             "needs) has acknowledged the red alert. Please check on them in person.",
                     ref=task.ref, building=building, unit=unit)


async def _describe_checkin(session: AsyncSession, task: Task, locale: str) -> str:
    from bot.platform.clock import local_time
    from models import Monitoring

    building, unit = await place_of(session, task.household_id, locale)
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


async def join_request(session: AsyncSession, requester: Person, household_id: int, members: list[Person],
                       now: datetime) -> None:
    """Ask the household's members whether the newcomer lives there (the newcomer sees nothing until then)."""
    from bot.telegram.keyboards.callbacks import JoinCB

    for m in members:
        loc = m.locale
        building, unit = await place_of(session, household_id, loc)
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

"""Turning what services decided into localized pushes in the outbox (in the caller's transaction).

Services return data; this module words it in each recipient's language and writes outbox rows, so the
push exists exactly when the change that caused it commits.
"""

from __future__ import annotations

from datetime import datetime

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.delivery.outbox import Recipient, enqueue, enqueue_edit
from bot.i18n import N_, translate
from bot.keyboards.callbacks import TaskCB
from models import Building, OutboxMessage, Person, SupplyRequest, Task, TaskOffer
from models.delivery import HIGH, URGENT

CATEGORY = {"groceries": N_("Groceries"), "medicine": N_("Medicine"), "infant": N_("Infant supplies"),
            "masks": N_("Masks and protective gear"), "disinfectant": N_("Disinfectant"), "other": N_("Other")}
URGENCY = {"normal": N_("Normal"), "today": N_("Today"), "urgent": N_("Urgent: no food or medicine left")}


def _markup(*rows: list[tuple[str, str]]) -> dict:
    kb = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=t, callback_data=d) for t, d in row]
                                               for row in rows])
    return kb.model_dump(exclude_none=True)


async def describe_request(session: AsyncSession, task: Task, locale: str) -> str:
    """What is asked for and where (building only: name, unit and phone go to the claimer alone)."""
    if task.kind == "followup":
        return translate(locale, "{ref} · health follow-up call", ref=task.ref)
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


async def offer_task(session: AsyncSession, task: Task, volunteers: list[Person], now: datetime) -> int:
    """Push the task to each volunteer with a Claim button; remember each offer to withdraw it later."""
    for v in volunteers:
        existing = (await session.exec(select(TaskOffer).where(TaskOffer.task_id == task.id,
                                                               TaskOffer.volunteer_id == v.id))).first()
        text = translate(v.locale, "🆕 New task") + "\n" + await describe_request(session, task, v.locale)
        markup = _markup([(translate(v.locale, "✋ I'll take it"), TaskCB(action="claim", id=task.id).pack())])
        row = enqueue(session, [Recipient(chat_id=v.tg_user_id, person_id=v.id)], text, now=now,
                      cause=f"task:{task.id}", priority=min(task.priority, HIGH),  # 0 urgent ... 3, before notices
                      reply_markup=markup)[0]
        await session.flush()
        if existing is None:
            session.add(TaskOffer(task_id=task.id, volunteer_id=v.id, outbox_id=row.id, created_at=now))
        else:
            existing.status, existing.outbox_id = "offered", row.id
    return len(volunteers)


async def withdraw_offers(session: AsyncSession, task: Task, offers: list[TaskOffer], now: datetime) -> None:
    """Someone claimed the task: the others' offers now say so, and their button is gone."""
    for offer in offers:
        target = await session.get(OutboxMessage, offer.outbox_id) if offer.outbox_id else None
        volunteer = await session.get(Person, offer.volunteer_id)
        if target is None or volunteer is None:
            continue
        enqueue_edit(session, target, translate(volunteer.locale, "{ref} has been taken by another volunteer. "
                                                                  "Thank you for being ready to help!", ref=task.ref),
                     now=now, cause=f"task:{task.id}", priority=HIGH)


async def tell_requester(session: AsyncSession, task: Task, event: str, now: datetime) -> None:
    """Keep the resident informed: claimed, on its way, delivered (with a button to confirm), cancelled."""
    person = await session.get(Person, task.subject_person_id) if task.subject_person_id else None
    if person is None or person.tg_user_id is None:
        return
    loc = person.locale
    markup = None
    if event == "claimed":
        text = translate(loc, "A volunteer has taken your request {ref} and will bring it soon.", ref=task.ref)
    elif event == "picked_up":
        text = translate(loc, "Your request {ref} is on its way.", ref=task.ref)
    elif event == "delivered":
        text = translate(loc, "Your request {ref} has been delivered. Did you receive it?", ref=task.ref)
        markup = _markup([(translate(loc, "✅ Yes, I received it"), TaskCB(action="confirm", id=task.id).pack())])
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
                 translate(loc, "Phone: {phone}", phone=(subject.phone if subject and subject.phone else None)
                           or (reporter.phone if reporter and reporter.phone else "—"))]
        if reporter is not None and subject is not None and reporter.id != subject.id:
            lines.append(translate(loc, "Reported by: {name}", name=reporter.full_name or "—"))
        if report.temperature_c is not None:
            lines.append(translate(loc, "Temperature: {t} °C", t=report.temperature_c))
        if report.symptoms:
            lines.append(translate(loc, "Symptoms: {list}", list=", ".join(report.symptoms)))
        if report.test_result and report.test_result != "none":
            lines.append(translate(loc, "Test: {result}", result=report.test_result))
        if household is not None and household.care_needs:
            lines.append(translate(loc, "Household care needs: {list}", list=", ".join(household.care_needs)))
        markup = _markup([(translate(loc, "📞 I'll call them"), TaskCB(action="claim", id=task.id).pack())],
                         [(translate(loc, "✅ Resolved"), TaskCB(action="resolve", id=task.id).pack())])
        row = enqueue(session, [Recipient(chat_id=staff.tg_user_id, person_id=staff.id)], "\n".join(lines), now=now,
                      cause=f"health:{report.id}", priority=URGENT if report.red_flag else HIGH, reply_markup=markup)[0]
        await session.flush()
        session.add(TaskOffer(task_id=task.id, volunteer_id=staff.id, outbox_id=row.id, created_at=now))
    return task

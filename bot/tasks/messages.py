"""The words and buttons of the volunteer-task engine, in each recipient's language: what a task is (each kind's
description, given through the features list), the offer with its "I'll take it" button and its withdrawal, what
the resident is told as their request moves."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.platform.delivery.outbox import Recipient, enqueue, enqueue_edit
from bot.platform.i18n import N_, translate
from bot.tasks import kinds
from bot.tasks.callbacks import TaskCB
from bot.telegram.keyboards.builders import push_markup
from models import OutboxMessage, Person, Task, TaskOffer
from models.delivery import HIGH


async def describe_request(session: AsyncSession, task: Task, locale: str) -> str:
    """What is asked for and where (building only: name, unit and phone go to the claimer alone)."""
    return await kinds.hooks(task.kind).describe(session, task, locale)


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


async def tell_volunteer(session: AsyncSession, volunteer_id: int | None, task: Task, why: str,
                         now: datetime) -> None:
    """The volunteer who held a task it was taken from: cancelled by the resident or the staff, or passed on."""
    volunteer = await session.get(Person, volunteer_id) if volunteer_id else None
    if volunteer is None or volunteer.tg_user_id is None:
        return
    loc = volunteer.locale
    if why == "cancelled_by_resident":
        text = translate(loc, "{ref} was cancelled by the resident. You do not need to deliver it.", ref=task.ref)
    elif why == "not_needed":
        text = translate(loc, "{ref} is no longer needed: the community staff have handled it. Thank you!",
                         ref=task.ref)
    elif why == "cancelled_by_staff":
        text = translate(loc, "{ref} was cancelled by the community staff. You do not need to deliver it.",
                         ref=task.ref)
    else:
        text = translate(loc, "The community staff have passed {ref} to another volunteer. Thank you!", ref=task.ref)
    enqueue(session, [Recipient(chat_id=volunteer.tg_user_id, person_id=volunteer.id)], text, now=now,
            cause=f"task:{task.id}", priority=HIGH)


STATUS_WORDS = {"open": N_("waiting for a volunteer"), "claimed": N_("a volunteer has taken it"),
                "picked_up": N_("on its way"), "delivered": N_("delivered"), "confirmed": N_("received"),
                "cancelled": N_("cancelled")}


def status_words(locale: str, status: str) -> str:
    return translate(locale, STATUS_WORDS[status]) if status in STATUS_WORDS else status


async def delivery_photo(session: AsyncSession, task: Task, file_id: str, now: datetime) -> None:
    """The volunteer's photo of a delivery, to the one who asked for it."""
    person = await session.get(Person, task.subject_person_id) if task.subject_person_id else None
    if person is None or person.tg_user_id is None:
        return
    enqueue(session, [Recipient(chat_id=person.tg_user_id, person_id=person.id)],
            translate(person.locale, "A photo of your delivery {ref}.", ref=task.ref), now=now,
            cause=f"task:{task.id}", priority=HIGH, method="photo", media=file_id)


SKILL_LABELS = {"delivery": N_("Delivery"), "medicine": N_("Medicine runs"), "elderly_care": N_("Care for the elderly"),
                "phone": N_("Phone follow-up"), "patrol": N_("Security and patrol")}


def skill_label(locale: str, code: str) -> str:
    return translate(locale, SKILL_LABELS[code]) if code in SKILL_LABELS else code


# What a user is told when this capability refuses (code -> msgid); installed by bot/features.py.
REFUSALS: dict[str, str] = {
    "task_taken": N_("Sorry, {name} ({role}) has already taken this task."),
    "task_taken_unknown": N_("Sorry, someone else has already taken this task."),
    "task_cancelled": N_("This request was cancelled, so there is nothing to take. Thank you all the same!"),
    "claimed_by_you": N_("You have already taken this task: its steps are on this message."),
    "at_capacity": N_("You already have {max} open tasks. Please finish one before taking another."),
    "rest_day": N_("You have taken {max} tasks in the last 24 hours, your limit. Please rest now; others will "
                   "take the rest. (/duty changes the limit.)"),
    "rest_week": N_("You have given {max} hours in the last 7 days, your limit. Please rest now; others will take "
                    "the rest. (/duty changes the limit.)"),
    "too_late_to_cancel": N_("A volunteer is already on the way, so it can no longer be cancelled here. "
                            "Please call your neighbourhood committee: ☎️ Contacts has its number."),
    "bad_urgency": N_("Sorry, that is not a valid choice."),
    "bad_outcome": N_("This button is no longer active."),
    "claim_first": N_("Please take the task first (“I'll take it”)."),
}

"""The words of "Someone to talk to": what a resident in crisis reads, and the urgent alert to counsellors and
duty staff (each in their own language)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.kernel.glance import Glance
from bot.kernel.structure import place_of
from bot.platform.delivery.outbox import Recipient, enqueue
from bot.platform.i18n import N_, translate
from bot.registration.rules import dialable
from bot.support import rules as support
from bot.support.callbacks import CallbackCB, SupportCB
from bot.telegram.keyboards.builders import push_markup
from models import Person
from models.delivery import HIGH, URGENT
from models.support import SupportRequest


async def crisis_alert(session: AsyncSession, person: Person, people: list[Person], now: datetime) -> None:
    """Who, where and how to call them: nothing of what they wrote."""
    for p in people:
        loc = p.locale
        building, unit = await place_of(session, person.household_id, loc)
        text = translate(loc, "🆘 {name} ({building}, {unit}) has said they might not be safe. Please call them now: "
                              "{phone}. If you cannot reach them, go or send someone, and call the emergency number.",
                         name=person.full_name or "—", building=building, unit=unit,
                         phone=dialable(person.phone) or translate(loc, "no phone given"))
        enqueue(session, [Recipient(chat_id=p.tg_user_id, person_id=p.id)], text, now=now, cause="crisis",
                priority=URGENT)


def breathing(session: AsyncSession, person: Person, steps: list[str], pause_seconds: int, now: datetime) -> None:
    """The exercise one step at a time: each step an outbox row due a pause after the one before (kept in the
    database, so a restart neither loses nor rushes them)."""
    for i, step in enumerate(steps):
        enqueue(session, [Recipient(chat_id=person.tg_user_id, person_id=person.id)], step,
                now=now, not_before=now + timedelta(seconds=pause_seconds * i), cause="breathing", priority=HIGH)


async def callback_requested(session: AsyncSession, req: SupportRequest, people: list[Person], now: datetime) -> None:
    """To the community's counsellors only: that someone asks for a call, and how they scored; who, only to the
    one who takes it."""
    for p in people:
        loc = p.locale
        enqueue(session, [Recipient(chat_id=p.tg_user_id, person_id=p.id)],
                translate(loc, "📞 A resident asks for a counsellor's call (PHQ-2: {phq}, GAD-2: {gad}). Who it is "
                               "is shown to the one who takes it.", phq=req.phq2, gad=req.gad2),
                now=now, cause=f"support:{req.id}", priority=HIGH,
                reply_markup=push_markup([(translate(loc, "📞 I'll call"),
                                           CallbackCB(action="take", id=req.id).pack())]))


async def callback_taken(session: AsyncSession, req: SupportRequest, counsellor: Person, now: datetime) -> None:
    """The resident hears who will call, and when to expect it."""
    person = await session.get(Person, req.person_id) if req.person_id else None
    if person is None or person.tg_user_id is None:
        return
    enqueue(session, [Recipient(chat_id=person.tg_user_id, person_id=person.id)],
            translate(person.locale, "📞 {name}, a counsellor of your community, will call you within a day. The call "
                                     "is confidential.", name=counsellor.full_name or "—"),
            now=now, cause=f"support:{req.id}", priority=HIGH)


def helper_check_markup(locale: str) -> dict:
    return push_markup([(translate(locale, "📝 A short check on how I feel (4 questions)"),
                         SupportCB(action="screen").pack())],
                       [(translate(locale, "📊 My last 7 days"), SupportCB(action="load").pack())],
                       [(translate(locale, "🔕 No more monthly checks"),
                         SupportCB(action="monthly", value="off").pack())])


def helper_check(session: AsyncSession, people: list[Person], now: datetime) -> None:
    """The monthly offer to those who help: optional, a tap to start, a tap to stop."""
    for p in people:
        loc = p.locale
        enqueue(session, [Recipient(chat_id=p.tg_user_id, person_id=p.id)],
                translate(loc, "🌿 Once a month, for those who help: how are you doing? Looking after others is heavy "
                               "work, and your own well-being matters too. The check is optional and private: only "
                               "the scores are kept, and admins see counts, never who. Self-help and the hotline "
                               "are under 💬 Someone to talk to."),
                now=now, cause="helpers_check", reply_markup=helper_check_markup(loc))


# What a user is told when "Someone to talk to" refuses (code -> msgid); installed by bot/features.py.
REFUSALS: dict[str, str] = {
    "helpers_only": N_("This is for volunteers and staff."),
    "self_help_empty": N_("Please type the text."),
    "self_help_invalid": N_("Please type the text in words, not a command."),
    "self_help_too_long": N_("Please keep it to at most {max} characters."),
    "steps_count": N_("Please type 2 to {max} steps, one per line."),
    "step_too_long": N_("Please keep each step to at most {max} characters."),
    "support_taken": N_("Another counsellor has already taken this call."),
    "support_yours": N_("You have already taken this call: the number is on this message."),
}


GLANCE = Glance("support", N_("💬 Someone to talk to"), order=60, figures=support.glance,
                labels={"waiting": N_("call-backs waiting"), "calling": N_("call-backs under way"),
                        "today": N_("asked today")})

"""The words and buttons of registration's pushes, each in its recipient's language: asking a household's members
whether a newcomer lives there, and telling the newcomer what they answered."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.kernel.structure import place_of
from bot.platform.delivery.outbox import Recipient, enqueue
from bot.platform.i18n import N_, _, translate
from bot.telegram.keyboards.builders import push_markup
from models import Person
from models.delivery import HIGH


async def join_request(session: AsyncSession, requester: Person, household_id: int, members: list[Person],
                       now: datetime) -> None:
    """Ask the household's members whether the newcomer lives there (the newcomer sees nothing until then)."""
    from bot.registration.callbacks import JoinCB

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


async def join_request_to_staff(session: AsyncSession, requester: Person, household_id: int, staff: list[Person],
                                now: datetime) -> None:
    """A household in the ledger with nobody on Telegram: its grid's staff decide whether the newcomer lives
    there (after a call or a visit), never the bot by itself."""
    from bot.registration.callbacks import JoinCB
    from bot.registration.rules import dialable, household_members

    names = ", ".join(m.full_name or "—" for m in await household_members(session, household_id)
                      if m.id != requester.id) or "—"
    for p in staff:
        loc = p.locale
        building, unit = await place_of(session, household_id, loc)
        text = translate(loc, "👪 {name} ({phone}) has registered at {building}, {unit}, where nobody is on Telegram "
                              "(members: {members}). Do they live there? Please check with the household — a call "
                              "or a visit — before you confirm: members see and report for each other.",
                         name=requester.full_name or "—", phone=dialable(requester.phone) or "—",
                         building=building, unit=unit, members=names)
        yes, no = (JoinCB(person_id=requester.id, accept=a).pack() for a in (True, False))
        markup = push_markup([(translate(loc, "✅ Yes, they live here"), yes)], [(translate(loc, "❌ No"), no)])
        enqueue(session, [Recipient(chat_id=p.tg_user_id, person_id=p.id)], text, now=now,
                cause=f"join:{requester.id}", priority=HIGH, reply_markup=markup)


def join_decided(session: AsyncSession, requester: Person, accepted: bool, now: datetime) -> None:
    if requester.tg_user_id is None:
        return
    loc = requester.locale
    text = (translate(loc, "✅ Your household confirmed you. You are registered: press /menu to see the services.")
            if accepted else
            translate(loc, "Your household did not confirm that you live there. If this is a mistake, talk to them "
                           "or to your neighbourhood committee (/contacts has its number), or press /start to "
                           "register another address."))
    enqueue(session, [Recipient(chat_id=requester.tg_user_id, person_id=requester.id)], text, now=now,
            cause=f"join:{requester.id}", priority=HIGH)


# What a user is told when this capability refuses (code -> msgid); installed by bot/features.py.
REFUSALS: dict[str, str] = {
    "unit_empty": N_("Please type your unit and room, for example 2-502."),
    "unit_too_long": N_("That is too long. Please type just the unit and room, for example 2-502 "
                       "(at most {max} characters)."),
    "unit_invalid": N_("I couldn't read that as a unit and room. Please type it like 2-502 "
                      "(unit 2, room 502) or just 502."),
    "size_not_number": N_("Please send a whole number, for example 3."),
    "size_range": N_("Please send a number from 1 to {max}."),
    "member_exists": N_("A member with this name is already in your household."),
    "household_full": N_("A household can have at most {max} members."),
    "building_gone": N_("That building is no longer in the list. Please choose again."),
    "bad_care_need": N_("This button is no longer active."),
    "phone_invalid": N_("That does not look like a phone number that can be called. Please share your "
                       "number again with the button below, or press Skip."),
}


def care_need_label(code: str) -> str:
    return {
        "elderly_alone": _("Living alone, aged 70+"),
        "disability": _("Disability"),
        "pregnancy": _("Pregnancy"),
        "infant": _("Infant (under 3)"),
        "chronic": _("Chronic illness"),
    }.get(code, code)

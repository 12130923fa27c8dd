"""The words of "Someone to talk to": what a resident in crisis reads, and the urgent alert to counsellors and
duty staff (each in their own language)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.kernel.structure import place_of
from bot.platform.delivery.outbox import Recipient, enqueue
from bot.platform.i18n import translate
from bot.registration.rules import dialable
from models import Person
from models.delivery import URGENT


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

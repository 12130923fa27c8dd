"""Conversation shortcuts shared by flow tests."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlmodel import select

from bot.platform.delivery.sender import Sender, SenderConfig
from models import Building, Household, Person
from tests.fakes.people import TgUser


async def consent(user: TgUser, payload: str = "", language: str = "English"):
    """/start (with an optional deep-link payload), choose the language, agree to the privacy notice."""
    await user.send(f"/start {payload}".strip())
    await user.press(language)
    return await user.press("I agree")


async def deliver(running) -> None:
    """Run the sender until the outbox is empty (production runs it in the background)."""
    app = running.app
    sender = Sender(app.bot, app.sessionmaker, app.clock, SenderConfig(rate=200, private_interval=0.0,
                                                                       idle_poll=0.02, retry_base=0.02))
    await asyncio.wait_for(sender.run(asyncio.Event(), until_idle=True), 20)


async def register(user: TgUser, *, grid: str = "Grid 1", building: str = "Building 1", unit: str = "2-502",
                   size: str | None = "3", care: tuple[str, ...] = (), language: str = "English",
                   confirmed_by: TgUser | None = None, running=None, phone: str | None = None) -> None:
    """Register a resident in English through the real conversation. Joining a household that has members
    on Telegram needs one of them to confirm: `confirmed_by` does, through the outbox of `running`."""
    r = await consent(user, language=language)
    if grid:
        assert "Which area" in r.text, r.text
        await user.press(grid)
        await user.press(building)
    r = await user.send(unit)
    if size is not None:
        assert "How many people" in r.text, r.text
        await user.send(size)
        for c in care:
            await user.press(c)
        await user.press("Done")
    r = await (user.share_contact(phone) if phone else user.send("Skip"))
    if confirmed_by is not None:
        assert "asked them to confirm" in r.text, r.text
        await deliver(running)
        await confirmed_by.press("Yes, they live here")
        return
    assert "You are registered" in r.text, r.text


async def person_of(session, user: TgUser) -> Person | None:
    session.expire_all()
    return (await session.exec(select(Person).where(Person.tg_user_id == user.id))).first()


async def household_of(session, user: TgUser) -> Household | None:
    p = await person_of(session, user)
    if p is None or p.household_id is None:
        return None
    return await session.get(Household, p.household_id)


def texts_to(tg, who) -> list[str]:
    """Every text (or caption) the bot sent to a user or a chat id, oldest first."""
    chat_id = who if isinstance(who, int) else who.id
    return [str(c.text) for c in tg.calls if c.chat_id == chat_id and c.text]


async def full_report(user: TgUser, temperature: str, *symptoms: str, test: str = "No recent test",
                      start: bool = True, save: bool = True) -> object:
    """A full health report in English; with start=False the temperature question is already on screen; with
    save=False it stops at the check, the Save button on screen."""
    if start:
        await user.send("🌡 Health report")
        await user.press("Full report")
    await user.send(temperature)
    for s in symptoms:
        await user.press(s)
    await user.press("Done" if symptoms else "None of these")
    await user.press(test)
    r = await user.press("No note")
    return await user.press("Save") if save else r


async def seed_residents(sessionmaker, n: int, tg, *, first_id: int = 800_000) -> list[TgUser]:
    """n residents registered in English straight into the database (for bursts), two to a household."""
    async with sessionmaker() as s:
        building = (await s.exec(select(Building).order_by(Building.id))).first()
        homes = [Household(building_id=building.id, unit=f"9-{i}") for i in range((n + 1) // 2)]
        s.add_all(homes)
        await s.flush()
        now = datetime.now(UTC)
        s.add_all([Person(tg_user_id=first_id + i, full_name=f"Resident {i}", locale="en",
                          household_id=homes[i // 2].id, consent_at=now, registered_at=now) for i in range(n)])
        await s.commit()
    return [TgUser(tg, first_id + i, first_name=f"R{i}") for i in range(n)]


async def go_on_duty(volunteer: TgUser) -> object:
    """/duty shows the volunteer's state; the button puts them on duty."""
    await volunteer.send("/duty")
    return await volunteer.press("Go on duty")


ADMIN_ID = 42  # ADMIN_IDS in the test settings


async def make_invite(user, role: str, scope: str, uses: str = "One person", days: str = "7 days") -> str:
    """An invitation made through /invite; returns its deep-link payload."""
    await user.send("/invite")
    await user.press(role)
    await user.press(scope)
    await user.press(uses)
    r = await user.press(days)
    link = next(w for w in r.text.split() if "start=inv_" in w)
    return link.split("start=")[1]


async def ask(granny, item: str = "rice", urgency: str = "Normal") -> None:
    """A supply request from the menu: one item, delivered home, no note."""
    await granny.send("🛒 Request supplies")
    await granny.press("Groceries")
    await granny.send(item)
    await granny.send("1")
    await granny.press("That's all")
    await granny.press(urgency)
    await granny.press("My home")
    await granny.press("No note")
    await granny.press("Send the request")

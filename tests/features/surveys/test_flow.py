"""Surveys as staff, residents and volunteers live them, through the fake Bot API: composing, answering once
per household, per-building results with a chart and a CSV, and after the deadline (a controllable clock)
follow-up tasks for households that did not answer — those with nobody on Telegram included."""

from __future__ import annotations

import csv
import io

from sqlmodel import select

from bot.platform.scheduling.due import DueWorkRunner
from bot.platform.scheduling.registry import HANDLERS
from models import AuditEntry, Building, Household, Task
from models.surveys import Survey, SurveyFollowup, SurveyResponse
from tests.flows.helpers import ADMIN_ID, consent, deliver, go_on_duty, make_invite, register, texts_to


async def world(bot, user_factory, session):
    """Lin works in Grid 1; Mei (Building 1) and Jun (Building 2) live there, Wu in Grid 2; two households of
    Grid 1 are in the ledger with nobody on Telegram."""
    admin = user_factory(user_id=ADMIN_ID)
    await register(admin, unit="9-901")
    lin, vol = user_factory(first_name="Lin"), user_factory(first_name="Vol")
    await consent(lin, await make_invite(admin, "community worker", "Grid 1"))
    await consent(vol, await make_invite(admin, "volunteer", "Grid 1"))
    await go_on_duty(vol)
    mei, jun, wu = user_factory(first_name="Mei"), user_factory(first_name="Jun"), user_factory(first_name="Wu")
    await register(mei, unit="2-502")
    await register(jun, building="Building 2", unit="3-301")
    await register(wu, grid="Grid 2 (Bldg 5-8)", building="Building 5", unit="1-101")
    b1 = (await session.exec(select(Building).where(Building.code == "YG-01"))).one()
    b3 = (await session.exec(select(Building).where(Building.code == "YG-03"))).one()
    session.add(Household(building_id=b1.id, unit="1-101", size=1, care_needs=["alone_70"]))
    session.add(Household(building_id=b3.id, unit="1-201", size=2))
    await session.commit()
    return admin, lin, vol, mei, jun, wu


async def compose(lin, *, title: str = "Water supply", days: str = "3 days") -> object:
    r = await lin.send("/surveys")
    r = await lin.press("New survey")
    assert "title" in r.text
    r = await lin.send(title)
    assert "Question 1" in r.text
    await lin.press("One choice")
    r = await lin.send("Is your water supply all right?")
    assert "choices, one per line" in r.text
    r = await lin.send("Yes\nNo\nSometimes")
    assert "Question 2" in r.text
    await lin.press("1 to 5")
    await lin.send("How satisfied are you with the repairs?")
    await lin.press("Short text")
    await lin.send("Anything else we should know?")
    r = await lin.press("No more questions")
    assert "Who is asked?" in r.text
    r = await lin.press("Continue")  # the whole area: Grid 1
    await lin.press("One per household")
    return await lin.press(days)


async def test_a_survey_is_answered_once_per_household_and_counted_per_building(bot, user_factory, tg, session,
                                                                               clock):
    _admin, lin, vol, mei, jun, wu = await world(bot, user_factory, session)
    r = await compose(lin)
    assert "Households asked: 5 (3 with someone on Telegram; 2 with nobody on Telegram" in r.text, r.text
    r = await lin.press("Send")
    assert "Q-0001 sent to 3 people in 5 households" in r.text
    await deliver(bot)
    assert not any("Water supply" in t for t in texts_to(tg, wu))  # Grid 2 is not Lin's area
    invite = [t for t in texts_to(tg, mei) if "Water supply" in t][-1]
    assert "3 questions" in invite and "One answer per household" in invite
    r = await mei.press("Answer now")
    assert "1/3 Is your water supply all right?" in r.text
    r = await mei.send("fine")  # words where a button is asked for
    assert "Please press one of the buttons" in r.text
    r = await mei.press("Sometimes")
    assert "2/3" in r.text
    assert "no longer active" in (await mei.press_data("sv:ans:1:0:1:0")).alert  # question 1's button again
    await mei.press("4")
    r = await mei.send("x" * 501)
    assert "at most 500 characters" in r.text  # the question stays
    r = await mei.send("Pressure is low on the 5th floor")
    assert "Thank you! Your answers have been sent" in r.text
    r = await mei.press_data("sv:start:1:0:0:0")
    assert "already answered" in r.alert
    await jun.press("Answer now")
    await jun.press("Yes")
    await jun.press("5")
    r = await jun.press("Skip")
    assert "Thank you!" in r.text
    r = await wu.press_data("sv:start:1:0:0:0")  # forged: not his area
    assert "not for your household" in r.alert
    session.expire_all()
    assert len((await session.exec(select(SurveyResponse))).all()) == 2

    r = await lin.send("/surveys")
    assert "Q-0001 · Water supply · open until" in r.text
    r = await lin.press("Q-0001 results")
    text = "\n".join(r.texts)
    assert "Building 1 | 3 | 1 | 33% | 4.0" in text and "Building 2 | 1 | 1 | 100% | 5.0" in text
    assert "Building 3 | 1 | 0 | 0% | —" in text and "All: 2 of 5 answered." in text
    assert "• Sometimes: 1" in text and "• Yes: 1" in text and "• No: 0" in text
    assert any(c.method == "sendPhoto" and c.chat_id == lin.id for c in tg.calls)  # the chart
    assert tg.files["Q-0001.png"].startswith(b"\x89PNG")
    await lin.press("Q-0001 CSV")
    blob = tg.files["Q-0001.csv"]
    assert blob.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(blob.decode("utf-8-sig"))))
    assert len(rows) == 3 and rows[0][:4] == ["Answered at", "Building", "Unit", "Answered by"]
    assert ["Building 1", "2-502", "a resident", "Sometimes", "4", "Pressure is low on the 5th floor"] == rows[1][1:]
    assert not any("Mei" in cell or "Jun" in cell for row in rows for cell in row)  # no names
    session.expire_all()
    actions = {e.action for e in (await session.exec(select(AuditEntry))).all()}
    assert {"survey_sent", "read_survey_results", "survey_export"} <= actions

    # The deadline: the three households that did not answer (two with nobody on Telegram) go to volunteers.
    clock.advance(days=3, minutes=1)
    runner = DueWorkRunner(bot.app.sessionmaker, bot.app.clock, HANDLERS)
    await runner.sweep()
    await runner.sweep()  # a second sweep (or a restart) does not close it twice
    await deliver(bot)
    session.expire_all()
    tasks = (await session.exec(select(Task).where(Task.kind == "survey"))).all()
    assert len(tasks) == 3
    assert any("2 of 5 households answered. 📋 Q-0001 (Water supply) has closed. 3 households" in t
               for t in texts_to(tg, lin))
    offers = [t for t in texts_to(tg, vol) if "survey follow-up" in t]
    assert len(offers) == 3 and any("1-201" in t and "Water supply" in t for t in offers)
    r = await mei.press_data("sv:start:1:0:0:0")
    assert "already answered" in r.alert or "closed" in r.alert

    # A volunteer reaches a household with nobody on Telegram and records its answers.
    ledger = (await session.exec(select(Household).where(Household.unit == "1-201"))).one()
    ledger_id = ledger.id
    task = next(t for t in tasks if t.household_id == ledger_id)
    await vol.press_data(f"task:claim:{task.id}")
    assert "Reached them" in " ".join(vol.buttons_on_screen())
    await vol.press("Reached them")
    await deliver(bot)
    r = await vol.press("📝 Water supply")
    assert "Answering for the household you reached" in r.texts[0]
    await vol.press("No")
    await vol.press("2")
    await vol.send("No water since Monday")
    session.expire_all()
    resp = (await session.exec(select(SurveyResponse).where(SurveyResponse.household_id == ledger_id))).one()
    assert resp.by_volunteer and resp.answers[next(iter(resp.answers))] == 1
    r = await mei.press_data(f"sv:for:1:0:0:{ledger_id}")  # forged: she holds no follow-up task
    assert "permission" in r.alert


async def test_a_household_is_followed_up_once_for_two_surveys_and_the_template_speaks_each_language(
        bot, user_factory, tg, session, clock):
    _admin, lin, vol, _mei, _jun, _wu = await world(bot, user_factory, session)
    hk = user_factory(first_name="Ka")
    await register(hk, building="Building 4", unit="1-402")
    await hk.send("/language")
    await hk.press("繁體中文")
    await compose(lin, title="Masks", days="1 day")
    await lin.press("Send")
    await lin.send("/surveys")
    r = await lin.press("After the emergency")
    assert "How did the community handle the emergency?" in r.texts[0]
    await lin.press("Continue")
    await lin.press("One per person")
    r = await lin.press("3 days")
    assert "One answer per person." in r.text
    await lin.press("Send")
    await deliver(bot)
    assert any("社區" in t and "緊急" in t for t in texts_to(tg, hk))  # the template in her language
    clock.advance(days=1, minutes=1)
    runner = DueWorkRunner(bot.app.sessionmaker, bot.app.clock, HANDLERS)
    await runner.sweep()
    clock.advance(days=2)
    await runner.sweep()
    session.expire_all()
    tasks = (await session.exec(select(Task).where(Task.kind == "survey"))).all()
    followups = (await session.exec(select(SurveyFollowup))).all()
    households = {t.household_id for t in tasks}
    assert len(tasks) == len(households) == 6  # one task per household ...
    assert len(followups) == 12  # ... asking both surveys
    assert {s.status for s in (await session.exec(select(Survey))).all()} == {"closed"}
    await deliver(bot)
    offer = next(t for t in texts_to(tg, vol) if "survey follow-up" in t)
    assert "Masks" in offer


async def test_composing_refuses_what_cannot_be_sent_and_keeps_what_was_typed(bot, user_factory, tg, session):
    _admin, lin, _vol, mei, _jun, _wu = await world(bot, user_factory, session)
    r = await mei.send("/surveys")
    assert "permission" in r.text
    await lin.send("/surveys")
    await lin.press("New survey")
    r = await lin.send("/help")  # a command is not a title: it runs, and the title is still asked
    r = await lin.send("x" * 121)
    assert "at most 120 characters" in r.text
    await lin.send("Heating")
    assert "No more questions" not in " ".join(lin.buttons_on_screen())  # not before a first question
    await lin.press("Several choices")
    await lin.send("Which rooms are cold?")
    r = await lin.send("Kitchen")
    assert "at least 2 choices" in r.text
    r = await lin.send("Kitchen\nkitchen")
    assert "same" in r.text
    r = await lin.send("Kitchen\nBedroom\nBathroom")
    assert "Question 2" in r.text
    r = await lin.press_data("sq:grid:99999")  # forged, and out of its turn
    assert "no longer active" in r.alert
    await lin.press("No more questions")
    r = await lin.press_data("sq:grid:99999")  # forged: not a grid of her area
    assert "permission" in r.alert
    await lin.press("Continue")
    await lin.press("One per household")
    r = await lin.send("yesterday 10:00")
    assert "Please type a time like 18:30" in r.text
    r = await lin.send("01-01 10:00")
    assert "Households asked" in r.text
    r = await lin.press("Send")
    assert "Q-0001 sent" in r.text
    await deliver(bot)
    r = await mei.press("Answer now")
    await mei.press("Bedroom")
    r = await mei.press("Done")
    assert "Thank you!" in r.text
    session.expire_all()
    resp = (await session.exec(select(SurveyResponse))).one()
    assert list(resp.answers.values()) == [[1]]

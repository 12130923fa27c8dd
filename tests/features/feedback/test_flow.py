"""/feedback as residents and staff live it, through the fake Bot API: an anonymous suggestion answered and
"Did it help?", complaints about a person routed above the grid and hidden from whom they are about."""

from __future__ import annotations

from sqlmodel import select

from models import Person
from models.cases import Case
from tests.features.hazards.test_flow import staff_world
from tests.flows.helpers import ADMIN_ID, deliver, register, texts_to


async def give_feedback(user, kind: str, *words: str, photos: tuple[str, ...] = (), about: str | None = None,
                        anonymous: bool = False):
    r = await user.send("/feedback")
    assert "What would you like to tell the community?" in r.text, r.text
    r = await user.press(kind)
    if about is not None:
        assert "Who is it about?" in r.text
        r = await (user.press("Skip") if about == "" else user.send(about))
    assert "Write your message" in r.text
    for w in words:
        await user.send(w)
    for p in photos:
        await user.send_photo(file_id=p)
    await user.press("Send")
    return await user.press("stay anonymous" if anonymous else "show my name")


async def test_an_anonymous_suggestion_is_answered_and_the_resident_says_whether_it_helped(bot, user_factory, tg,
                                                                                          session):
    boss, lin, lin2, ming = await staff_world(bot, user_factory)
    mei = user_factory(first_name="Meimei")
    await register(mei, phone="+8613812345678")
    r = await give_feedback(mei, "A suggestion", "Please open the east gate earlier", photos=("ph-7",),
                            anonymous=True)
    assert "Sent as F-0001 to the community workers of your grid" in r.text and "will not see who you are" in r.text
    await deliver(bot)
    alert = [t for t in texts_to(tg, lin) if "New feedback from a resident" in t][-1]
    assert "F-0001" in alert and "A suggestion" in alert and "east gate" in alert
    assert "📍" not in alert and "Building 1" not in alert  # no place: it could tell who wrote
    assert [c.params.get("photo") for c in tg.calls if c.method == "sendPhoto" and c.chat_id == lin.id] == ["ph-7"]
    assert not any("F-0001" in t for t in texts_to(tg, ming))  # another grid
    staff_texts = [*texts_to(tg, lin), *texts_to(tg, lin2), *texts_to(tg, boss)]
    assert not any("Meimei" in t or "+8613812345678" in t for t in staff_texts)
    await lin.press("I'll handle it")
    assert "Ask a volunteer" not in " ".join(lin.buttons_on_screen())  # nothing for a volunteer to do
    r = await lin.press("✉️ Answer")
    assert "Your answer to F-0001" in r.text
    r = await lin.send("From Monday the east gate opens at 6:00.")
    assert "F-0001 is answered" in r.text
    await deliver(bot)
    answer = texts_to(tg, mei)[-1]
    assert "The answer to F-0001: From Monday the east gate opens at 6:00." in answer
    assert "Did this answer help?" in answer
    r = await mei.press("No, it did not")
    assert "What would still help?" in r.text
    r = await mei.send("The west gate too, please")
    assert "F-0001 is open again" in r.text
    await deliver(bot)
    assert any("the resident says the answer did not help: The west gate too, please" in t for t in texts_to(tg, lin))
    r = await lin.send("/inbox")
    assert any("Feedback and complaints open in your area: 1." in t for t in r.texts)
    assert not any("Meimei" in t for t in r.texts)
    await lin.press_data("cs:resolve:1")
    await lin.send("West gate too, from Monday.")
    await deliver(bot)
    r = await mei.press("Yes, it helped")
    await deliver(bot)
    assert any("F-0001 is closed. Thank you for telling us!" in t for t in texts_to(tg, mei))
    case = (await session.exec(select(Case))).one()
    assert (case.kind, case.category, case.status, case.building_id) == ("feedback", "suggestion", "closed", None)


async def test_a_complaint_about_a_grid_worker_never_reaches_the_grid_and_goes_to_the_admins(bot, user_factory, tg,
                                                                                              session):
    boss, lin, lin2, ming = await staff_world(bot, user_factory)
    mei = user_factory(first_name="Mei")
    await register(mei)
    r = await give_feedback(mei, "A complaint about a community worker", "Shouted at my mother at the gate",
                            about="Lin, the grid worker")
    assert "Sent as F-0001 to the community's admins" in r.text
    await deliver(bot)
    for worker in (lin, lin2, ming):  # not the one named, not the grid she works in
        assert not any("F-0001" in t for t in texts_to(tg, worker))
    alert = [t for t in texts_to(tg, boss) if "New feedback" in t][-1]
    assert "Shouted at my mother" in alert and "👤 Lin, the grid worker" in alert
    for worker in (lin, lin2):
        r = await worker.send("/inbox")
        assert any("open in your area: 0." in t for t in r.texts)
        r = await worker.press_data("cs:ack:1")  # a forged button
        assert "permission" in r.alert
    assert (await session.exec(select(Case))).one().status == "new"
    r = await boss.send("/inbox")
    assert any("open in your area: 1." in t for t in r.texts) and any("Shouted" in t for t in r.texts)
    await boss.press_data("cs:ack:1")
    r = await boss.press_data("cs:pass:1")
    assert "Nobody else works in this area." in r.alert  # the grid's workers may not take it over


async def test_a_complaint_naming_an_admin_is_hidden_from_them_and_goes_to_the_bot_s_administrators(
        bot, user_factory, tg, session):
    boss, _lin, _lin2, _ming = await staff_world(bot, user_factory)
    root = user_factory(user_id=ADMIN_ID)  # staff_world registered the bot's administrator
    mei = user_factory(first_name="Mei")
    await register(mei)
    await give_feedback(mei, "A complaint about a community worker", "Gives his friends extra vegetables",
                        about="boss")  # typed in lower case: names compare without case
    await deliver(bot)
    assert not any("F-0001" in t for t in texts_to(tg, boss)), texts_to(tg, boss)[-3:]
    assert any("extra vegetables" in t for t in texts_to(tg, root))
    r = await boss.send("/inbox")
    assert any("open in your area: 0." in t for t in r.texts)
    r = await boss.press_data("cs:ack:1")
    assert "permission" in r.alert
    boss_id = (await session.exec(select(Person).where(Person.tg_user_id == boss.id))).one().id
    assert (await session.exec(select(Case))).one().hidden_from == [boss_id]


async def test_what_a_resident_gets_wrong_is_answered_and_nothing_entered_is_lost(bot, user_factory, tg, session):
    await staff_world(bot, user_factory)
    stranger = user_factory(first_name="Stranger")
    from tests.flows.helpers import consent
    await consent(stranger)
    r = await stranger.send("/feedback")
    assert "register" in r.text.lower()
    mei = user_factory(first_name="Mei")
    await register(mei)
    await mei.send("/feedback")
    await mei.press("A complaint about a volunteer")
    r = await mei.send("x" * 101)
    assert "at most 100 characters" in r.text
    r = await mei.press("Skip")
    assert "Write your message" in r.text
    r = await mei.press("Send")  # nothing written yet
    assert "write a few words" in r.alert
    r = await mei.send("y" * 1001)
    assert "too long" in r.text
    await mei.send("Took the delivery fee twice")
    r = await mei.send_photo(file_id="receipt")
    assert "Photo 1 added" in r.text
    r = await mei.send("hello")
    assert "Please press one of the buttons" not in r.text  # words are still welcome here
    await mei.press("Send")
    r = await mei.send("what now")
    assert "Please press one of the buttons above" in r.text
    r = await mei.press("show my name")
    assert "Sent as F-0001" in r.text
    case = (await session.exec(select(Case))).one()
    assert case.category == "about_volunteer"
    r = await mei.press_data("fb:anon:no")  # the same button again (a double tap)
    assert "no longer active" in r.alert
    assert len((await session.exec(select(Case))).all()) == 1

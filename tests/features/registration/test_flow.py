"""Registration conversations, through the real aiogram stack and the fake Bot API over HTTP."""

from __future__ import annotations

from sqlmodel import select

from models import Household, Person
from tests.flows.helpers import consent, deliver, household_of, person_of, register, texts_to


async def test_full_registration_in_english(bot, user_factory, session):
    mei = user_factory(language_code="en")
    r = await mei.send("/start")
    assert "Choose your language" in r.text
    assert r.inline_buttons()[2] == "✅ English"  # preselected from language_code

    r = await mei.press("English")
    assert "Who can see it" in r.text and "/deleteme" in r.text
    r = await mei.press("I agree")
    assert "Which area (grid)" in r.text
    assert "Grid 1 (Bldg 1-4)" in mei.buttons_on_screen()
    r = await mei.press("Grid 2")
    assert "Which building" in r.text
    r = await mei.press("Building 7")
    assert "Building 7 (seniors' flats)" in r.text and "unit and room" in r.text
    r = await mei.send("1单元 302室")
    assert "How many people" in r.text
    r = await mei.send("2")
    assert "extra care" in r.text
    await mei.press("Living alone, aged 70+")
    r = await mei.press("Chronic illness")
    assert "☑️ Chronic illness" in r.calls[-1].inline_buttons()[4]["text"]
    r = await mei.press("Done")
    assert "phone number" in r.text
    assert "📱 Share my phone number" in r.reply_buttons()
    r = await mei.share_contact("12345")  # not a number anyone can call: asked again, nothing lost
    assert "does not look like a phone number" in r.text and "📱 Share my phone number" in r.reply_buttons()
    r = await mei.share_contact("8613800138000")  # as Telegram often sends it: no "+"
    assert "You are registered ✅" in r.text
    assert "Building 7 (seniors' flats), unit/room 1-302" in r.text
    assert "🌡 Health report" in r.reply_buttons()

    p = await person_of(session, mei)
    assert p.phone == "+8613800138000" and p.locale == "en" and p.consent_at and p.registered_at
    hh = await household_of(session, mei)
    assert (hh.unit, hh.size, hh.care_needs) == ("1-302", 2, ["elderly_alone", "chronic"])


async def test_second_member_is_linked_not_asked_again_once_the_household_confirms(bot, user_factory, session, tg):
    mei, jun = user_factory(), user_factory(first_name="Jun")
    await register(mei, unit="2-502", size="4")
    await consent(jun)
    await jun.press("Grid 1")
    await jun.press("Building 1")
    r = await jun.send("2 - 502")
    assert "already registered by another member" in r.text
    assert "How many people" not in r.text and "phone number" in r.text
    r = await jun.send("Skip")
    assert "asked them to confirm that you live there" in r.text
    r = await jun.send("🌡 Health report")
    assert "register your address first" in r.text  # nothing of the household until confirmed
    assert await household_of(session, jun) is None
    await deliver(bot)
    stranger = user_factory(first_name="Stranger")
    await register(stranger, unit="3-303")
    r = await stranger.press_data(f"join:{(await person_of(session, jun)).id}:1")  # forged
    assert "permission" in r.alert
    r = await mei.press("Yes, they live here")
    assert "Jun Li is now a member of your household" in r.text
    r = await mei.press_data(f"join:{(await person_of(session, jun)).id}:1")  # pressed twice
    assert "already been handled" in r.alert
    await deliver(bot)
    assert any("Your household confirmed you" in t for t in texts_to(tg, jun))
    a, b = await household_of(session, mei), await household_of(session, jun)
    assert a.id == b.id and b.size == 4
    assert len((await session.exec(select(Household))).all()) == 2  # and the stranger's


async def test_a_stranger_typing_someone_s_unit_is_not_let_in(bot, user_factory, session, tg):
    mei, eve = user_factory(), user_factory(first_name="Eve")
    await register(mei, unit="2-502")
    await consent(eve)
    await eve.press("Grid 1")
    await eve.press("Building 1")
    await eve.send("2-502")
    r = await eve.send("Skip")
    assert "asked them to confirm" in r.text
    await deliver(bot)
    r = await mei.press("No")
    assert "Eve Li was not added" in r.text
    await deliver(bot)
    assert any("did not confirm that you live there" in t for t in texts_to(tg, eve))
    assert await household_of(session, eve) is None
    r = await eve.send("/start")
    assert "Which area" in r.text  # she can register her real address


async def test_qr_deep_link_prefills_the_building(bot, user_factory, session):
    mei = user_factory()
    r = await consent(mei, "b_YG-03")
    assert "Your building: Building 3" in r.text
    assert "Which area" not in r.text
    await mei.send("502")
    await mei.press("1")
    await mei.press("None of these")
    await mei.send("Skip")
    hh = await household_of(session, mei)
    assert hh.unit == "502"


async def test_unknown_qr_code_falls_back_to_the_list(bot, user_factory):
    mei = user_factory()
    r = await mei.send("/start b_NOPE")
    assert "does not match any building" in r.text
    await mei.press("English")
    r = await mei.press("I agree")
    assert "Which area" in r.text


async def test_bad_input_at_every_step_reasks_and_keeps_progress(bot, user_factory, session):
    mei = user_factory()
    await mei.send("/start")
    r = await mei.send("hello")
    assert "press one of the buttons" in r.text
    await mei.press("English")
    r = await mei.send("yes")
    assert "press one of the buttons" in r.text
    await mei.press("I agree")
    r = await mei.send("Building 1")
    assert "press one of the buttons" in r.text
    await mei.press("Grid 1")
    await mei.press("Building 2")

    for bad, expected in [("abc", "couldn't read that"), ("x" * 5000, "too long"), ("   ", "type your unit"),
                          ("/foo", "don't know that command"), ("/help", "How to use this bot")]:
        r = await mei.send(bad)
        assert expected in r.text, (bad[:10], r.text)
    r = await mei.send_sticker()
    assert "type your unit" in r.text
    r = await mei.send("3-1201")
    assert "How many people" in r.text

    for bad, expected in [("abc", "whole number"), ("0", "from 1 to 20"), ("-3", "from 1 to 20"),
                          ("999", "from 1 to 20"), ("2.5", "whole number")]:
        r = await mei.send(bad)
        assert expected in r.text, (bad, r.text)
    r = await mei.send("３人")  # full-width digit and a unit word
    assert "extra care" in r.text
    r = await mei.send("nobody")
    assert "use the buttons" in r.text
    await mei.press("Infant")
    await mei.press("Done")
    r = await mei.send("my number is 123")
    assert "Share my phone number" in r.text
    r = await mei.share_contact("+8613900000000", user_id=777)  # someone else's contact
    assert "your own number" in r.text
    r = await mei.send("Skip")
    assert "You are registered" in r.text
    hh = await household_of(session, mei)
    assert (hh.unit, hh.size, hh.care_needs) == ("3-1201", 3, ["infant"])
    assert (await person_of(session, mei)).phone is None


async def test_declining_consent_keeps_nothing(bot, user_factory, session):
    mei = user_factory()
    await mei.send("/start")
    await mei.press("English")
    r = await mei.press("I do not agree")
    assert "nothing about you has been kept" in r.text
    assert await person_of(session, mei) is None
    r = await mei.send("/start")
    assert "Choose your language" in r.text


async def test_cancel_mid_flow_leaves_cleanly(bot, user_factory, session):
    mei = user_factory()
    await consent(mei)
    await mei.press("Grid 1")
    r = await mei.send("/cancel")
    assert "Stopped" in r.text
    r = await mei.press_data("pick:b:1", message_id=1)
    assert "no longer active" in r.alert
    r = await mei.send("2-502")
    assert "didn't understand" in r.text
    assert (await person_of(session, mei)).household_id is None
    r = await mei.send("📝 Register my address")
    assert "Which area" in r.text


async def test_forged_and_stale_buttons_are_refused(bot, user_factory, session):
    mei = user_factory()
    await consent(mei)
    r = await mei.press_data("pick:b:3")  # a building button while choosing the grid
    assert "no longer active" in r.alert
    await mei.press("Grid 1")
    r = await mei.press_data("pick:b:999999")  # no such building
    assert "no longer in the list" in r.alert
    r = await mei.press_data("pick:b:5")  # a building of another grid... still in this community: allowed
    assert "Your building" in r.text
    r = await mei.press_data("size:n:500")
    assert "no longer active" in r.alert
    r = await mei.press_data("garbage-data")
    assert "no longer active" in r.alert
    r = await mei.press_data("lang:code:xx")
    assert "no longer active" in r.alert


async def test_pressing_a_button_twice_is_harmless(bot, user_factory, session):
    mei = user_factory()
    await mei.send("/start")
    mid, data = mei.find_button("English")
    await mei.press_data(data, mid)
    r = await mei.press_data(data, mid)  # second press: language already chosen, no second consent prompt
    assert "Who can see it" not in r.text
    await register_after_consent(mei)
    hh_count = len((await session.exec(select(Household))).all())
    assert hh_count == 1


async def register_after_consent(user):
    await user.press("I agree")
    await user.press("Grid 1")
    await user.press("Building 1")
    await user.send("101")
    await user.send("1")
    await user.press("Done")
    await user.send("Skip")


async def test_redelivered_update_is_handled_once(bot, user_factory, tg):
    mei = user_factory()
    payload = mei.message_update("/start")
    update_id = tg.push(payload)
    await tg.wait_handled(update_id)
    before = len(tg.method_calls("sendMessage"))
    tg.redeliver(update_id, payload)
    marker = tg.push(mei.message_update("/help"))  # a later update proves the redelivery was processed
    await tg.wait_handled(marker)
    texts = [c.text for c in tg.method_calls("sendMessage")[before:]]
    assert len(texts) == 1 and "How to use this bot" in texts[0]


async def test_conversation_survives_a_restart(start_bot, structure, user_factory, session):
    first = await start_bot()
    mei = user_factory()
    await consent(mei)
    await mei.press("Grid 1")
    await mei.press("Building 4")
    await first.stop()
    await start_bot()  # a new process: same database (and Redis when configured)
    r = await mei.send("2-301")
    assert "How many people" in r.text
    await mei.press("2")
    await mei.press("Done")
    r = await mei.send("Skip")
    assert "Building 4, unit/room 2-301" in r.text


async def test_start_again_when_registered_says_welcome_back(bot, user_factory):
    mei = user_factory()
    await register(mei)
    r = await mei.send("/start")
    assert "Welcome back" in r.text and "Building 1, unit/room 2-502" in r.text
    r = await mei.send("/start b_YG-05")
    assert "Welcome back" in r.text


async def test_no_structure_yet_is_explained(start_bot, user_factory):
    await start_bot()
    mei = user_factory()
    r = await consent(mei)
    assert "not been set up" in r.text


async def test_language_change_after_registration(bot, user_factory, session):
    mei = user_factory()
    await register(mei)
    r = await mei.send("/language")
    r = await mei.press("简体中文")
    assert (await person_of(session, mei)).locale == "zh_Hans"
    assert "🌡 健康上报" in r.reply_buttons()
    r = await mei.send("💬 找人聊聊")
    assert "心理援助热线" in r.text
    r = await mei.send("💬 Someone to talk to")  # an old English keyboard still works, answered in Chinese
    assert "心理援助热线" in r.text
    r = await mei.send("🌡 Health report")
    assert "您今天身体怎么样？" in r.text


async def test_several_communities_ask_for_the_community_first(bot, user_factory, session):
    from bot.kernel.structure import import_structure, parse_structure

    await import_structure(session, parse_structure("""
community:
  code: hexie
  name: 和谐社区
  names: {en: Hexie Community}
  grids:
    - code: H1
      name: 一网格
      names: {en: H Grid 1}
      buildings:
        - {code: HX-01, name: 1栋, names: {en: Block 1}}
"""))
    mei = user_factory()
    r = await consent(mei)
    assert "Which community" in r.text
    await mei.press("Hexie Community")
    r = await mei.press("Back")
    assert "Which community" in r.text
    await mei.press("Hexie Community")
    await mei.press("H Grid 1")
    r = await mei.press("Block 1")
    assert "Block 1" in r.text
    assert (await session.exec(select(Person))).first() is not None


async def test_the_last_member_leaving_while_someone_waits_to_join(bot, user_factory, session):
    mei, eve = user_factory(), user_factory(first_name="Eve")
    await register(mei, unit="2-502")
    await consent(eve)
    await eve.press("Grid 1")
    await eve.press("Building 1")
    await eve.send("2-502")
    await eve.send("Skip")
    await mei.send("/deleteme")
    r = await mei.press("Yes, delete my data")
    assert "has been erased" in r.text
    assert (await person_of(session, eve)).pending_household_id is None
    r = await eve.send("/start")
    assert "Which area" in r.text


async def test_address_picker_buttons_act_only_at_their_own_level(bot, user_factory):
    mei = user_factory()
    r = await consent(mei)
    assert "Which area (grid)" in r.text
    assert "no longer active" in (await mei.press_data("pick:b:1")).alert  # a building before a grid is chosen
    await mei.press("Grid 1")
    assert "no longer active" in (await mei.press_data("pick:g:1")).alert  # the grid's button, pressed again
    r = await mei.press("Back")
    assert "Which area (grid)" in r.text
    await mei.press("Grid 1")
    r = await mei.press("Building 1")
    assert "unit" in r.text.lower()

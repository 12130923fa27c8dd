"""Health self-reports through the real stack: one tap, a full report, a relative's report, alerts."""

from __future__ import annotations

from sqlmodel import select

from models import HealthReport
from tests.flows.helpers import ADMIN_ID, consent, deliver, full_report, make_invite, register


async def staff_world(user_factory):
    admin = user_factory(user_id=ADMIN_ID)
    await register(admin, unit="9-901")
    doc = await make_invite(admin, "community doctor", "Grid 1")
    worker_g2 = await make_invite(admin, "community worker", "Grid 2")
    doctor, other = user_factory(first_name="Doc"), user_factory(first_name="Other")
    await consent(doctor, doc)
    await consent(other, worker_g2)
    return doctor, other


async def test_help_lists_what_each_person_can_use(bot, user_factory):
    doctor, other = await staff_world(user_factory)
    r = await doctor.send("/help")
    assert "/health" in r.text and "/monitor" in r.text and "/notice" in r.text
    for not_theirs in ("/invite", "/roles", "/addbuilding", "/queue", "/stock", "/duty"):
        assert not_theirs not in r.text, not_theirs
    r = await other.send("/help")  # a community worker
    assert "/queue" in r.text and "/invite" in r.text and "/roles" not in r.text
    mei = user_factory()
    await register(mei)
    r = await mei.send("/help")  # a resident: no role section
    assert "/requests" in r.text and "For your role" not in r.text


async def test_well_today_is_one_tap(bot, user_factory, session):
    mei = user_factory()
    await register(mei)
    r = await mei.send("🌡 Health report")
    assert "How are you today?" in r.text
    r = await mei.press("I'm well today")
    assert "Saved. Thank you" in r.text
    report = (await session.exec(select(HealthReport))).one()
    assert not report.abnormal and report.temperature_c is None
    r = await mei.send("🌡 Health report")
    r = await mei.press("My last 7 days")
    assert "🟢" in r.text


async def test_a_double_tap_on_well_today_saves_once(bot, user_factory, tg, session):
    """The second press arrives before the keyboard is gone: one report, one "Saved", and the second press is
    told it was already saved. A press on a new menu is a new report."""
    mei = user_factory()
    await register(mei)
    await mei.send("🌡 Health report")
    message_id, data = mei.find_button("I'm well today")
    first = tg.push(mei.press_update(data, message_id))
    second = tg.push(mei.press_update(data, message_id))
    await tg.wait_handled(first)
    await tg.wait_handled(second)
    assert len((await session.exec(select(HealthReport))).all()) == 1
    assert len([c for c in tg.calls_to(mei.id) if c.text.startswith("Saved")]) == 1
    answers = [c.params.get("text") for c in tg.method_calls("answerCallbackQuery")]
    assert "Already saved. Thank you!" in answers
    await mei.send("🌡 Health report")
    r = await mei.press("I'm well today")
    assert "Saved. Thank you" in r.text
    assert len((await session.exec(select(HealthReport))).all()) == 2


async def test_full_report_with_bad_temperatures_then_an_alert_to_the_grid_doctor_only(bot, user_factory, tg):
    doctor, other = await staff_world(user_factory)
    mei = user_factory(first_name="Mei")
    await register(mei, care=("Chronic illness",))
    await mei.send("🌡 Health report")
    r = await mei.press("Full report")
    assert "What is the temperature?" in r.text
    for bad, expected in [("abc", "temperature"), ("60", "between 34 and 43"), ("x" * 5000, "temperature")]:
        r = await mei.send(bad)
        assert expected in r.text, (bad[:8], r.text)
    r = await mei.send("37度8")
    assert "37.8 °C" in r.text
    await mei.press("Cough")
    await mei.press("Done")
    await mei.press("Antigen test: negative")
    r = await mei.send("  从昨天开始，有点咳嗽；嗓子疼！ ")
    assert "Temperature: 37.8 °C" in r.text and "Cough" in r.text
    r = await mei.press("Save")
    assert "not normal" in r.text
    await deliver(bot)
    alert = [c.text for c in tg.calls if c.chat_id == doctor.id and "Abnormal health report" in c.text]
    assert alert and "Mei Li" in alert[0] and "2-502" in alert[0]
    # labels in the doctor's language, never codes; the resident's note as she typed it
    assert "Household care needs: Chronic illness" in alert[0] and "Symptoms: Cough" in alert[0]
    assert "Test: Antigen test: negative" in alert[0]
    assert "Their note: 从昨天开始，有点咳嗽；嗓子疼！" in alert[0]
    r = await doctor.send("/health")
    assert "Their note: 从昨天开始，有点咳嗽；嗓子疼！" in r.text
    assert not any("Abnormal health report" in c.text for c in tg.calls if c.chat_id == other.id)
    r = await doctor.press("I'll call them")
    assert "You took F-0001" in r.text and "Mei Li" in r.text
    r = await mei.press_data("task:resolve:1")  # forged by the resident
    assert "permission" in r.alert
    r = await doctor.press("Resolved")
    assert "How was F-0001 resolved?" in r.text
    r = await doctor.send("   ")
    assert "short reason" in r.text
    r = await doctor.send("called her, fever going down, will check tomorrow")
    assert "F-0001 is resolved" in r.text
    r = await doctor.press_data("task:resolve:1")
    assert "already been handled" in r.alert


async def test_red_flag_shows_the_emergency_number_and_a_relative_can_report(bot, user_factory, tg):
    doctor, _other = await staff_world(user_factory)
    son = user_factory(first_name="Son")
    await register(son)
    await son.send("🏠 My household")
    await son.press("Add a member without Telegram")
    await son.send("Grandma Wang")
    await son.send("🌡 Health report")
    await son.press("Report for a family member")
    r = await son.press("Grandma Wang")
    assert "Reporting for Grandma Wang" in r.text
    await son.send("99.5F")
    await son.press("Shortness of breath")
    await son.press("Done")
    await son.press("No recent test")
    await son.press("No note")
    r = await son.press("Save")
    assert "Call 120 now" in r.text
    await deliver(bot)
    alert = next(c.text for c in tg.calls if c.chat_id == doctor.id and "RED FLAG" in c.text)
    assert "Grandma Wang" in alert and "Reported by: Son Li" in alert
    for forged in ("hl:who:999", "hl:for:1", "hl:for:x"):  # not a member of his household (1 is the doctor's)
        r = await son.press_data(forged)
        assert r.alert == "You can only report for the members of your own household.", forged


async def test_the_doctors_alert_is_worded_in_the_doctors_language_with_labels_not_codes(bot, user_factory, tg):
    """The resident reports in English; the doctor reads Simplified Chinese: the push is in hers, labels too."""
    doctor, _other = await staff_world(user_factory)
    await doctor.send("/language")
    await doctor.press("简体中文")
    mei = user_factory(first_name="Mei")
    await register(mei, care=("Chronic illness",))
    await mei.send("🌡 Health report")
    await mei.press("Full report")
    await mei.send("38.6")
    await mei.press("Shortness of breath")
    await mei.press("Done")
    await mei.press("No recent test")
    await mei.press("No note")
    await mei.press("Save")
    await deliver(bot)
    alert = next(c.text for c in tg.calls if c.chat_id == doctor.id and "危急健康上报" in c.text)
    assert "症状：呼吸困难" in alert and "家庭照顾需求：慢性病" in alert
    for code in ("breath", "chronic", "none", "Shortness", "Chronic"):  # neither codes nor the resident's words
        assert code not in alert, code


async def test_staff_health_overview_and_the_call_race(bot, user_factory, tg):
    admin = user_factory(user_id=ADMIN_ID)
    await register(admin, unit="9-901")
    link = await make_invite(admin, "community doctor", "Grid 1", uses="Up to 10 people")
    other_link = await make_invite(admin, "community worker", "Grid 2")
    doc_a, doc_b, other = user_factory(first_name="A"), user_factory(first_name="B"), user_factory(first_name="O")
    await consent(doc_a, link)
    await consent(doc_b, link)
    await consent(other, other_link)
    mei, jun = user_factory(first_name="Mei"), user_factory(first_name="Jun")
    await register(mei)
    await register(jun, unit="3-303")
    for person, temp in ((mei, "38.1"), (jun, "39.8")):
        await full_report(person, temp)
    await deliver(bot)
    r = await doc_a.send("/health")
    assert "Health reports today in your area: 2 (abnormal 2, red flags 1)" in r.text
    lines = r.text.splitlines()
    assert lines[1].startswith("🔴 Jun Li 39.8 °C") and lines[2].startswith("🟠 Mei Li 38.1 °C")
    assert "nobody has taken the call yet" in lines[1]
    r = await doc_a.press_data("task:claim:2")  # Jun's red flag (sent first: urgent overtakes)
    assert "You took F-0002" in r.text and "Jun Li" in r.text
    r = await doc_b.press_data("task:claim:2")
    assert r.alert == "Sorry, A Li (community doctor) has already taken this task."  # not "another volunteer"
    assert "someone is calling (F-0002)" in (await doc_b.send("/health")).text
    assert "in your area: 0" in (await other.send("/health")).text
    assert "permission" in (await mei.send("/health")).text
    # Jun's record of who saw his data: two /health lists and one call taken (the other grid saw nothing).
    assert "Times staff opened your data: 3" in (await jun.send("/mydata")).text


async def test_cancel_at_the_check_saves_nothing_and_a_stale_cancel_leaves_other_conversations(bot, user_factory,
                                                                                                session):
    mei = user_factory()
    await register(mei)
    await mei.send("🌡 Health report")
    await mei.press("Full report")
    await mei.send("36.9")
    await mei.press("None of these")
    await mei.press("No recent test")
    r = await mei.press("No note")
    assert "Please check" in r.text
    r = await mei.press("Cancel")
    assert "Nothing was saved" in r.text
    assert (await session.exec(select(HealthReport))).all() == []
    await mei.send("🛒 Request supplies")
    await mei.press("Groceries")
    r = await mei.press_data("hl:cancel:-")  # the old summary's Cancel, pressed again
    assert "no longer active" in r.alert
    r = await mei.send("rice")
    assert "How many rice?" in r.text  # the supply request carries on


async def test_the_one_tap_check_in_mid_request_keeps_the_request(bot, user_factory, session):
    mei = user_factory()
    await register(mei)
    await mei.send("🛒 Request supplies")
    await mei.press("Groceries")
    r = await mei.press_data("hl:start:well")  # the morning check-in's "I'm well today", tapped meanwhile
    assert "Saved. Thank you" in r.text
    r = await mei.send("rice")
    assert "How many rice?" in r.text  # the supply request carries on where it was

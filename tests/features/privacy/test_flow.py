"""/mydata, /deleteme, household members, groups, flood control, errors, other languages."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from bot.health.callbacks import HealthCB
from models import Household, Person
from tests.flows.helpers import consent, household_of, person_of, register, seed_residents


async def test_mydata_sends_a_readable_message_and_a_json_file(bot, user_factory, tg):
    mei = user_factory()
    await register(mei, care=("Pregnancy",))
    r = await mei.send("/mydata")
    assert "everything we store about you" in r.text
    assert "Address: Building 1, unit/room 2-502" in r.text and "Care needs: Pregnancy" in r.text
    doc = [c for c in r.calls if c.method == "sendDocument"]
    assert doc and doc[0].params["document"]["filename"] == "my-data.json"
    data = json.loads(tg.files["my-data.json"])
    assert data["person"]["telegram_user_id"] == mei.id and data["household"]["unit"] == "2-502"


async def test_deleteme_asks_then_erases(bot, user_factory, session):
    mei = user_factory()
    await register(mei)
    await mei.send("🏠 My household")
    await mei.press("Add a member without Telegram")
    await mei.send("Grandma Wang")
    r = await mei.send("/deleteme")
    assert "cannot be undone" in r.text
    r = await mei.press("No, keep it")
    assert "Nothing was deleted" in r.text
    await mei.send("/deleteme")
    r = await mei.press("Yes, delete my data")
    assert "has been erased" in r.text
    assert await person_of(session, mei) is None
    people = (await session.exec(select(Person))).all()
    assert all(p.full_name is None and p.phone is None and p.deleted_at for p in people)
    assert (await session.exec(select(Household))).all() == []
    r = await mei.send("/mydata")
    assert "We store nothing about you" in r.text
    r = await mei.send("/start")
    assert "Choose your language" in r.text


async def test_deleting_one_member_keeps_the_household_for_the_others(bot, user_factory, session):
    mei, jun = user_factory(), user_factory()
    await register(mei)
    await mei.send("🏠 My household")
    await mei.press("Add a member without Telegram")
    await mei.send("Grandma Wang")
    await register(jun, size=None, confirmed_by=mei, running=bot)
    await jun.send("/deleteme")
    await jun.press("Yes, delete my data")
    hh = await household_of(session, mei)
    names = [p.full_name for p in (await session.exec(select(Person).where(Person.household_id == hh.id))).all()]
    assert sorted(n for n in names if n) == ["Grandma Wang", "Mei Li"]


async def test_household_members_without_telegram(bot, user_factory, session):
    mei = user_factory()
    await register(mei, size="2")
    r = await mei.send("🏠 My household")
    assert "People living there: 2" in r.text
    await mei.press("Add a member without Telegram")
    r = await mei.send("x" * 200)
    assert "too long" in r.text
    r = await mei.send("/cancel")
    assert "Stopped" in r.text
    await mei.send("🏠 My household")
    await mei.press("Add a member without Telegram")
    r = await mei.send("  Grandpa   Li ")  # kept as typed (trimmed) ...
    assert "Grandpa   Li has been added" in r.text
    assert "Grandpa   Li (no Telegram" in r.text
    await mei.press("Add a member without Telegram")
    r = await mei.send("grandpa li")  # ... and matched loosely
    assert "already in your household" in r.text
    await mei.press("Update care needs")
    await mei.press("Living alone")
    r = await mei.press("Done")
    assert "Care needs: Living alone, aged 70+" in r.text
    me = await person_of(session, mei)
    member = (await session.exec(select(Person).where(Person.full_name == "Grandpa   Li"))).one()
    assert member.tg_user_id is None and member.added_by_id == me.id
    await mei.press("Remove Grandpa")
    r = await mei.press_data(f"hh:remove:{member.id}")  # pressed twice
    assert "no longer exists" in r.alert


async def test_someone_else_cannot_remove_my_member(bot, user_factory, session):
    mei, eve = user_factory(), user_factory()
    await register(mei)
    await mei.send("🏠 My household")
    await mei.press("Add a member without Telegram")
    await mei.send("Grandma Wang")
    await register(eve, unit="9-909")
    member = (await session.exec(select(Person).where(Person.full_name == "Grandma Wang"))).one()
    member_id = member.id
    r = await eve.press_data(f"hh:remove:{member_id}")
    assert "no longer exists" in r.alert
    session.expire_all()
    assert (await session.get(Person, member_id)).deleted_at is None


async def test_group_chat_commands_point_to_private_chat(bot, user_factory):
    mei = user_factory()
    r = await mei.send_in_group(-100123, "/start")
    assert "private chat" in r.text
    assert r.calls[0].params["reply_markup"]["inline_keyboard"][0][0]["url"] == "https://t.me/community_test_bot"
    r = await mei.send_in_group(-100123, "does anyone have masks?")
    assert r.calls == []
    # Every capability's private command (from the features list), addressed to this bot or to none.
    for command in ("/stock", "/requests@community_test_bot", "/monitor"):
        assert "private chat" in (await mei.send_in_group(-100123, command)).text, command
    assert (await mei.send_in_group(-100123, "/start@another_bot")).calls == []  # another bot's command


async def test_flood_control_warns_once_and_drops(start_bot, structure, user_factory, tg):
    await start_bot(flood_limit=3, flood_window_seconds=30)
    mei = user_factory()
    replies = [await mei.send("/help") for _ in range(6)]
    texts = [r.text for r in replies]
    assert all("How to use" in t for t in texts[:3])
    assert "very fast" in texts[3]
    assert texts[4] == "" and texts[5] == ""


@pytest.mark.expect_bot_error
async def test_an_error_is_reported_with_an_id_and_the_conversation_kept(bot, user_factory, tg):
    mei = user_factory()
    await consent(mei)
    await mei.press("Grid 1")
    await mei.press("Building 1")
    tg.fail("sendMessage", 400, "Bad Request: chat not found", chat_id=mei.id)
    r = await mei.send("2-502")
    assert "went wrong on our side (error" in r.text
    r = await mei.send("2-502")  # the state was kept: the same step works now
    assert "How many people" in r.text


@pytest.mark.expect_bot_error
async def test_an_error_after_a_press_was_answered_is_told_in_the_chat(bot, tg, sessionmaker):
    """The press was answered already (Telegram takes one answer): the apology comes as a message."""
    mei, = await seed_residents(sessionmaker, 1, tg)
    tg.fail("sendMessage", 400, "Bad Request: chat not found", chat_id=mei.id)  # "Saved" cannot be sent
    r = await mei.press_data(HealthCB(step="start", value="well").pack())
    assert "went wrong on our side (error" in r.text
    assert [c for c in tg.method_calls("answerCallbackQuery") if c.result == "failed"] == []


async def test_registration_in_simplified_chinese(bot, user_factory, session):
    mei = user_factory(language_code="zh-hans")
    r = await mei.send("/start")
    assert "欢迎！我是居委会的服务机器人。" in r.text and r.inline_buttons()[0] == "✅ 简体中文"
    r = await mei.press("简体中文")
    assert "谁能看到" in r.text
    r = await mei.press("我同意")
    assert "您的楼栋在哪个网格？" in r.text
    await mei.press("第一网格")
    await mei.press("2号楼")
    r = await mei.send("abc")
    assert "没能识别单元和房号" in r.text
    await mei.send("3单元101")
    r = await mei.send("两个")
    assert "请输入一个整数" in r.text
    await mei.send("2")
    await mei.press("孕期")
    await mei.press("完成")
    r = await mei.send("跳过")
    assert "登记完成 ✅" in r.text and "2号楼，单元/房号 3-101" in r.text
    assert "🛒 物资申请" in r.reply_buttons()
    assert (await household_of(session, mei)).care_needs == ["pregnancy"]


async def test_registration_in_traditional_chinese(bot, user_factory, session):
    mei = user_factory(language_code="zh-hk")
    r = await mei.send("/start")
    assert r.inline_buttons()[1] == "✅ 繁體中文"
    r = await mei.press("繁體中文")
    assert "誰能看到" in r.text
    r = await mei.press("我同意")
    assert "您的樓棟在哪個網格？" in r.text
    await mei.press("第二網格")
    await mei.press("5號樓")
    await mei.send("1-101")
    await mei.send("1")
    await mei.press("完成")
    r = await mei.send("跳過")
    assert "登記完成 ✅" in r.text and "5號樓，單元/房號 1-101" in r.text
    assert (await person_of(session, mei)).locale == "zh_Hant"
    calls = [c for c in r.calls]
    assert calls


async def test_commands_are_registered_per_language(bot, user_factory, tg):
    mei = user_factory(language_code="zh-tw")
    await mei.send("/start")
    await mei.press("繁體中文")
    chat_cmds = [c for c in tg.method_calls("setMyCommands") if '"chat_id"' in json.dumps(c.params.get("scope"))]
    assert chat_cmds and any(cmd["description"] == "刪除我的資訊" or "刪除" in cmd["description"]
                             for cmd in chat_cmds[-1].params["commands"])

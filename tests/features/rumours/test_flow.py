"""'Is it true?' as residents use it, through the fake Bot API."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from bot.rumours.rules import import_library_file
from models.rumours import RumourQuestion
from tests.flows.helpers import register

STARTER = Path(__file__).resolve().parents[3] / "examples" / "rumours.yaml"


async def library(bot) -> None:
    async with bot.app.sessionmaker() as s:
        await import_library_file(s, STARTER, bot.app.clock.now())


async def test_asking_in_each_language_and_script(bot, user_factory):
    await library(bot)
    mei, ka, wu = user_factory(first_name="Mei"), user_factory(first_name="Ka"), user_factory(first_name="Wu")
    for u, unit in ((mei, "2-502"), (ka, "3-301"), (wu, "1-101")):
        await register(u, unit=unit)
    r = await wu.send("❓ Is it true?")
    assert "forward the message here" in r.text
    r = await wu.send("Is it true that drinking hot water kills the virus?")
    assert "Here is what the authorities say" in r.text and "❌ False" in r.text
    assert "Hot water does not kill the virus" in r.text and "World Health Organization" in r.text
    await mei.send("/language")
    await mei.press("简体中文")
    r = await mei.send("/check 听说戴口罩时间长了会二氧化碳中毒？")
    assert "❌ 错误" in r.text and "不会造成二氧化碳中毒" in r.text
    await ka.send("/language")
    await ka.press("繁體中文")
    await ka.send("❓ 消息是真的嗎？")
    forwarded = ("【轉發】各位鄰居注意！！聽說明天開始整棟樓都要封了，大家趕快去超市囤米囤油，晚了就買不到了🙏🙏 "
                 "請轉給家人朋友")
    r = await ka.send(forwarded)
    assert "未經證實" in r.text and "以社區居委會的正式通知為準" in r.text


async def test_what_the_library_cannot_answer_waits_for_staff(bot, user_factory, session):
    await library(bot)
    mei = user_factory(first_name="Mei")
    await register(mei)
    r = await mei.send("/check Is the new bakery on Fifth Street open on Sundays?")
    assert "I do not know this one yet" in r.text and "noted for the community staff" in r.text
    r = await mei.send("/check")
    assert "forward the message here" in r.text
    r = await mei.send("/menu")  # a command leaves the question unasked
    session.expire_all()
    questions = (await session.exec(select(RumourQuestion))).all()
    assert [(q.text, q.status) for q in questions] == [
        ("Is the new bakery on Fifth Street open on Sundays?", "open")]

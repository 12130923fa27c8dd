"""☎️ Contacts through the fake Bot API: staff keep their area's numbers; residents read their community's and
their grid's, with the emergency number and the hotline, in their language; scope and mistakes refused."""

from __future__ import annotations

from sqlmodel import select

from models import Contact
from tests.features.hazards.test_flow import staff_world
from tests.flows.helpers import register


async def add(staff, where: str, label: str, phone: str | None, note: str | None):
    await staff.send("/contacts")
    r = await staff.press(where)
    assert "What is it?" in r.text
    await staff.send(label)
    r = await (staff.send(phone) if phone else staff.press("Skip"))
    assert "Office hours or a note" in r.text, r.text
    return await (staff.send(note) if note else staff.press("Skip"))


async def test_staff_keep_their_area_s_contacts_and_residents_read_their_own(bot, user_factory, tg, session):
    boss, lin, _lin2, ming = await staff_world(bot, user_factory)
    r = await add(boss, "Add for the whole community", "居委会值班电话", "021-5555 1234", "8:00-20:00")
    assert "Saved: 居委会值班电话" in r.text
    await add(lin, "Add for Grid 1", "Grid 1 worker Ms Lin", "138 1234 5678", None)
    await add(ming, "Add for Grid 2", "Grid 2 worker Mr Ming", "139 0000 1111", None)
    mei, hk = user_factory(first_name="Mei"), user_factory(first_name="Ka")
    await register(mei)
    await register(hk, unit="3-301")
    await hk.send("/language")
    await hk.press("繁體中文")
    r = await mei.send("☎️ Contacts")
    assert "• 居委会值班电话: +86 21 5555 1234 (8:00-20:00)" in r.text
    assert "• Grid 1 worker Ms Lin: +86 138 1234 5678" in r.text and "Ming" not in r.text
    assert "Emergency: 120" in r.text and "12356" in r.text
    r = await hk.send("☎️ 聯絡方式")
    assert "居委会值班电话" in r.text and "緊急" in r.text  # the labels as typed, the rest in her language
    li = user_factory(first_name="Li")
    await register(li, unit="1-101")
    await li.send("/language")
    await li.press("简体中文")
    r = await li.send("☎️ 联系方式")
    assert "居委会值班电话: +86 21 5555 1234" in r.text and "心理援助热线：12356" in r.text

    r = await lin.send("/contacts")
    assert "Add for the whole community" not in " ".join(r.inline_buttons())
    r = await lin.press_data("ct:add:0")  # forged: she works for Grid 1 only
    assert "permission" in r.alert
    boss_entry = (await session.exec(select(Contact).where(Contact.label == "居委会值班电话"))).one()
    r = await lin.press_data(f"ct:remove:{boss_entry.id}")
    assert "permission" in r.alert
    r = await mei.press_data(f"ct:remove:{boss_entry.id}")  # a resident
    assert "permission" in r.alert
    await lin.send("/contacts")
    r = await lin.press("🗑 Grid 1 worker Ms Lin")
    assert "Removed" in r.alert
    r = await lin.press_data(f"ct:remove:{boss_entry.id + 1}")  # the same button again
    assert "already been handled" in r.alert
    r = await mei.send("☎️ Contacts")
    assert "Ms Lin" not in r.text and "居委会值班电话" in r.text


async def test_a_wrong_number_or_label_is_asked_again_and_nothing_typed_is_lost(bot, user_factory, tg, session):
    boss, _lin, _lin2, _ming = await staff_world(bot, user_factory)
    await boss.send("/contacts")
    await boss.press("Add for the whole community")
    r = await boss.send("x" * 61)
    assert "at most 60 characters" in r.text
    await boss.send("社区卫生服务站")
    r = await boss.send("call us")
    assert "does not look like a phone number" in r.text
    r = await boss.send("1234567")  # no area code
    assert "does not look like a phone number" in r.text
    await boss.send("+852 2345 6789")
    r = await boss.press("Skip")
    assert "Saved: 社区卫生服务站" in r.text
    c = (await session.exec(select(Contact))).one()
    assert (c.label, c.phone, c.note, c.grid_id) == ("社区卫生服务站", "+85223456789", None, None)


async def test_someone_who_did_not_register_can_still_find_the_committee_s_number(bot, user_factory, tg):
    boss, _lin, _lin2, _ming = await staff_world(bot, user_factory)
    await add(boss, "Add for the whole community", "居委会值班电话", "021-5555 1234", None)
    visitor = user_factory(first_name="Visitor")
    await visitor.send("/start")
    await visitor.press("English")
    r = await visitor.press("I do not agree")
    assert "/contacts has its number" in r.text
    r = await visitor.send("/contacts")
    assert "+86 21 5555 1234" in r.text


def test_short_service_numbers_are_kept_as_dialled() -> None:
    from bot.contacts.rules import clean_phone

    assert clean_phone("12345", "CN") == "12345"  # the citizens' service hotline
    assert clean_phone("021-5555 1234", "CN") == "+862155551234"

"""The household ledger imported from the chat, through the fake Bot API: a realistic ledger (55 households,
Chinese headers, the rows real ledgers get wrong), the preview and its refusals, the import, and importing the
same file again; a grid worker's area; an XLSX with a title row; files that are not ledgers."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook, load_workbook
from sqlmodel import func, select

from models import AuditEntry, Household, Person
from tests.flows.helpers import ADMIN_ID, consent, make_invite, register

LEDGER = Path(__file__).resolve().parents[3] / "examples" / "ledger.csv"


async def test_a_realistic_ledger_is_previewed_imported_and_importing_it_again_changes_nothing(bot, user_factory, tg,
                                                                                              session):
    admin = user_factory(user_id=ADMIN_ID)
    await register(admin, unit="9-901")
    mei = user_factory(first_name="Mei")
    await register(mei, unit="1-101")  # the ledger has her household: it is completed, not duplicated
    r = await admin.send_document(LEDGER.read_bytes(), "ledger.csv")
    text = "\n".join(r.texts)
    assert "ledger.csv: 55 households in 132 rows." in text, text
    assert "new households: 54" in text and "households completed or changed: 1" in text
    assert "new members: 125" in text and "rows refused: 7" in text
    for reason in ("row 127: no building “11号楼” in your community",
                   "row 128: “二单元” is not a unit and room",
                   "row 129: no name",
                   "row 130: “19x8” is not a year of birth",
                   "row 131: “12345” is not a phone number",
                   "row 132: “需要帮忙” is not a care need",
                   "row 133: 王秀英 is in this household twice"):
        assert reason in text, reason
    assert (await session.exec(select(func.count()).select_from(Household))).one() == 2  # nothing saved yet
    r = await admin.press("Import")
    assert "Imported: 54 new households, 1 completed or changed, 125 new members; 7 rows refused" in r.text
    session.expire_all()
    assert (await session.exec(select(func.count()).select_from(Household))).one() == 56
    wang = (await session.exec(select(Person).where(Person.full_name == "王秀英", Person.birth_year == 1938))).one()
    assert (wang.tg_user_id, wang.birth_year, wang.phone, wang.relation) == (None, 1938, "+8613000000000", "户主")
    home = await session.get(Household, wang.household_id)
    assert home.unit == "1-101" and home.in_ledger and home.care_needs == ["elderly_alone"]
    assert {p.full_name for p in (await session.exec(select(Person).where(Person.household_id == home.id))).all()} \
        == {"王秀英", "Mei Li"}
    entry = (await session.exec(select(AuditEntry).where(AuditEntry.action == "ledger_import"))).one()
    assert entry.detail["created"] == 54 and entry.detail["refused"] == 7

    r = await admin.send_document(LEDGER.read_bytes(), "ledger.csv")  # the same file again
    text = "\n".join(r.texts)
    assert "new households: 0" in text and "households completed or changed: 0" in text
    assert "already as in the ledger: 55" in text and "new members: 0" in text
    r = await admin.press("Import")
    assert "Imported: 0 new households, 0 completed or changed, 0 new members" in r.text
    session.expire_all()
    assert (await session.exec(select(func.count()).select_from(Person))).one() == 127


async def test_a_grid_worker_imports_only_their_grid_and_a_title_row_and_english_headers_are_read(
        bot, user_factory, tg, session):
    admin = user_factory(user_id=ADMIN_ID)
    await register(admin, unit="9-901")
    lin = user_factory(first_name="Lin")
    await consent(lin, await make_invite(admin, "community worker", "Grid 1"))
    wb = Workbook()
    ws = wb.active
    ws.append(["阳光社区户籍台账 2026年12月"])  # a title row above the headers, as ledgers have
    ws.append(["Building", "Unit", "Room", "Name", "Year of birth", "Phone", "Relation", "Care needs", "Notes"])
    ws.append(["Building 2", 3, 301, "Chan Tai Man", 1950, "+852 6123 4987", "head", "living alone", ""])
    ws.append(["6号楼", 1, 101, "孙悟空", 1960, "", "户主", "", ""])
    out = io.BytesIO()
    wb.save(out)
    r = await lin.send_document(out.getvalue(), "台账.xlsx")
    text = "\n".join(r.texts)
    assert "new households: 1" in text and "row 4: building “6号楼” is not in your area" in text, text
    await lin.press("Import")
    session.expire_all()
    chan = (await session.exec(select(Person).where(Person.full_name == "Chan Tai Man"))).one()
    assert chan.phone == "+85261234987" and chan.birth_year == 1950
    assert (await session.get(Household, chan.household_id)).care_needs == ["elderly_alone"]


async def test_what_is_not_a_ledger_is_refused_and_residents_cannot_import(bot, user_factory, tg, session):
    admin = user_factory(user_id=ADMIN_ID)
    await register(admin, unit="9-901")
    r = await admin.send_document(b"%PDF-1.4 ...", "scan.pdf")
    assert "Excel file (.xlsx) or a CSV file" in r.text
    r = await admin.send_document(b"not really a workbook", "fake.xlsx")
    assert "Excel file (.xlsx) or a CSV file" in r.text
    r = await admin.send_document("姓名,电话\n王,138\n".encode(), "list.csv")
    assert "I could not find the columns" in r.text
    r = await admin.send("/ledger")
    assert "one row per person" in r.text
    await admin.press("A blank ledger")
    blank = load_workbook(io.BytesIO(tg.files["ledger.xlsx"]))
    assert [c.value for c in blank.active[1]][:4] == ["楼栋", "单元", "门牌", "姓名"]
    r = await admin.send_document(tg.files["ledger.xlsx"], "ledger.xlsx")  # the blank ledger, filled as shown
    assert "new households: 1" in "\n".join(r.texts)
    mei = user_factory(first_name="Mei")
    await register(mei)
    r = await mei.send_document(LEDGER.read_bytes(), "ledger.csv")
    assert "households" not in r.text
    r = await mei.send("/ledger")
    assert "permission" in r.text
    r = await mei.press_data("lg:import")
    assert "Imported" not in r.text
    session.expire_all()
    assert (await session.exec(select(func.count()).select_from(Household))).one() == 2


SMALL = ("楼栋,单元,门牌,姓名,出生年份,联系电话,与户主关系,特殊人群,备注\n"
         "1号楼,1,101,王秀英,1938,13812345678,户主,独居,\n"
         "1号楼,2,202,李建国,1950,,户主,,\n"
         "1号楼,2,202,张桂兰,1952,13900001111,配偶,,\n"
         "2号楼,1,101,刘敏,1980,,户主,,\n"
         "6号楼,1,101,孙强,1970,,户主,,\n").encode()


async def test_reach_counts_who_the_bot_can_tell_and_lists_whom_to_call(bot, user_factory, tg, session):
    from tests.features.notices.test_flow import compose

    admin = user_factory(user_id=ADMIN_ID)
    await register(admin, unit="9-901")
    mei = user_factory(first_name="Mei")
    await register(mei, building="Building 2", unit="1-101")  # the ledger's 刘敏 lives with her
    lin, ming = user_factory(first_name="Lin"), user_factory(first_name="Ming")
    await consent(lin, await make_invite(admin, "community worker", "Grid 1"))
    await consent(ming, await make_invite(admin, "community worker", "Grid 2"))
    await admin.send_document(SMALL, "small.csv")
    await admin.press("Import")
    r = await lin.send("/reach")
    text = "\n".join(r.texts)
    assert "Building 1: 3 (2) · 1 · 2" in text and "Building 2: 1 (1) · 1 · 0" in text
    assert "Building 6" not in text  # Grid 2 is not hers
    assert "All: 4 households; 2 with nobody on Telegram" in text
    r = await lin.press("Unreached in Building 1 (2)")
    listing = "\n".join(r.texts)
    assert "1-101: 王秀英 +86 138 1234 5678 · Living alone, aged 70+" in listing
    assert "2-202: 李建国; 张桂兰 +86 139 0000 1111" in listing
    assert "9-901" not in listing  # someone there is on Telegram
    session.expire_all()
    assert (await session.exec(select(AuditEntry).where(AuditEntry.action == "read_unreached"))).one()
    b1 = (await session.get(Household, (await session.exec(select(Person).where(
        Person.full_name == "王秀英"))).one().household_id)).building_id
    r = await ming.press_data(f"lg:unreached:{b1}:")  # forged: Building 1 is Grid 1's
    assert "permission" in r.alert
    r = await ming.send("/reach")
    assert "Building 6: 1 (1) · 0 · 1" in "\n".join(r.texts)
    r = await compose(lin, "Water is off tomorrow 9:00-12:00")
    assert "2 households of this audience have nobody reachable on Telegram" in r.text


async def test_a_registrant_joins_a_ledger_household_only_when_a_grid_worker_confirms(bot, user_factory, tg,
                                                                                      session):
    from tests.flows.helpers import deliver, texts_to

    admin = user_factory(user_id=ADMIN_ID)
    await register(admin, unit="9-901")
    lin, ming = user_factory(first_name="Lin"), user_factory(first_name="Ming")
    await consent(lin, await make_invite(admin, "community worker", "Grid 1"))
    await consent(ming, await make_invite(admin, "community worker", "Grid 2"))
    await admin.send_document(SMALL, "small.csv")
    await admin.press("Import")
    stranger, son = user_factory(first_name="Stranger"), user_factory(first_name="Son")
    await consent(stranger)
    await stranger.press("Grid 1")
    await stranger.press("Building 1")
    await stranger.send("1-101")  # 王秀英 lives there alone: nobody on Telegram can vouch for him
    r = await stranger.send("Skip")
    assert "a community worker will check that you live there" in r.text
    session.expire_all()
    me = (await session.exec(select(Person).where(Person.tg_user_id == stranger.id))).one()
    me_id = me.id
    assert me.household_id is None and me.pending_household_id is not None
    r = await stranger.send("🏠 My household")
    assert "王秀英" not in r.text  # he sees nothing of her
    await deliver(bot)
    ask = [t for t in texts_to(tg, lin) if "where nobody is on Telegram" in t][-1]
    assert "Stranger Li" in ask and "王秀英" in ask and "1-101" in ask
    assert not any("where nobody is on Telegram" in t for t in texts_to(tg, ming))  # another grid
    r = await ming.press_data(f"join:{me_id}:1")  # forged by a worker of another grid
    assert "permission" in r.alert
    r = await lin.press("No")
    await deliver(bot)
    assert any("did not confirm" in t for t in texts_to(tg, stranger))
    session.expire_all()
    assert (await session.get(Person, me_id)).household_id is None

    await consent(son)
    await son.press("Grid 1")
    await son.press("Building 1")
    await son.send("1-101")
    await son.send("Skip")
    await deliver(bot)
    r = await lin.press("Yes, they live here")
    assert "is now a member of that household" in r.text
    await deliver(bot)
    assert any("You are registered" in t for t in texts_to(tg, son))
    r = await son.send("🏠 My household")
    assert "王秀英" in r.text
    # The son leaves: his data goes, the ledger's record of his mother stays (the committee keeps it).
    await son.send("/deleteme")
    r = await son.press("Yes, delete my data")
    assert "has been erased" in r.text
    session.expire_all()
    wang = (await session.exec(select(Person).where(Person.full_name == "王秀英"))).one()
    assert wang.deleted_at is None and wang.household_id is not None and wang.phone == "+8613812345678"


async def test_staff_add_and_correct_a_household_and_its_members_in_their_area(bot, user_factory, tg, session):
    admin = user_factory(user_id=ADMIN_ID)
    await register(admin, unit="9-901")
    lin, ming = user_factory(first_name="Lin"), user_factory(first_name="Ming")
    await consent(lin, await make_invite(admin, "community worker", "Grid 1"))
    await consent(ming, await make_invite(admin, "community worker", "Grid 2"))
    await lin.send("/households")
    r = await lin.press("Building 3")
    assert "Building 3: 0 households." in r.text
    await lin.press("Add a household")
    r = await lin.send("二单元")
    assert "2-502" in r.text  # the unit is asked again, with an example
    r = await lin.send("2单元301室")
    assert "🏠 Building 3 2-301 · in the ledger" in r.text
    await lin.press("Add a member")
    await lin.send("周桂兰")
    r = await lin.send("12345")
    assert "does not look like a phone number" in r.text
    r = await lin.send("139 1234 0000")
    assert "• 周桂兰 +86 139 1234 0000 · no Telegram" in r.text
    await lin.press("Living alone")
    r = await lin.press("📞 周桂兰")
    r = await lin.send("138 0000 1111")
    assert "+86 138 0000 1111" in r.text and "Living alone, aged 70+" in r.text
    await lin.send("/households")
    await lin.press("Building 3")
    await lin.press("Add a household")
    r = await lin.send("2-301")
    assert "already a household at 2-301" in r.text
    hh = (await session.exec(select(Household).where(Household.unit == "2-301"))).one()
    r = await ming.press_data(f"lg:hh:{hh.id}:")  # forged: Building 3 is Grid 1's
    assert "permission" in r.alert
    member = (await session.exec(select(Person).where(Person.full_name == "周桂兰"))).one()
    member_id = member.id
    await lin.send("/households")
    await lin.press("Building 3")
    await lin.press("2-301")
    r = await lin.press("🗑 周桂兰")
    assert "Removed" in r.alert
    session.expire_all()
    gone = await session.get(Person, member_id)
    assert gone.household_id is None and gone.full_name is None and gone.deleted_at is not None
    entries = (await session.exec(select(AuditEntry))).all()
    actions = {e.action for e in entries}
    assert {"household_added", "member_added", "member_phone_changed", "member_removed", "read_household"} <= actions
    # One read per card shown (after adding the household, the member, the care need, the phone, and opened
    # from the list): checking the area before a change reads nothing.
    assert sum(e.action == "read_household" for e in entries) == 5


async def test_staff_merge_a_household_recorded_twice_and_everything_follows(bot, user_factory, tg, session):
    from models import HealthReport
    from tests.flows.helpers import full_report

    admin = user_factory(user_id=ADMIN_ID)
    await register(admin, unit="9-901")
    lin = user_factory(first_name="Lin")
    await consent(lin, await make_invite(admin, "community worker", "Grid 1"))
    await admin.send_document(SMALL, "small.csv")
    await admin.press("Import")
    mei = user_factory(first_name="Mei")
    await register(mei, unit="101")  # the ledger wrote it 1-101: two records of one home
    await full_report(mei, "36.6")
    twice = (await session.exec(select(Household).where(Household.unit == "101"))).one().id
    await lin.send("/households")
    await lin.press("Building 1")
    await lin.press_data(f"lg:hh:{twice}:")  # the "101" button ("1-101" holds the same digits)
    r = await lin.press("Merge into another")
    assert "Merge 101 into which household?" in r.text
    r = await lin.press("1-101")
    assert "Merged" in r.alert
    text = "\n".join(r.texts)
    assert "🏠 Building 1 1-101" in text and "王秀英" in text and "Mei Li" in text
    session.expire_all()
    assert (await session.exec(select(Household).where(Household.unit == "101"))).first() is None
    target = (await session.exec(select(Household).join(Person, Person.household_id == Household.id)
                                 .where(Person.full_name == "王秀英"))).one()
    report = (await session.exec(select(HealthReport))).one()
    assert report.household_id == target.id
    assert target.care_needs == ["elderly_alone"] and target.in_ledger
    r = await mei.send("🏠 My household")
    assert "王秀英" in r.text


async def test_a_notice_s_report_counts_the_households_it_could_not_reach(bot, user_factory, tg, session, clock):
    from bot.platform.scheduling.due import DueWorkRunner
    from bot.platform.scheduling.registry import HANDLERS
    from tests.features.notices.test_flow import compose

    admin = user_factory(user_id=ADMIN_ID)
    await register(admin, unit="9-901")
    lin = user_factory(first_name="Lin")
    await consent(lin, await make_invite(admin, "community worker", "Grid 1"))
    await admin.send_document(SMALL, "small.csv")
    await admin.press("Import")
    await compose(lin, "Water is off tomorrow 9:00-12:00")
    await lin.press("Send")
    await DueWorkRunner(bot.app.sessionmaker, bot.app.clock, HANDLERS).sweep()
    r = await lin.send("/notices")
    assert any("3 households of its audience have nobody on Telegram" in t for t in r.texts)

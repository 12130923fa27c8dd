"""Staff at a glance through the fake Bot API: /stats for a grid worker and an admin, the lists behind the
figures, a forged area refused; /export built by the due-work runner and opened with openpyxl, exactly the
scoped rows; the evening summary at 18:00 local with its chart, once, across a restart."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import openpyxl
from sqlmodel import select

from bot.glance.callbacks import StatsCB
from bot.platform.scheduling.due import DueWorkRunner
from bot.platform.scheduling.registry import HANDLERS, RECURRING
from models import AuditEntry, DueWork
from tests.features.glance.seed import seed
from tests.features.hazards.test_flow import staff_world
from tests.flows.helpers import deliver, register, texts_to


def runner(bot) -> DueWorkRunner:
    return DueWorkRunner(bot.app.sessionmaker, bot.app.clock, HANDLERS, recurring=dict(RECURRING))


async def test_stats_of_a_grid_and_of_the_community_with_their_lists(bot, user_factory, tg, session, clock):
    boss, lin, _lin2, ming = await staff_world(bot, user_factory)
    ids = await seed(session, clock.now())
    r = await lin.send("/stats")
    assert "📊 Yangguang Community · Grid 1 (Bldg 1-4)" in r.text
    for line in ("• households: 4", "• nobody on Telegram: 1", "• abnormal: 2", "• red flags: 1",
                 "• waiting for a volunteer: 1", "• oldest waiting for: 5 hours", "  🚪 Blocked emergency passage: 2",
                 "• fixed at closing, last 7 days: 75%", "• last alert acknowledged: 50% (1/2)", "• on duty: 1"):
        assert line in r.text, line
    assert "🗑" not in r.text  # Grid 2's garbage
    r = await lin.press("📋 abnormal (2)")
    assert "Abnormal reports today · Yangguang Community · Grid 1" in r.text
    assert "🚨 Ann · Building 1 1-101" in r.text and "Cai · Building 2 1-201 · 38.5 °C, Fever" in r.text
    assert "Dan" not in r.text
    r = await ming.send("/stats")
    assert "Grid 2 (Bldg 5-8)" in r.text and "• abnormal: 1" in r.text and "🚪" not in r.text
    # Another grid's figures, asked for with a forged button: refused.
    r = await ming.press_data(StatsCB(action="show", grid=ids["G1"]).pack())
    assert "outside your area" in r.alert
    r = await ming.press_data(StatsCB(action="list", section="health", key="abnormal", grid=ids["G1"]).pack())
    assert "outside your area" in r.alert
    # The admin sees the community, and narrows it to a grid, then a building.
    r = await boss.send("/stats")
    assert "• abnormal: 3" in r.text and "• last alert acknowledged: 67% (2/3)" in r.text
    await boss.press("🗺 Grid or building")
    r = await boss.press("Grid 2 (Bldg 5-8)")
    assert "Grid 2 (Bldg 5-8)" in r.text and "• abnormal: 1" in r.text
    await boss.press("🗺 Grid or building")
    r = await boss.press("🏢 Building 5")
    assert "Building 5" in r.text and "• households: 2" in r.text
    mei = user_factory(first_name="Mei")
    await register(mei, unit="3-301")
    r = await mei.send("/stats")
    assert "permission" in r.text
    session.expire_all()
    reads = (await session.exec(select(AuditEntry).where(AuditEntry.action == "read_glance_list"))).all()
    assert any(e.detail.get("key") == "abnormal" and e.detail.get("rows") == 2 for e in reads)


async def test_an_export_holds_exactly_the_grid_s_rows_and_is_audited(bot, user_factory, tg, session, clock):
    _boss, lin, _lin2, _ming = await staff_world(bot, user_factory)
    ids = await seed(session, clock.now())
    r = await lin.send("/export")
    assert "Which ledger?" in r.text and "Health reports" in " ".join(lin.buttons_on_screen())
    await lin.press("Health reports")
    await lin.press("7 days")
    mid, data = lin.find_button("Excel (.xlsx)")
    r = await lin.press_data(data, mid)
    assert "Preparing your export (1 tables)" in r.text
    r = await lin.press_data(data, mid)  # pressed twice: one export
    assert "Already asked" in r.alert
    await runner(bot).sweep()
    await deliver(bot)
    name = next(n for n in tg.files if n.endswith(".xlsx"))
    wb = openpyxl.load_workbook(io.BytesIO(tg.files[name]))
    ws = wb["Health reports"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:5] == ("Time", "Building", "Unit", "Name", "Temperature °C")
    assert ws.freeze_panes == "A2"
    assert sorted(r[3] for r in rows[1:]) == ["Ann", "Ann", "Ann", "Cai"]  # yesterday's too; never Dan (Grid 2)
    assert rows[1][0].hour == 6  # 22:00 UTC the day before is 06:00 in Shanghai
    assert any("Your export is ready" in t and "Health reports: 4" in t for t in texts_to(tg, lin))
    # Everything, as CSV: a zip of UTF-8 files with a BOM; the anonymous reporter is absent.
    await lin.send("/export")
    await lin.press("All of them")
    await lin.press("30 days")
    await lin.press("CSV")
    await runner(bot).sweep()
    await deliver(bot)
    z = zipfile.ZipFile(io.BytesIO(tg.files[next(n for n in tg.files if n.endswith(".zip"))]))
    hazards = z.read(next(n for n in z.namelist() if n.endswith("-hazards.csv")))
    assert hazards.startswith(b"\xef\xbb\xbf")
    text = hazards.decode("utf-8-sig")
    assert "Cai" in text and "Ann" not in text and "Garbage" not in text
    households = z.read(next(n for n in z.namelist() if n.endswith("-households.csv"))).decode("utf-8-sig")
    assert "Building 5" not in households and "1-102" in households
    session.expire_all()
    audits = (await session.exec(select(AuditEntry).where(AuditEntry.action == "glance_export"))).all()
    assert len(audits) == 2 and audits[0].detail["rows_health"] == 4 and audits[0].detail["grids"] == str(ids["G1"])
    assert audits[1].detail["fmt"] == "csv" and "rows_hazards" in audits[1].detail


async def test_the_evening_summary_comes_once_at_18_local_across_a_restart(bot, user_factory, tg, session, clock):
    boss, lin, _lin2, ming = await staff_world(bot, user_factory)
    await seed(session, clock.now())  # 08:00 in Shanghai
    await runner(bot).sweep()  # books the hourly booking
    clock.advance(hours=1)
    await runner(bot).sweep()  # books today's summary at 18:00 local
    session.expire_all()
    due = (await session.exec(select(DueWork).where(DueWork.kind == "daily_summary"))).all()
    assert [d.due_at.astimezone(bot.app.settings.tz).strftime("%H:%M") for d in due] == ["18:00"]
    clock.advance(hours=8, minutes=59)  # 17:59 local
    await runner(bot).sweep()
    await deliver(bot)
    assert not any("The day in" in t for t in texts_to(tg, lin))
    clock.advance(minutes=1)
    await runner(bot).sweep()  # a new runner: as after a restart
    await runner(bot).sweep()
    clock.advance(minutes=5)
    await runner(bot).sweep()
    await deliver(bot)
    mine = [t for t in texts_to(tg, lin) if "The day in" in t]
    assert len(mine) == 1 and "Grid 1" in mine[0] and "• abnormal: 2" in mine[0]
    assert "Requests waiting for a volunteer:" in mine[0] and "Building 5" not in mine[0]
    assert len([t for t in texts_to(tg, boss) if "The day in" in t]) == 1
    assert "• abnormal: 1" in next(t for t in texts_to(tg, ming) if "The day in" in t)
    photos = [c for c in tg.calls if c.method.lower() == "sendphoto" and c.chat_id == lin.id]
    assert len(photos) == 1 and photos[0].params["caption"] == "📈 The last 14 days"
    assert any(n.endswith(".png") and tg.files[n].startswith(b"\x89PNG") for n in tg.files)
    # The next day's is booked for 18:00 again.
    clock.advance(hours=1)
    await runner(bot).sweep()
    session.expire_all()
    due = (await session.exec(select(DueWork).where(DueWork.kind == "daily_summary").order_by(DueWork.id))).all()
    assert len(due) == 2 and due[1].due_at - due[0].due_at == timedelta(days=1)

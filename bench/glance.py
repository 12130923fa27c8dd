"""Staff at a glance at scale: /stats and the evening summary's queries with 100,000 residents and 1,000,000
health reports in PostgreSQL (issue #17: under 200 ms each).

    python bench/glance.py                        # build the data set (a minute or two), then time
    python bench/glance.py --keep                 # time again on the data already built
    python bench/glance.py --plans                # also EXPLAIN ANALYZE every query /stats sends

The data set lives in its own database (`bench_glance` on the server of --url, created and dropped here; the
tests' database is not touched). One community, 10 grids, 200 buildings, 40,000 households, 100,000 residents
(60% on Telegram), 1,000,000 health reports over the last 14 days (5% abnormal), 20,000 supply requests,
5,000 hazard reports and their history, 2,000 call-backs, 7 alerts sent to 60,000 people each, 500
volunteers, 300 residents under home monitoring, 2,000 households on the care register. Each figure is the
median of 5 runs after a warm-up, in this process, through the same code the bot runs (`bot/glance/rules.py`).
The chart's series are timed twice: the first evening (nothing kept yet: 14 days counted) and every evening
after (the days over for three days read from `glance_day`, the last three counted).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import bot.features  # noqa: E402, F401 - installs every capability's share
from bot.glance import rules as glance  # noqa: E402
from bot.kernel.glance import Area  # noqa: E402
from bot.platform.db import make_engine, make_sessionmaker  # noqa: E402
from bot.platform.i18n import get_i18n  # noqa: E402

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_glance"

# Every statement fills every NOT NULL column itself (the models' defaults are Python's, not the database's).
DATA = """
SELECT setseed(0.42);
INSERT INTO community (id, code, name, names, timezone, emergency_number, support_hotline, silence_hours,
                       silence_red_hours, daily_checkin, summary_time, created_at)
VALUES (1, 'bench', 'Bench', '{{}}', 'Asia/Shanghai', '120', '12356', 48, 24, false, '18:00', :now);
INSERT INTO grid (id, community_id, code, name, names)
SELECT g, 1, 'G' || g, 'Grid ' || g, '{{}}' FROM generate_series(1, 10) g;
INSERT INTO building (id, code, community_id, grid_id, name, names, units)
SELECT b, 'B' || b, 1, (b - 1) / 20 + 1, 'Building ' || b, '{{}}', '[]' FROM generate_series(1, 200) b;
INSERT INTO household (id, building_id, unit, size, care_needs, in_ledger, created_at, updated_at)
SELECT h, (h - 1) / {per_building} + 1, 'U' || h, 1 + (h % 4),
       (CASE WHEN random() < 0.1 THEN '["elderly_alone"]' ELSE '[]' END)::json, random() < 0.8, :now, :now
FROM generate_series(1, {households}) h;
INSERT INTO person (id, tg_user_id, full_name, locale, household_id, registered_at, created_at)
SELECT p, CASE WHEN p % 10 < 6 THEN 1000000 + p END, 'Resident ' || p, 'zh_Hans', 1 + (p % {households}), :now, :now
FROM generate_series(1, {residents}) p;
INSERT INTO healthreport (person_id, household_id, community_id, grid_id, temperature_c, symptoms, abnormal,
                          red_flag, created_at)
SELECT q.p, 1 + (q.p % {households}), 1, ((1 + (q.p % {households})) - 1) / {per_grid} + 1, 36.5, '[]', q.r < 0.05,
       q.r < 0.005, :now - (random() * interval '14 days')
FROM (SELECT 1 + (i::bigint * 7919) % {residents} AS p, random() AS r FROM generate_series(1, {reports}) i) q;
INSERT INTO task (id, kind, community_id, grid_id, household_id, subject_person_id, skill, urgency, priority,
                  status, claimed_by_id, claimed_at, delivered_at, releases, created_at)
SELECT t, 'supply', 1, ((1 + (t % {households})) - 1) / {per_grid} + 1, 1 + (t % {households}), 1 + (t % {residents}),
       'delivery', 'normal', 4, s.status, CASE WHEN s.status <> 'open' THEN 1 + (t % 500) END,
       CASE WHEN s.status <> 'open' THEN s.at END, CASE WHEN s.status = 'delivered' THEN s.at END, 0, s.at
FROM generate_series(1, 20000) t,
     LATERAL (SELECT (ARRAY['open', 'claimed', 'picked_up', 'delivered', 'delivered', 'delivered'])
                     [1 + floor(random() * 6)::int] AS status, :now - (random() * interval '14 days') AS at
              WHERE t > 0) s;
INSERT INTO supplyrequest (task_id, person_id, household_id, category, items, deliver_building_id, deliver_unit,
                           from_stock, created_at)
SELECT id, subject_person_id, household_id, 'groceries', '[]', (household_id - 1) / {per_building} + 1,
       'U' || household_id, false, created_at FROM task;
INSERT INTO task (id, kind, community_id, grid_id, household_id, subject_person_id, skill, urgency, priority,
                  status, releases, created_at)
SELECT 20000 + t, CASE WHEN t <= 2000 THEN 'followup' ELSE 'checkin' END, 1,
       ((1 + (t % {households})) - 1) / {per_grid} + 1,
       1 + (t % {households}), 1 + (t % {residents}), '', 'normal', 2,
       CASE WHEN random() < 0.3 THEN 'open' ELSE 'confirmed' END, 0, :now - (random() * interval '14 days')
FROM generate_series(1, 2300) t;
INSERT INTO cases (id, kind, category, community_id, grid_id, building_id, urgent, status, reopened, created_at,
                   closed_at)
SELECT c, 'hazard', (ARRAY['passage', 'clutter', 'garbage', 'lift', 'lights'])[1 + c % 5], 1,
       ((1 + c % 200) - 1) / 20 + 1,
       1 + c % 200, false, s.status, 0, s.at, CASE WHEN s.status = 'closed' THEN s.at + interval '1 day' END
FROM generate_series(1, 5000) c,
     LATERAL (SELECT (ARRAY['new', 'in_progress', 'closed', 'closed', 'closed'])[1 + floor(random() * 5)::int]
                     AS status,
                     :now - (random() * interval '14 days') AS at WHERE c > 0) s;
INSERT INTO case_event (case_id, action, photos, at)
SELECT id, 'closed', '[]', closed_at FROM cases WHERE status = 'closed';
INSERT INTO case_event (case_id, action, photos, at)
SELECT id, 'not_fixed', '[]', created_at + interval '12 hours' FROM cases WHERE id % 7 = 0;
INSERT INTO support_request (person_id, community_id, phq2, gad2, status, created_at)
SELECT 1 + (i * 37) % {residents}, 1, 3, 3, (ARRAY['open', 'claimed', 'closed'])[1 + i % 3],
       :now - (random() * interval '14 days') FROM generate_series(1, 2000) i;
INSERT INTO notice (id, community_id, text, translations, level, ack_required, audience, repeat, first_at, timezone,
                    quiet_hours, ack_remind_minutes, doorknock_minutes, doorknock_escalate_minutes, status,
                    created_at)
SELECT n, 1, 'Alert ' || n, '{{}}', 'orange', true, '{{}}', 'none', :now - n * interval '1 day', 'Asia/Shanghai',
       '22:00-07:00', 30, 60, 10, 'done', :now FROM generate_series(1, 7) n;
INSERT INTO noticesend (id, notice_id, due_at, sent_at, recipients)
SELECT n, n, :now - n * interval '1 day', :now - n * interval '1 day', {told} FROM generate_series(1, 7) n;
INSERT INTO noticedelivery (send_id, person_id, building_id, household_id, acked_at)
SELECT s, p, ((1 + (p % {households})) - 1) / {per_building} + 1, 1 + (p % {households}),
       CASE WHEN random() < 0.7 THEN :now - s * interval '1 day' + interval '1 hour' END
FROM generate_series(1, 7) s, generate_series(1, {residents}) p WHERE p % 10 < 6;
INSERT INTO rolegrant (person_id, role, community_id, grid_id, granted_at)
SELECT v, 'volunteer', 1, 1 + v % 10, :now FROM generate_series(1, 500) v;
INSERT INTO rolegrant (person_id, role, community_id, grid_id, granted_at)
SELECT 500 + s, 'staff', 1, CASE WHEN s > 10 THEN NULL ELSE s END, :now FROM generate_series(1, 12) s;
INSERT INTO volunteerprofile (person_id, grid_ids, skills, on_duty, max_tasks, max_per_day, max_hours_week,
                              updated_at)
SELECT v, '[]', '[]', v % 2 = 0, 3, 8, 40, :now FROM generate_series(1, 500) v;
INSERT INTO monitoring (person_id, household_id, community_id, grid_id, reason, days, starts_at, ends_at, slot_times,
                        timezone, early_minutes, remind_again_minutes, followup_minutes, status, created_at)
SELECT p, 1 + (p % {households}), 1, ((1 + (p % {households})) - 1) / {per_grid} + 1, 'contact', 7,
       :now - interval '3 days', :now + interval '4 days', '["08:00", "14:00"]', 'Asia/Shanghai', 120, 120, 60,
       'active', :now FROM generate_series(1001, 1300) p;
INSERT INTO vulnerable_entry (household_id, community_id, grid_id, grade, reasons, created_at, updated_at)
SELECT h * 20, 1, ((h * 20) - 1) / {per_grid} + 1, 1 + h % 3, '[]', :now - interval '10 days', :now
FROM generate_series(1, {households} / 20) h;
SELECT setval(pg_get_serial_sequence('task', 'id'), 30000);
"""


async def recreate(url: str) -> None:
    u = make_url(url)
    admin = await asyncpg.connect(host=u.host, port=u.port or 5432, user=u.username, password=u.password,
                                  database="postgres")
    await admin.execute(f'DROP DATABASE IF EXISTS "{u.database}"')
    await admin.execute(f'CREATE DATABASE "{u.database}"')
    await admin.close()


async def build(engine, residents: int, reports: int, now: datetime) -> float:
    started = time.perf_counter()
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all)
    households = residents * 2 // 5
    sql = DATA.format(households=households, residents=residents, reports=reports, told=residents * 6 // 10,
                      per_building=households // 200, per_grid=households // 10)
    sql = sql.replace(":now", "CAST(:now AS timestamp)")
    async with engine.begin() as conn:
        for statement in (s.strip() for s in sql.split(";\n")):
            if statement:
                await conn.execute(text(statement), {"now": now.replace(tzinfo=None)})
    async with engine.connect() as conn:  # as autovacuum leaves a settled database: statistics, visibility map
        await (await conn.execution_options(isolation_level="AUTOCOMMIT")).execute(text("VACUUM ANALYZE"))
    return time.perf_counter() - started


async def timed(sessionmaker, fn, runs: int = 5) -> float:
    """Median milliseconds of `fn(session)`, each in a fresh session, after one warm-up."""
    times = []
    for i in range(runs + 1):
        async with sessionmaker() as session:
            t = time.perf_counter()
            await fn(session)
            if i:
                times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


async def plans(engine, sessionmaker, fn) -> list[tuple[str, str]]:
    """EXPLAIN ANALYZE of every statement `fn` sends."""
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        async with sessionmaker() as session:
            await fn(session)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    out = []
    async with engine.connect() as conn:
        for statement, parameters in seen:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            rows = (await conn.exec_driver_sql("EXPLAIN (ANALYZE, COSTS OFF) " + statement, parameters)).all()
            out.append((statement, "\n".join(r[0] for r in rows)))
    return out


async def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", default=DEFAULT_URL)
    p.add_argument("--residents", type=int, default=100_000)
    p.add_argument("--reports", type=int, default=1_000_000)
    p.add_argument("--keep", action="store_true", help="time the data set already built")
    p.add_argument("--plans", action="store_true", help="print the plan of every query of /stats")
    args = p.parse_args()
    now = datetime.now(UTC)
    if not args.keep:
        await recreate(args.url)
    engine = make_engine(args.url)
    sessionmaker = make_sessionmaker(engine)
    if not args.keep:
        print(f"built in {await build(engine, args.residents, args.reports, now):.0f} s")
    tz = "Asia/Shanghai"
    areas = {"community": Area(1, tz, None, None, health=True), "grid": Area(1, tz, (3,), None, health=True),
             "building": Area(1, tz, (3,), 50, health=True)}
    print("| query | area | median ms |\n|---|---|---|")
    with get_i18n().use_locale("zh_Hans"):
        for name, area in areas.items():
            ms = await timed(sessionmaker, lambda s, a=area: glance.sections(s, a, now))
            print(f"| /stats figures | {name} | {ms:.0f} |")
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM glance_day"))
        for name, area in areas.items():
            ms = await timed(sessionmaker, lambda s, a=area: glance.daily_series(s, a, now))  # rolled back
            print(f"| summary: 14 days of series, the first evening | {name} | {ms:.0f} |")
            async with sessionmaker() as session:  # that evening keeps its final days, as the due work does
                await glance.daily_series(session, area, now)
                await session.commit()
            ms = await timed(sessionmaker, lambda s, a=area: glance.daily_series(s, a, now))
            print(f"| summary: 14 days of series, every evening after | {name} | {ms:.0f} |")
        for name, area in areas.items():
            ms = await timed(sessionmaker, lambda s, a=area: glance.summary_lines(s, a, now, "zh_Hans"))
            print(f"| summary: still open and not heard from | {name} | {ms:.0f} |")
        ms = await timed(sessionmaker, lambda s: glance.summary_recipients(s, 1, tz))
        print(f"| summary: recipients by area | community | {ms:.0f} |")
        if args.plans:
            for fn_name, fn in (("sections", lambda s: glance.sections(s, areas["community"], now)),
                                ("daily_series", lambda s: glance.daily_series(s, areas["community"], now)),
                                ("summary_lines", lambda s: glance.summary_lines(s, areas["community"], now,
                                                                                 "zh_Hans"))):
                for statement, plan in await plans(engine, sessionmaker, fn):
                    print(f"\n--- {fn_name}: {' '.join(statement.split())[:300]}\n{plan}")
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())

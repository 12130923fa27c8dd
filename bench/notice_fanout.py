"""Notice fan-out benchmark: how long the `notice_due` work takes to turn one notice into one outbox row
and one delivery record per resident (the audience resolved at send time), in one transaction.

    python bench/notice_fanout.py [--residents 5000] [--database-url postgresql+asyncpg://...]

The sending itself is measured by bench/broadcast.py; this is the step before it, which must not hold
the sweep for long. Ends with: residents=<n> rows=<n> fanout=<seconds> per_1000=<seconds>
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


async def main(args: argparse.Namespace) -> None:
    from sqlalchemy import delete, func
    from sqlmodel import SQLModel, select

    import models  # noqa: F401
    from bot.notices.rules import Audience
    from bot.notices.workflow import notice_due
    from bot.platform.db import make_engine, make_sessionmaker
    from models import Building, Community, DueWork, Grid, Household, OutboxMessage, Person
    from models.notices import Notice, NoticeDelivery

    tmp = tempfile.mkdtemp(prefix="bench-")
    db_url = args.database_url or f"sqlite+aiosqlite:///{tmp}/bench.db"
    engine = make_engine(db_url)
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.drop_all)
        await conn.run_sync(SQLModel.metadata.create_all)
    sm = make_sessionmaker(engine)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    async with sm() as s:
        c = Community(code="bench", name="Bench")
        s.add(c)
        await s.flush()
        grids = [Grid(community_id=c.id, code=f"G{i}", name=f"G{i}") for i in range(5)]
        s.add_all(grids)
        await s.flush()
        buildings = [Building(code=f"B{i}", community_id=c.id, grid_id=grids[i % 5].id, name=f"B{i}")
                     for i in range(50)]
        s.add_all(buildings)
        await s.flush()
        homes = [Household(building_id=buildings[i % 50].id, unit=f"{i}", care_needs=["chronic"] if i % 7 == 0
                           else []) for i in range(args.residents // 2)]
        s.add_all(homes)
        await s.flush()
        s.add_all([Person(tg_user_id=10_000 + i, full_name=f"R{i}", household_id=homes[i // 2].id,
                          registered_at=now) for i in range(args.residents)])
        notice = Notice(community_id=c.id, text="Water off 09:00-12:00", level="orange", ack_required=True,
                        audience=Audience().to_json(), first_at=now, timezone="Asia/Shanghai", created_by_id=None)
        s.add(notice)
        await s.commit()
        work = DueWork(kind="notice_due", ref=f"{notice.id}|{now.isoformat()}", due_at=now, created_at=now)
    async with sm() as s:
        started = time.perf_counter()
        await notice_due(s, work, now)
        await s.commit()
        took = time.perf_counter() - started
        rows = (await s.exec(select(func.count()).select_from(OutboxMessage))).one()
        deliveries = (await s.exec(select(func.count()).select_from(NoticeDelivery))).one()
        await s.exec(delete(OutboxMessage))
    await engine.dispose()
    assert rows == deliveries == args.residents, (rows, deliveries)
    print(f"residents={args.residents} rows={rows} fanout={took:.2f} per_1000={took / args.residents * 1000:.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--residents", type=int, default=5000)
    parser.add_argument("--database-url", default=None)
    asyncio.run(main(parser.parse_args()))

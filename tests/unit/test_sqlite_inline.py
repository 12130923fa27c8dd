"""SQLite statements run in the event loop: a write lock held by another process is waited for without
freezing the loop, for a bounded time; a stale snapshot is not waited for."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bot.platform import sqlite_inline
from bot.platform.db import make_engine


async def _ticks_while(coro, every: float = 0.01) -> tuple[object, int]:
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(every)
            ticks += 1

    ticker = asyncio.create_task(tick())
    try:
        return await coro, ticks
    finally:
        ticker.cancel()


@pytest.fixture
async def db(tmp_path: Path):
    path = tmp_path / "inline.db"
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (n INTEGER)"))
    yield engine, path
    await engine.dispose()


async def test_a_lock_held_by_another_process_is_waited_for_without_freezing_the_loop(db):
    engine, path = db
    other = sqlite3.connect(path, isolation_level=None)  # as a command-line tool would
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO t VALUES (1)")
    asyncio.get_running_loop().call_later(0.3, other.commit)

    async def write() -> int:
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO t VALUES (2)"))
        async with engine.connect() as conn:
            return (await conn.execute(text("SELECT count(*) FROM t"))).scalar_one()

    count, ticks = await _ticks_while(write())
    other.close()
    assert count == 2  # both rows: ours waited for the other writer, then wrote
    assert ticks >= 10  # the event loop kept serving others while ours waited (0.3 s, a tick every 10 ms)


async def test_a_lock_held_too_long_fails_instead_of_hanging(db, monkeypatch):
    engine, path = db
    monkeypatch.setattr(sqlite_inline, "BUSY_TIMEOUT", 0.2)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(OperationalError, match="locked"):
            async with engine.begin() as conn:
                await conn.execute(text("INSERT INTO t VALUES (2)"))
    finally:
        other.rollback()
        other.close()


async def test_a_stale_snapshot_is_raised_at_once(tmp_path: Path):
    path = tmp_path / "snap.db"
    setup = sqlite3.connect(path, isolation_level=None)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE t (n INTEGER)")
    reader = sqlite3.connect(path, isolation_level=None, timeout=0)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM t").fetchone()  # the reader's snapshot is taken here
    setup.execute("INSERT INTO t VALUES (1)")  # and is stale from here on
    started = asyncio.get_running_loop().time()
    with pytest.raises(sqlite3.OperationalError):
        await sqlite_inline._run(reader.execute, "INSERT INTO t VALUES (2)")
    assert asyncio.get_running_loop().time() - started < 0.5  # not retried for BUSY_TIMEOUT (30 s)
    reader.rollback()
    reader.close()
    setup.close()

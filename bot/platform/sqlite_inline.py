"""SQLite for SQLAlchemy's async engine without a thread per connection.

aiosqlite runs every call on a thread of its own and hands the result back to the event loop: each statement
costs about four thread hops and an event-loop wake-up, several times what SQLite itself spends on the
bot's small indexed statements (tens of microseconds). Under a burst of updates, that overhead was the larger
part of the SQLite run's extra CPU over PostgreSQL (bench/RESULTS.md). Here the same connection object that
SQLAlchemy's aiosqlite dialect drives runs each call in the event loop, at once.

What a thread was protecting against is kept: SQLite's own busy handler, which sleeps inside the call (and so
would freeze the event loop) while another process holds the write lock, is switched off (`timeout=0`); a
statement that finds the database locked is tried again after an `asyncio.sleep` (1 ms, doubling to 100 ms,
for up to `BUSY_TIMEOUT` seconds) — the same waiting, without blocking anybody else. Within this process,
writers already queue in the event loop (`bot.platform.db._WriteGate`), so the retries only ever wait for another
process (a command-line tool, a second worker). SQLite returns "busy" for the one error that cannot succeed
by waiting (a stale snapshot, SQLITE_BUSY_SNAPSHOT) at once; it is raised, as SQLite's handler would.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

BUSY_TIMEOUT = 30.0
_BUSY, _BUSY_SNAPSHOT = 5, 517


def _retryable(error: sqlite3.OperationalError) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    if code is None:
        return "locked" in str(error)
    return code & 0xFF == _BUSY and code != _BUSY_SNAPSHOT


async def _run(fn: Callable[..., Any], *args: Any) -> Any:
    delay, deadline = 0.001, None
    while True:
        try:
            return fn(*args)
        except sqlite3.OperationalError as error:
            if not _retryable(error):
                raise
            now = asyncio.get_running_loop().time()
            deadline = deadline if deadline is not None else now + BUSY_TIMEOUT
            if now >= deadline:
                raise
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.1)


class Cursor:
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Any = ()) -> Cursor:
        await _run(self._cursor.execute, sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> Cursor:
        await _run(self._cursor.executemany, sql, list(parameters))
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class _NowQueue:
    """SQLAlchemy sets the isolation level through aiosqlite's private call queue; run such calls at once."""

    def put_nowait(self, item: tuple[asyncio.Future, Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as error:  # handed to whoever awaits the future, as aiosqlite does
            future.set_exception(error)


class Connection:
    """The part of `aiosqlite.Connection` that SQLAlchemy's aiosqlite dialect uses."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._connection: sqlite3.Connection | None = conn
        self._tx = _NowQueue()

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._connection is None:
            raise ValueError("no active connection")
        return self._connection

    def cursor(self) -> Cursor:
        return Cursor(self._conn.cursor())

    async def execute(self, sql: str, parameters: Any = ()) -> Cursor:
        return await self.cursor().execute(sql, parameters)

    async def commit(self) -> None:
        await _run(self._conn.commit)

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def stop(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    async def create_function(self, name: str, num_params: int, func: Callable, deterministic: bool = False) -> None:
        self._conn.create_function(name, num_params, func, deterministic=deterministic)

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        self._conn.isolation_level = value

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction


def creator(database: str) -> Callable[[], Any]:
    """The `async_creator` for `create_async_engine("sqlite+aiosqlite://...")`."""
    if database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)

    async def connect() -> Connection:
        # timeout=0: no busy handler sleeping inside a call (see the module's docstring)
        return Connection(sqlite3.connect(database, timeout=0, isolation_level="", check_same_thread=False))

    return connect

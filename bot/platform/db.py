"""Engine and session factory for SQLite (default) and PostgreSQL.

SQLite lets one connection write at a time; a connection that finds the lock taken sleeps in SQLite's busy
handler (1, 2, 5, 10 … 100 ms) and tries again, so under a burst of concurrent updates writers mostly sleep
while the lock is free. Here, sessions on a SQLite engine queue for the write lock in the event loop instead
(`_WriteGate`, taken before a session's first change and given back when its transaction ends): SQLite never
sees two writers, and the lock passes to the next one at once. Transactions stay short because the update's
transaction is committed before every request to Telegram (bot/telegram/middlewares/commit_first.py).
"""

from __future__ import annotations

import asyncio
import weakref
from contextvars import ContextVar
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine.url import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.util import await_only
from sqlmodel import Session
from sqlmodel.ext.asyncio.session import AsyncSession

import models  # noqa: F401  (registers every table on SQLModel.metadata)
from bot.platform import sqlite_inline


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, *, echo: bool = False, pool_size: int = 20) -> AsyncEngine:
    if is_sqlite(url):
        db = make_url(url).database
        if db and db != ":memory:":
            Path(db).parent.mkdir(parents=True, exist_ok=True)
        # Statements run in the event loop, not on a thread per connection (bot/platform/sqlite_inline.py).
        engine = create_async_engine(url, echo=echo, async_creator=sqlite_inline.creator(db or ":memory:"),
                                     pool_size=5, max_overflow=0)

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        _WriteGate.install(engine)
        return engine
    # No pre-ping: on asyncpg it costs three round trips (BEGIN, ";", ROLLBACK) at every checkout, about a
    # fifth of the CPU of an update under a burst (bench/RESULTS.md). A connection that died (the database
    # restarted) is found by its first statement instead: SQLAlchemy then invalidates the whole pool, and the
    # update that found it runs once more on a fresh connection (bot/telegram/middlewares/db.py). Connections are
    # recycled after half an hour, before server or firewall idle limits close them. The pool is kept at its
    # full size (no overflow): an overflow connection is closed when it comes back, so under a burst every
    # checkout past the pool's size opened a new connection (TLS negotiation included), about 8% of the CPU.
    return create_async_engine(url, echo=echo, pool_size=pool_size, max_overflow=0, pool_recycle=1800)


def is_dead_connection(error: BaseException) -> bool:
    """The database connection was found closed (and the pool invalidated), not a fault of the statement."""
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


# The session of the update being handled in this task (set by the per-update session middleware): the
# conversation store joins its transaction, and it is committed before any request to Telegram.
update_session: ContextVar[AsyncSession | None] = ContextVar("update_session", default=None)
TOLD_TELEGRAM = "told_telegram"  # in the update session's info: a request to Telegram was made for this update


def make_sessionmaker(engine: AsyncEngine, *, sync_session_class: type[Session] = Session
                      ) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, sync_session_class=sync_session_class,
                              expire_on_commit=False)


class _WriteGate:
    """One writing transaction at a time per SQLite engine, queued in the event loop (FIFO)."""

    HELD = "sqlite_write_gate"
    TIMEOUT = 30.0  # as SQLite's own busy_timeout: a writer that waits longer fails instead of hanging
    _gates: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    @classmethod
    def install(cls, engine: AsyncEngine) -> None:
        cls._gates[engine.sync_engine] = asyncio.Lock()

    @classmethod
    def acquire(cls, session: Session) -> None:
        if session.info.get(cls.HELD):
            return
        lock = cls._gates.get(session.get_bind())
        if lock is None:
            return
        # Hold a connection before queueing: the writer whose turn it is must never wait for the pool, whose
        # connections may all be held by sessions queued behind it.
        session.connection()
        try:
            await_only(asyncio.wait_for(lock.acquire(), cls.TIMEOUT))
        except TimeoutError as e:
            raise TimeoutError("waited 30 s for the SQLite write lock") from e
        session.info[cls.HELD] = lock

    @classmethod
    def release(cls, session: Session) -> None:
        lock = session.info.pop(cls.HELD, None)
        if lock is not None:
            lock.release()


# Whether the session's current transaction has changed anything (or is about to): read by the update ledger.
WROTE = "wrote"


def _about_to_write(session: Session) -> None:
    session.info[WROTE] = True
    _WriteGate.acquire(session)


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _ctx, _instances) -> None:
    if session.new or session.dirty or session.deleted:
        _about_to_write(session)


@event.listens_for(Session, "do_orm_execute")
def _before_dml(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        _about_to_write(state.session)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(WROTE, None)
        _WriteGate.release(session)


async def insert_once(session, table, **values) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING in the caller's transaction, on either database: True if this call
    wrote the row, False if a row with the same unique key was there (the unique key decides who acts once)."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    result = await session.exec(insert(table).values(**values).on_conflict_do_nothing())
    return result.rowcount == 1

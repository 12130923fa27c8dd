"""Engine and session factory for SQLite (default) and PostgreSQL."""

from __future__ import annotations

from contextvars import ContextVar
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine.url import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel import Session
from sqlmodel.ext.asyncio.session import AsyncSession

import models  # noqa: F401  (registers every table on SQLModel.metadata)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    if is_sqlite(url):
        db = make_url(url).database
        if db and db != ":memory:":
            Path(db).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_async_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10)


# The session of the update being handled in this task (set by the per-update session middleware): the
# conversation store joins its transaction, and it is committed before any request to Telegram.
update_session: ContextVar[AsyncSession | None] = ContextVar("update_session", default=None)


def make_sessionmaker(engine: AsyncEngine, *, sync_session_class: type[Session] = Session
                      ) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, sync_session_class=sync_session_class,
                              expire_on_commit=False)

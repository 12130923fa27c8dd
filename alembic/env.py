"""Alembic environment: async engine, SQLModel metadata, batch mode on SQLite."""

from __future__ import annotations

import asyncio

from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import models  # noqa: F401  (registers tables)
from alembic import context
from bot.platform.db import make_engine

config = context.config
target_metadata = SQLModel.metadata


def _url() -> str:
    url = config.attributes.get("url") or context.get_x_argument(as_dictionary=True).get("url")
    if url:
        return url
    from bot.config import Settings

    return Settings().database_url


def _configure(connection: Connection | None = None, url: str | None = None) -> None:
    is_sqlite = (url or str(connection.engine.url)).startswith("sqlite")
    context.configure(connection=connection, url=url, target_metadata=target_metadata,
                      render_as_batch=is_sqlite, compare_type=True)


def run_migrations_offline() -> None:
    _configure(url=_url())
    with context.begin_transaction():
        context.run_migrations()


def _sync_run(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_online() -> None:
    engine = make_engine(_url())
    async with engine.connect() as connection:
        await connection.run_sync(_sync_run)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())

"""Fixtures: a database per backend, a fake Telegram server, and the real bot polling it.

The suite runs on SQLite (conversation state and the update ledger in the database). When TEST_DATABASE_URL
and TEST_REDIS_URL are set (CI sets them to the local PostgreSQL and Redis), every bot-level test runs a second time on
PostgreSQL with Redis for FSM state, per-person locks and flood control.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlmodel import SQLModel

from bot.app import App, build_app
from bot.config import Settings
from bot.kernel.structure import import_structure_file
from bot.platform.clock import FakeClock
from bot.platform.db import make_engine, make_sessionmaker
from bot.telegram.polling import poll
from tests.fakes.people import TgUser
from tests.fakes.telegram import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456789:TEST-token-for-the-fake-bot-api-server"
PG_URL = os.environ.get("TEST_DATABASE_URL")
REDIS_URL = os.environ.get("TEST_REDIS_URL")
BACKENDS = ["sqlite"] + (["postgres"] if PG_URL else [])
_pg_ready = False


def pytest_report_header(config: pytest.Config) -> str:
    return f"backends: {', '.join(BACKENDS)}; redis: {'yes' if REDIS_URL else 'no'}"


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
async def engine(backend: str, tmp_path: Path):
    global _pg_ready
    if backend == "sqlite":
        eng = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'bot.platform.db'}")
        async with eng.begin() as conn:
            await conn.run_sync(SQLModel.metadata.create_all)
    else:
        eng = make_engine(PG_URL)
        async with eng.begin() as conn:
            if not _pg_ready:
                await conn.run_sync(SQLModel.metadata.drop_all)
                await conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
                await conn.run_sync(SQLModel.metadata.create_all)
                _pg_ready = True
            names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    yield eng
    await eng.dispose()


@pytest.fixture
def sessionmaker(engine):
    return make_sessionmaker(engine)


@pytest.fixture
async def session(sessionmaker):
    async with sessionmaker() as s:
        yield s


@pytest.fixture(autouse=True)
def no_unexpected_errors(request: pytest.FixtureRequest):
    """Fail any conversation test in which the bot's error handler had to apologise, unless the test
    is about that (marked `expect_bot_error`), or in which Telegram refused a callback query's answer
    (answered twice), unless the test makes that happen (`expect_refused_answers`)."""
    watch = "tg" in request.fixturenames and not request.node.get_closest_marker("expect_bot_error")
    fake: FakeTelegram | None = request.getfixturevalue("tg") if watch else None
    yield
    if fake is not None:
        apologies = [str(c.params.get("text")) for c in fake.calls
                     if any(m in str(c.params.get("text")) for m in ("went wrong on our side", "错误编号", "錯誤編號"))]
        assert apologies == [], f"the bot hit an unexpected error: {apologies}"
        if not request.node.get_closest_marker("expect_refused_answers"):
            # Telegram refuses a second answer to one press: every callback query is answered exactly once
            refused = [c.params for c in fake.calls
                       if c.method.lower() == "answercallbackquery" and c.result == "failed"]
            assert refused == [], f"a callback query was answered twice: {refused}"
        no_ops = [c.params for c in fake.calls if c.error and "not modified" in c.error]
        assert no_ops == [], f"an edit changed nothing (Telegram refuses it): {no_ops}"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def redis_prefix(backend: str) -> AsyncIterator[str | None]:
    if backend != "postgres" or not REDIS_URL:
        yield None
        return
    prefix = f"test-{uuid.uuid4().hex[:10]}"
    yield prefix
    r = Redis.from_url(REDIS_URL)
    keys = [k async for k in r.scan_iter(f"{prefix}:*")]
    if keys:
        await r.delete(*keys)
    await r.aclose()


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram(TOKEN)
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def structure(sessionmaker) -> None:
    async with sessionmaker() as s:
        await import_structure_file(s, ROOT / "examples" / "community.yaml")


def make_settings(tg: FakeTelegram, db_url: str, redis_prefix: str | None, **overrides: object) -> Settings:
    values: dict = {"bot_token": TOKEN, "telegram_api_url": tg.base_url, "database_url": db_url,
                    "redis_url": REDIS_URL if redis_prefix else None, "redis_prefix": redis_prefix or "cbot",
                    "default_locale": "zh_Hans", "polling_timeout": 1, "admin_ids": "42",
                    "flood_limit": 1000}
    values.update(overrides)
    return Settings(_env_file=None, **values)


class Running:
    """The real bot (same factory as production) long-polling the fake server, telling it which updates it
    has handled."""

    def __init__(self, app: App, tg: FakeTelegram) -> None:
        self.app = app
        self.tg = tg
        self.stop_event = asyncio.Event()
        self.task: asyncio.Task | None = None

    async def start(self) -> Running:
        self.task = asyncio.create_task(poll(self.app.dispatcher, self.app.bot, self.stop_event,
                                             timeout=self.app.settings.polling_timeout,
                                             on_handled=self.tg.mark_handled))
        await asyncio.sleep(0)
        return self

    async def stop(self) -> None:
        if self.task is not None and not self.task.done():
            self.stop_event.set()
            await asyncio.wait_for(self.task, 10)
        await self.app.close()


@pytest.fixture
async def start_bot(tg: FakeTelegram, engine, clock: FakeClock,
                    redis_prefix: str | None) -> AsyncIterator[Callable]:
    running: list[Running] = []
    db_url = engine.url.render_as_string(hide_password=False)

    async def _start(**overrides: object) -> Running:
        settings = make_settings(tg, db_url, redis_prefix, **overrides)
        app = build_app(settings, clock=clock, engine=make_engine(db_url))
        tg.reports_handled = True
        r = await Running(app, tg).start()
        running.append(r)
        return r

    yield _start
    for r in running:
        await r.stop()


@pytest.fixture
async def bot(start_bot: Callable, structure: None) -> Running:
    return await start_bot()


@pytest.fixture
def user_factory(tg: FakeTelegram) -> Callable[..., TgUser]:
    ids = iter(range(5001, 6000))

    def _make(**kw: object) -> TgUser:
        return TgUser(tg, kw.pop("user_id", None) or next(ids), **kw)  # type: ignore[arg-type]

    return _make


@pytest.fixture
async def redis_prefix_any() -> AsyncIterator[str]:
    """A throwaway Redis key prefix for tests of Redis-only code (skipped without TEST_REDIS_URL)."""
    prefix = f"test-{uuid.uuid4().hex[:10]}"
    yield prefix
    if REDIS_URL:
        r = Redis.from_url(REDIS_URL)
        keys = [k async for k in r.scan_iter(f"{prefix}:*")]
        if keys:
            await r.delete(*keys)
        await r.aclose()

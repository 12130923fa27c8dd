"""Inbound under load: different people's updates in parallel, one person's in order, each handled exactly once
through a stop, a SIGKILL and a restart; webhook requests for one person one at a time."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import func, text
from sqlmodel import select

from bot.app import build_app
from bot.health.callbacks import HealthCB
from bot.platform.db import make_engine
from bot.telegram.webhook import make_web_app
from models import HealthReport, ProcessedUpdate
from tests.conftest import REDIS_URL, ROOT, TOKEN, make_settings
from tests.flows.helpers import full_report, register, seed_residents

WELL = HealthCB(step="start", value="well").pack()


def _first_at(tg, chat_id: int, needle: str) -> float:
    return next(c.at for c in tg.calls if c.chat_id == chat_id and needle in c.text)


async def test_one_persons_updates_stay_in_order_while_others_overtake(bot, user_factory, tg):
    mei, jun = user_factory(), user_factory()
    tg.slow.append(("sendmessage", mei.id, 0.6))  # Telegram is slow with Mei's first answer
    first = tg.push(mei.message_update("/help"))
    second = tg.push(mei.message_update("/menu"))
    other = tg.push(jun.message_update("/help"))
    for uid in (first, second, other):
        await tg.wait_handled(uid)
    mei_help, mei_menu = _first_at(tg, mei.id, "How to use this bot"), _first_at(tg, mei.id, "Please press /start")
    jun_help = _first_at(tg, jun.id, "How to use this bot")
    assert mei_help < mei_menu  # Mei's second update waited for her first, although it was quick
    assert jun_help < mei_help  # Jun did not wait for Mei


async def test_a_double_tap_under_load_saves_once(bot, user_factory, tg, sessionmaker):
    mei = user_factory()
    await register(mei)
    others = await seed_residents(sessionmaker, 20, tg)
    r = await full_report(mei, "36.6", save=False)
    assert "Please check" in r.text
    message_id, data = mei.find_button("Save")
    tg.latency = 0.02
    ids = [tg.push(o.press_update(WELL)) for o in others[:10]]
    ids += [tg.push(mei.press_update(data, message_id)), tg.push(mei.press_update(data, message_id))]
    ids += [tg.push(o.press_update(WELL)) for o in others[10:]]
    for uid in ids:
        await tg.wait_handled(uid)
    async with sessionmaker() as s:
        counts = Counter((await s.exec(select(HealthReport.person_id))).all())
    assert len(counts) == 21 and set(counts.values()) == {1}  # Mei once, and each neighbour once
    saved = [c for c in tg.calls_to(mei.id) if c.text.startswith("Saved")]
    assert len(saved) == 1


@pytest.mark.expect_refused_answers
async def test_a_press_handled_too_late_for_its_answer_still_does_what_it_says(bot, user_factory, tg, sessionmaker):
    """Deep in a burst a press may be handled after Telegram stops accepting its answer: the report is still
    stored and "Saved" still said; nobody gets an apology."""
    mei, = await seed_residents(sessionmaker, 1, tg)
    tg.fail("answerCallbackQuery", 400,
            "Bad Request: query is too old and response timeout expired or query ID is invalid")
    await tg.wait_handled(tg.push(mei.press_update(WELL)))
    async with sessionmaker() as s:
        assert len((await s.exec(select(HealthReport.person_id))).all()) == 1
    assert [c.text for c in tg.calls_to(mei.id) if c.text.startswith("Saved")] != []


async def test_a_burst_is_handled_in_parallel_and_exactly_once(bot, tg, sessionmaker):
    people = await seed_residents(sessionmaker, 60, tg)
    tg.latency = 0.05  # each Bot API call takes 50 ms: one at a time this burst would take over 9 s
    started = asyncio.get_running_loop().time()
    ids = [tg.push(p.press_update(WELL)) for p in people]
    for uid in ids:
        await tg.wait_handled(uid, timeout=30)
    took = asyncio.get_running_loop().time() - started
    async with sessionmaker() as s:
        counts = Counter((await s.exec(select(HealthReport.person_id))).all())
        statuses = Counter((await s.exec(select(ProcessedUpdate.status))).all())
    assert len(counts) == 60 and set(counts.values()) == {1}
    assert statuses == {"done": 60}
    assert took < 60 * 3 * 0.05  # far less than one after another (3 calls each); not a speed target
    assert all(any(c.text.startswith("Saved") for c in tg.calls_to(p.id)) for p in people)


async def test_a_stop_mid_burst_finishes_what_is_in_hand_and_the_rest_runs_once_after(start_bot, structure, tg,
                                                                                      sessionmaker):
    people = await seed_residents(sessionmaker, 40, tg)
    running = await start_bot(concurrency=4)
    tg.latency = 0.05
    ids = [tg.push(p.press_update(WELL)) for p in people]
    await tg.wait_for(lambda: sum(1 for c in tg.calls if c.text.startswith("Saved")) >= 8, timeout=20)
    await running.stop()
    async with sessionmaker() as s:
        done = set((await s.exec(select(ProcessedUpdate.update_id).where(ProcessedUpdate.status == "done"))).all())
        reports = (await s.exec(select(func.count()).select_from(HealthReport))).one()
    assert 8 <= len(done) < 40 and reports == len(done)  # nothing cut in half: each done update has its report
    assert tg.confirmed >= ids[-1]  # all recorded, so Telegram will not send them again
    await start_bot()
    for uid in ids:
        await tg.wait_handled(uid, timeout=30)
    async with sessionmaker() as s:
        counts = Counter((await s.exec(select(HealthReport.person_id))).all())
    assert len(counts) == 40 and set(counts.values()) == {1}


@pytest.mark.expect_refused_answers  # a press that had stored nothing yet is run again: its answer is too late
async def test_sigkill_mid_burst_loses_nothing_and_repeats_nothing(tg, engine, structure, sessionmaker, redis_prefix,
                                                                   tmp_path):
    """The real process (`python -m bot run`), killed with SIGKILL in the middle of a burst, then started again."""
    n = 120
    people = await seed_residents(sessionmaker, n, tg)
    env = {**os.environ, "BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": tg.base_url,
           "DATABASE_URL": engine.url.render_as_string(hide_password=False), "POLLING_TIMEOUT": "1",
           "REDIS_URL": REDIS_URL if redis_prefix else "", "REDIS_PREFIX": redis_prefix or "cbot",
           "PYTHONPATH": str(ROOT), "DEFAULT_LOCALE": "en", "FLOOD_LIMIT": "1000", "CONCURRENCY": "16"}

    async def start():
        return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", "--no-migrate", env=env,
                                                    cwd=tmp_path, stdout=asyncio.subprocess.DEVNULL,
                                                    stderr=asyncio.subprocess.PIPE)

    def saved() -> int:
        return sum(1 for c in tg.calls if c.text.startswith("Saved"))

    tg.latency = 0.05
    proc = await start()
    ids = [tg.push(p.press_update(WELL)) for p in people]
    await tg.wait_for(lambda: saved() >= n // 3, timeout=60)
    proc.send_signal(signal.SIGKILL)
    await proc.wait()
    assert saved() < n  # killed in the middle, not after
    proc = await start()
    try:
        async with asyncio.timeout(90):
            while True:
                async with sessionmaker() as s:
                    left = (await s.exec(select(func.count()).select_from(ProcessedUpdate).where(
                        ProcessedUpdate.status != "done"))).one()
                    recorded = (await s.exec(select(func.count()).select_from(ProcessedUpdate))).one()
                if recorded >= n and left == 0 and tg.confirmed >= ids[-1]:
                    break
                await asyncio.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()
    async with sessionmaker() as s:
        counts = Counter((await s.exec(select(HealthReport.person_id))).all())
    assert len(counts) == n and set(counts.values()) == {1}  # every press stored, none twice
    assert "Traceback" not in err.decode()


async def _webhook(app, secret: str) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(make_web_app(app, secret))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}{app.settings.webhook_path}"


async def test_webhook_runs_one_persons_concurrent_requests_one_at_a_time(tg, engine, clock, redis_prefix,
                                                                          user_factory, structure):
    """Telegram may post one person's updates on parallel connections, and to different workers: they are
    handled one at a time, in order; another person's request is not held up. Two workers need Redis."""
    db_url = engine.url.render_as_string(hide_password=False)
    settings = make_settings(tg, db_url, redis_prefix, webhook_secret="s3cret-Token_1")
    workers = 2 if redis_prefix else 1
    apps = [build_app(settings, clock=clock, engine=make_engine(db_url)) for _ in range(workers)]
    served = [await _webhook(a, "s3cret-Token_1") for a in apps]
    urls = [url for _r, url in served]
    mei, jun = user_factory(), user_factory()
    headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_1"}
    tg.slow.append(("sendmessage", mei.id, 0.6))
    try:
        async with aiohttp.ClientSession() as http:
            async def post(i: int, update: dict, delay: float) -> int:
                await asyncio.sleep(delay)
                async with http.post(urls[i % len(urls)], json=update, headers=headers) as resp:
                    return resp.status

            statuses = await asyncio.gather(
                post(0, {"update_id": 501, **mei.message_update("/help")}, 0),
                post(1, {"update_id": 502, **mei.message_update("/menu")}, 0.1),
                post(0, {"update_id": 503, **jun.message_update("/help")}, 0.2),
                post(1, {"update_id": 501, **mei.message_update("/help")}, 0.3))  # a retry of the first
    finally:
        for runner, _url in served:
            await runner.cleanup()
        for a in apps:
            await a.close()
    assert statuses == [200, 200, 200, 200]
    mei_help, mei_menu = _first_at(tg, mei.id, "How to use this bot"), _first_at(tg, mei.id, "Please press /start")
    assert mei_help < mei_menu
    assert _first_at(tg, jun.id, "How to use this bot") < mei_help
    assert len([c for c in tg.calls_to(mei.id) if "How to use this bot" in c.text]) == 1  # the retry: no-op


async def test_an_update_that_finds_the_database_restarted_runs_again_and_acts_once(tg, engine, backend, clock,
                                                                                     redis_prefix, structure,
                                                                                     sessionmaker):
    """The pool does not ping connections before use; after the database restarted (here: every connection
    of the bot terminated), the update that finds a dead one runs once more on a fresh connection: the
    resident's report is stored once and "Saved" said once, with no apology."""
    if backend != "postgres":
        pytest.skip("a connection to SQLite cannot die under the bot")
    db_url = engine.url.render_as_string(hide_password=False)
    settings = make_settings(tg, db_url, redis_prefix, webhook_secret="s3cret-Token_1")
    app = build_app(settings, clock=clock, engine=make_engine(db_url))
    runner, url = await _webhook(app, "s3cret-Token_1")
    mei, jun = await seed_residents(sessionmaker, 2, tg)
    headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_1"}
    try:
        async with aiohttp.ClientSession() as http:
            async def post(update: dict) -> int:
                async with http.post(url, json=update, headers=headers) as resp:
                    return resp.status

            assert await post({"update_id": 601, **jun.press_update(WELL)}) == 200  # the bot's pool is in use
            async with engine.connect() as conn:
                killed = (await conn.execute(text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"))).scalar_one()
            assert killed >= 1
            await engine.dispose()  # the test's own pool lost its connections too
            assert await post({"update_id": 602, **mei.press_update(WELL)}) == 200
    finally:
        await runner.cleanup()
        await app.close()
    async with sessionmaker() as s:
        counts = Counter((await s.exec(select(HealthReport.person_id))).all())
        statuses = Counter((await s.exec(select(ProcessedUpdate.status))).all())
    assert sorted(counts.values()) == [1, 1]
    assert statuses == {"done": 2}
    assert len([c for c in tg.calls_to(mei.id) if c.text.startswith("Saved")]) == 1


@pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL not set")
async def test_redis_isolation_keeps_two_workers_apart(redis_prefix_any):
    from aiogram.fsm.storage.base import StorageKey
    from redis.asyncio import Redis

    from bot.telegram.isolation import PersonIsolation

    r1, r2 = Redis.from_url(REDIS_URL), Redis.from_url(REDIS_URL)
    # A short expiry: held longer than it, the lock is renewed, not lost.
    a, b = PersonIsolation(r1, redis_prefix_any, ttl=0.15), PersonIsolation(r2, redis_prefix_any, ttl=0.15)
    key = StorageKey(bot_id=1, chat_id=5, user_id=5)
    order: list[str] = []

    async def hold(iso, name: str, delay: float) -> None:
        await asyncio.sleep(delay)
        async with iso.lock(key):
            order.append(f"{name} in")
            await asyncio.sleep(0.5)
            order.append(f"{name} out")

    await asyncio.gather(hold(a, "a", 0), hold(b, "b", 0.05))
    await r1.aclose()
    await r2.aclose()
    assert order == ["a in", "a out", "b in", "b out"]

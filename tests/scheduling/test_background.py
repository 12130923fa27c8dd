"""Two bot processes on one database (and one Redis when configured): one runner, takeover on death."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel import select

from bot.app import build_app
from bot.background import Background
from bot.platform.clock import Clock
from bot.platform.db import make_engine
from bot.platform.delivery.outbox import Recipient, enqueue
from bot.platform.delivery.sender import SenderConfig
from bot.platform.scheduling.due import schedule
from models import DueWork
from tests.conftest import make_settings


def background(tg, db_url: str, redis_prefix: str | None, name: str, remind, *, lease: float, tick: float,
               sweep: float, poll: float) -> Background:
    """One bot process's background side, on its own engine, with a `remind` due-work handler."""
    app = build_app(make_settings(tg, db_url, redis_prefix), clock=Clock(), engine=make_engine(db_url))
    return Background(app, handlers={"remind": remind}, holder=name, lease_ttl=timedelta(seconds=lease),
                      tick_seconds=tick, sweep_seconds=sweep,
                      sender_config=SenderConfig(rate=50, idle_poll=poll, private_interval=0.05))


async def test_one_runner_sweeps_and_sends_and_another_takes_over(tg, engine, redis_prefix):
    db_url = engine.url.render_as_string(hide_password=False)
    handled: list[str] = []

    async def remind(session, work, now) -> None:
        handled.append(work.ref)
        enqueue(session, [Recipient(chat_id=7000 + int(work.ref))], f"reminder {work.ref}", now=now)

    def process(name: str) -> Background:
        return background(tg, db_url, redis_prefix, name, remind, lease=0.6, tick=0.1, sweep=0.1, poll=0.05)

    a, b = process("a"), process("b")
    await a.start()
    await b.start()
    assert a.leadership.is_leader and not b.leadership.is_leader
    assert {j.id for j in a.scheduler.get_jobs()} == {"lease", "sweep-due", "retention"}
    async with a.app.sessionmaker() as s:
        for i in range(5):
            schedule(s, "remind", Clock().now(), ref=str(i), now=Clock().now())
        await s.commit()
    await tg.wait_for(lambda: len(tg.delivered) == 5, timeout=10)
    assert sorted(handled) == ["0", "1", "2", "3", "4"]

    # The runner dies without resigning (no release): b takes over once the lease lapses.
    a.scheduler.shutdown(wait=False)
    a._stop.set()
    await a._sender_task
    for _ in range(100):  # the lease is 0.6 s; b checks every 0.1 s
        if b.leadership.is_leader:
            break
        await asyncio.sleep(0.05)
    assert b.leadership.is_leader
    async with b.app.sessionmaker() as s:
        schedule(s, "remind", Clock().now(), ref="5", now=Clock().now())
        await s.commit()
    await tg.wait_for(lambda: 7005 in tg.delivered, timeout=10)
    assert all(len(v) == 1 for v in tg.delivered.values())  # nobody got anything twice
    async with b.app.sessionmaker() as s:
        assert {w.status for w in (await s.exec(select(DueWork))).all()} == {"done"}
    await b.stop()
    await a.app.close()
    await b.app.close()


async def test_work_booked_for_now_is_done_at_once_not_at_the_next_sweep(tg, engine, redis_prefix):
    """The sweep runs every hour and the sender looks for rows every hour here: only the wake-up can deliver.
    With Redis, work booked by another process (a webhook worker) wakes the runner too."""
    db_url = engine.url.render_as_string(hide_password=False)

    async def remind(session, work, now) -> None:
        enqueue(session, [Recipient(chat_id=7100 + int(work.ref))], f"now {work.ref}", now=now)

    def process(name: str) -> Background:
        return background(tg, db_url, redis_prefix, name, remind, lease=60, tick=30, sweep=3600, poll=3600)

    runner, worker = process("runner"), process("worker")
    await runner.start()
    await worker.start()
    assert runner.leadership.is_leader and not worker.leadership.is_leader
    await asyncio.sleep(0.3)  # the first sweeps at start are over
    now = Clock().now()
    async with runner.app.sessionmaker() as s:
        schedule(s, "remind", now, ref="1", now=now)
        schedule(s, "remind", now + timedelta(hours=1), ref="2", now=now)  # later: the sweep's business
        await s.commit()
    await tg.wait_for(lambda: 7101 in tg.delivered, timeout=3)
    async with runner.app.sessionmaker() as s:  # a push enqueued directly (a reply to someone else, an offer)
        enqueue(s, [Recipient(chat_id=7103)], "pushed", now=Clock().now())
        await s.commit()
    await tg.wait_for(lambda: 7103 in tg.delivered, timeout=3)
    if redis_prefix is not None:
        async with worker.app.sessionmaker() as s:
            schedule(s, "remind", Clock().now(), ref="4", now=Clock().now())
            await s.commit()
        await tg.wait_for(lambda: 7104 in tg.delivered, timeout=3)
    assert 7102 not in tg.delivered
    await worker.stop()
    await runner.stop()
    await runner.app.close()
    await worker.app.close()


async def test_the_hourly_retention_job_prunes_the_update_ledger(tg, engine, redis_prefix):
    """In webhook mode nothing else prunes it: handled updates older than two days go, unhandled ones stay."""
    from bot.telegram import ledger
    from models import ProcessedUpdate

    db_url = engine.url.render_as_string(hide_password=False)
    app = build_app(make_settings(tg, db_url, redis_prefix), clock=Clock(), engine=make_engine(db_url))
    old = Clock().now() - ledger.KEEP - timedelta(hours=1)
    async with app.sessionmaker() as s:
        s.add_all([ProcessedUpdate(update_id=1, status="done", at=old),
                   ProcessedUpdate(update_id=2, status="received", at=old, payload={"update_id": 2}),
                   ProcessedUpdate(update_id=3, status="done", at=Clock().now())])
        await s.commit()
    bg = Background(app, holder="solo")
    await bg.leadership.tick()
    await bg.retention()
    async with app.sessionmaker() as s:
        assert sorted((await s.exec(select(ProcessedUpdate.update_id))).all()) == [2, 3]
    await bg.leadership.resign()
    await app.close()

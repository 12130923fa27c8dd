"""Due-work sweeps, retries, expiry, the single-runner lease and takeover, with a controllable clock."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from redis.asyncio import Redis
from sqlmodel import select

from bot.platform.clock import FakeClock
from bot.platform.scheduling.due import DueWorkRunner, schedule, schedule_once
from bot.platform.scheduling.lease import DbLease, Leadership, RedisLease
from models import AuditEntry, DueWork, OutboxMessage
from tests.conftest import REDIS_URL


def recorder(calls: list, fail_times: int = 0):
    state = {"failures": 0}

    async def handler(session, work, now) -> None:
        if state["failures"] < fail_times:
            state["failures"] += 1
            raise RuntimeError("boom")
        calls.append(work.ref)
        session.add(AuditEntry(action="reminder_sent", detail={"ref": work.ref}, at=now))  # the action's effect

    return handler


async def add_work(sessionmaker, clock, n: int = 1, **kw) -> None:
    async with sessionmaker() as s:
        for i in range(n):
            schedule(s, "remind", clock.now() + timedelta(minutes=10), ref=f"r{i}", now=clock.now(), **kw)
        await s.commit()


async def test_due_work_runs_once_when_due_with_its_effects(sessionmaker):
    clock = FakeClock()
    calls: list = []
    runner = DueWorkRunner(sessionmaker, clock, {"remind": recorder(calls)})
    await add_work(sessionmaker, clock, 3)
    assert (await runner.sweep()).done == 0  # not due yet
    clock.advance(minutes=10)
    assert (await runner.sweep()).done == 3
    assert (await runner.sweep()).done == 0  # never twice
    assert calls == ["r0", "r1", "r2"]
    async with sessionmaker() as s:
        assert len((await s.exec(select(AuditEntry))).all()) == 3
        assert {w.status for w in (await s.exec(select(DueWork))).all()} == {"done"}


async def test_failures_are_retried_with_backoff_then_reported(sessionmaker):
    clock = FakeClock()
    calls: list = []
    runner = DueWorkRunner(sessionmaker, clock, {"remind": recorder(calls, fail_times=99)}, max_attempts=3,
                           admin_chat_ids=[42], locale="en")
    await add_work(sessionmaker, clock)
    clock.advance(minutes=10)
    assert (await runner.sweep()).retried == 1
    assert (await runner.sweep()).retried == 0  # backing off, not hammering
    clock.advance(seconds=30)
    assert (await runner.sweep()).retried == 1
    clock.advance(seconds=60)
    assert (await runner.sweep()).failed == 1
    async with sessionmaker() as s:
        work = (await s.exec(select(DueWork))).one()
        alert = (await s.exec(select(OutboxMessage))).one()
    assert work.status == "failed" and work.attempts == 3 and "RuntimeError" in work.last_error
    assert alert.chat_id == 42 and "failed 3 times" in alert.text


async def test_a_retry_succeeds_and_effects_of_failed_attempts_are_not_kept(sessionmaker):
    clock = FakeClock()
    calls: list = []
    runner = DueWorkRunner(sessionmaker, clock, {"remind": recorder(calls, fail_times=1)})
    await add_work(sessionmaker, clock)
    clock.advance(minutes=10)
    await runner.sweep()
    clock.advance(minutes=1)
    assert (await runner.sweep()).done == 1
    async with sessionmaker() as s:
        assert len((await s.exec(select(AuditEntry))).all()) == 1


async def test_stale_work_expires_instead_of_replaying(sessionmaker):
    """A long outage: the reminder's moment has passed, so it is not sent late."""
    clock = FakeClock()
    calls: list = []
    runner = DueWorkRunner(sessionmaker, clock, {"remind": recorder(calls)})
    await add_work(sessionmaker, clock, valid_until=clock.now() + timedelta(hours=1))
    clock.advance(hours=5)
    report = await runner.sweep()
    assert report.expired == 1 and report.done == 0 and calls == []


async def test_work_left_running_by_a_dead_process_is_taken_back(sessionmaker):
    clock = FakeClock()
    calls: list = []
    await add_work(sessionmaker, clock)
    clock.advance(minutes=10)
    async with sessionmaker() as s:
        w = (await s.exec(select(DueWork))).one()
        w.status, w.claim, w.claimed_at = "running", "dead", clock.now()
        await s.commit()
    runner = DueWorkRunner(sessionmaker, clock, {"remind": recorder(calls)}, lease=timedelta(minutes=5))
    assert (await runner.sweep()).done == 0
    clock.advance(minutes=6)
    assert (await runner.sweep()).done == 1 and calls == ["r0"]


async def test_two_runners_sweeping_at_once_do_each_row_once(sessionmaker):
    clock = FakeClock()
    calls: list = []
    a = DueWorkRunner(sessionmaker, clock, {"remind": recorder(calls)}, batch=7)
    b = DueWorkRunner(sessionmaker, clock, {"remind": recorder(calls)}, batch=7)
    await add_work(sessionmaker, clock, 40)
    clock.advance(minutes=10)
    for _ in range(8):
        await asyncio.gather(a.sweep(), b.sweep(), return_exceptions=True)
    assert sorted(calls) == sorted(f"r{i}" for i in range(40))


async def test_schedule_once_by_natural_key(sessionmaker):
    clock = FakeClock()
    async with sessionmaker() as s:
        assert await schedule_once(s, "remind", clock.now(), key="p1:slot:08", now=clock.now())
        assert not await schedule_once(s, "remind", clock.now(), key="p1:slot:08", now=clock.now())
        assert len((await s.exec(select(DueWork))).all()) == 1


async def test_db_lease_one_holder_and_takeover(sessionmaker):
    clock = FakeClock()
    a = Leadership(DbLease(sessionmaker, clock, ttl=timedelta(seconds=15), holder="a"))
    b = Leadership(DbLease(sessionmaker, clock, ttl=timedelta(seconds=15), holder="b"))
    assert await a.tick() and not await b.tick()
    clock.advance(seconds=10)
    assert await a.tick() and not await b.tick()  # renewed
    clock.advance(seconds=16)  # a died: it stopped renewing
    assert await b.tick() and not await a.tick()
    await b.resign()
    assert await a.tick()


@pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL not set")
async def test_redis_lease_one_holder_and_takeover(redis_prefix_any):
    r = Redis.from_url(REDIS_URL)
    a = Leadership(RedisLease(r, redis_prefix_any, ttl=timedelta(milliseconds=300), holder="a"))
    b = Leadership(RedisLease(r, redis_prefix_any, ttl=timedelta(milliseconds=300), holder="b"))
    try:
        assert await a.tick() and not await b.tick()
        await asyncio.sleep(0.1)
        assert await a.tick() and not await b.tick()
        await asyncio.sleep(0.4)  # a died
        assert await b.tick() and not await a.tick()
        await b.resign()
        assert await a.tick()
    finally:
        await r.aclose()

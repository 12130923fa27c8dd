"""Wake-ups fire when a transaction that booked work for now commits, and only then."""

from __future__ import annotations

from datetime import timedelta

from bot.platform import wake
from bot.platform.clock import Clock
from bot.platform.db import make_sessionmaker
from bot.platform.delivery.outbox import Recipient, enqueue
from bot.platform.scheduling.due import schedule


async def test_a_commit_that_booked_work_for_now_wakes_the_runner_and_a_rollback_does_not(engine):
    hub = wake.Wakeups()
    wake.attach(engine, hub)
    sm = make_sessionmaker(engine)
    now = Clock().now()
    async with sm() as s:
        schedule(s, "x", now + timedelta(hours=1), ref="later", now=now)
        enqueue(s, [Recipient(chat_id=1)], "tonight", now=now, not_before=now + timedelta(hours=8))
        await s.commit()
    assert not hub.events[wake.DUE].is_set() and not hub.events[wake.SEND].is_set()  # later: the sweep's
    async with sm() as s:
        schedule(s, "x", now, ref="now", now=now)
        await s.rollback()
        await s.commit()
    assert not hub.events[wake.DUE].is_set()  # rolled back: nothing to do
    async with sm() as s:
        schedule(s, "x", now, ref="now", now=now)
        assert not hub.events[wake.DUE].is_set()  # not before it commits
        await s.commit()
    assert hub.events[wake.DUE].is_set() and not hub.events[wake.SEND].is_set()
    async with sm() as s:
        enqueue(s, [Recipient(chat_id=1)], "now", now=now)
        await s.commit()
    assert hub.events[wake.SEND].is_set()

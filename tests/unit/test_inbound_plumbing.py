"""The update ledger, per-person locks, order keys, the conversation cache and in-process flood control."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from aiogram.fsm.storage.base import StorageKey
from aiogram.types import Update
from sqlmodel import select

from bot.platform.clock import FakeClock
from bot.platform.db import make_sessionmaker, update_session
from bot.telegram import ledger
from bot.telegram.fsm_storage import SQLStorage
from bot.telegram.isolation import KeyedLocks
from bot.telegram.ledger import LedgerSession
from bot.telegram.polling import order_key
from models import Community, ProcessedUpdate


async def _status(sessionmaker, update_id: int) -> str | None:
    async with sessionmaker() as s:
        row = await s.get(ProcessedUpdate, update_id)
        return None if row is None else row.status


async def test_a_recorded_batch_says_what_still_needs_handling(sessionmaker):
    clock = FakeClock()
    async with sessionmaker() as s:
        assert await ledger.record(s, [(1, {"update_id": 1}), (2, {"update_id": 2})], clock.now()) == {1, 2}
    updates = make_sessionmaker(sessionmaker.kw["bind"], sync_session_class=LedgerSession)
    async with updates() as s:
        ledger.begin_update(s, 1, clock)
        await ledger.finish(s)
    async with sessionmaker() as s:
        # Telegram sends both again (the confirmation was lost): only the one not handled comes back.
        assert await ledger.record(s, [(1, {"update_id": 1}), (2, {"update_id": 2})], clock.now()) == {2}
        assert await ledger.pending(s) == [(2, {"update_id": 2})]
        assert await ledger.handled(s, 1) and not await ledger.handled(s, 2)
    async with sessionmaker() as s:
        row = await s.get(ProcessedUpdate, 1)
        assert row.payload is None  # the update's content is not kept once handled


async def test_the_first_change_commits_with_the_mark_and_a_rollback_takes_both_back(sessionmaker):
    clock = FakeClock()
    updates = make_sessionmaker(sessionmaker.kw["bind"], sync_session_class=LedgerSession)
    async with updates() as s:
        ledger.begin_update(s, 10, clock)
        await s.exec(select(Community))
        await s.commit()  # a read-only commit (before a reply, say) does not mark the update
        assert await _status(sessionmaker, 10) is None
        s.add(Community(code="c1", name="One"))
        await s.flush()
        await s.rollback()  # the change is taken back: so is any mark
        assert await _status(sessionmaker, 10) is None
        s.add(Community(code="c2", name="Two"))
        await s.commit()  # the first change that commits carries the mark
        assert await _status(sessionmaker, 10) == "done"
        await ledger.finish(s)
    async with sessionmaker() as s:
        assert [c.code for c in (await s.exec(select(Community))).all()] == ["c2"]


async def test_a_failed_update_is_marked_failed_and_old_rows_are_pruned(sessionmaker):
    clock = FakeClock()
    updates = make_sessionmaker(sessionmaker.kw["bind"], sync_session_class=LedgerSession)
    async with updates() as s:
        ledger.begin_update(s, 20, clock)
        await ledger.finish(s, ledger.FAILED)
    assert await _status(sessionmaker, 20) == "failed"
    async with sessionmaker() as s:
        await ledger.record(s, [(21, {"update_id": 21})], clock.now())
        assert await ledger.handled(s, 20)
        assert await ledger.prune(s, clock.now() + ledger.KEEP + timedelta(minutes=1)) == 1
    assert await _status(sessionmaker, 20) is None
    assert await _status(sessionmaker, 21) == "received"  # never pruned before it is handled


async def test_keyed_locks_keep_arrival_order_and_leave_nothing_behind():
    locks = KeyedLocks()
    order: list[str] = []

    async def run(key: str, name: str, hold: float) -> None:
        async with locks.hold(key):
            order.append(name)
            await asyncio.sleep(hold)

    await asyncio.gather(run("mei", "mei-1", 0.05), run("mei", "mei-2", 0), run("jun", "jun-1", 0),
                         run("mei", "mei-3", 0))
    assert order == ["mei-1", "jun-1", "mei-2", "mei-3"]
    assert len(locks) == 0


def test_order_key_is_the_person_in_the_chat():
    def upd(uid: int, user: int, chat: int) -> Update:
        return Update.model_validate({"update_id": uid, "message": {
            "message_id": 1, "date": 0, "text": "hi", "chat": {"id": chat, "type": "supergroup", "title": "B1"},
            "from": {"id": user, "is_bot": False, "first_name": "X"}}})

    assert order_key(upd(1, 5, -100)) == order_key(upd(2, 5, -100))
    assert order_key(upd(1, 5, -100)) != order_key(upd(2, 6, -100))  # a neighbour in the same group
    assert order_key(Update.model_validate({"update_id": 3})) != order_key(Update.model_validate({"update_id": 4}))


async def test_conversation_cache_forgets_a_write_whose_transaction_was_rolled_back(sessionmaker):
    storage = SQLStorage(sessionmaker)
    key = StorageKey(bot_id=1, chat_id=2, user_id=2)
    await storage.set_state(key, "HR:temp")
    updates = make_sessionmaker(sessionmaker.kw["bind"], sync_session_class=LedgerSession)
    async with updates() as s:
        ledger.begin_update(s, 30, FakeClock())
        token = update_session.set(s)
        try:
            await storage.set_state(key, "HR:symptoms")  # joins the update's transaction
            assert await storage.get_state(key) == "HR:symptoms"
            await s.rollback()
        finally:
            update_session.reset(token)
    assert await storage.get_state(key) == "HR:temp"  # read again from the database
    assert await SQLStorage(sessionmaker).get_state(key) == "HR:temp"


async def test_memory_flood_control_allows_a_burst_then_refuses_and_forgets_the_least_recent():
    from bot.telegram.middlewares.throttling import MemoryFlood

    flood = MemoryFlood(3, 30, remember=2)
    assert [await flood.allow("u", "mei") for _ in range(4)] == [True, True, True, False]
    assert await flood.allow("u", "jun")  # another person has their own allowance
    assert await flood.allow("w", "mei") and not await flood.allow("w", "mei")  # one warning per window
    assert await flood.allow("u", "ann")  # past `remember` entries the least recently seen are forgotten
    assert len(flood._buckets) == 2

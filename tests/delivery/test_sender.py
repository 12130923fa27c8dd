"""The sender against the fake Bot API enforcing (scaled-down) Telegram limits."""

from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from sqlmodel import select

from bot.platform.clock import Clock
from bot.platform.delivery.outbox import Recipient, enqueue, progress
from bot.platform.delivery.sender import Sender, SenderConfig
from models import OutboxMessage, Person
from models.delivery import ROUTINE, URGENT
from tests.conftest import TOKEN
from tests.fakes.telegram import FakeTelegram, Limits

FAST = Limits(per_second=40, private_interval=0.25, group_count=5, group_window=1.0)


def config(**kw: object) -> SenderConfig:
    base = {"rate": 36.0, "private_interval": 0.25, "group_interval": 0.2, "idle_poll": 0.05,
            "retry_base": 0.05, "request_timeout": 2.0}
    base.update(kw)
    return SenderConfig(**base)


@pytest.fixture
async def bot(tg: FakeTelegram):
    b = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url)))
    yield b
    await b.session.close()


async def add(sessionmaker, chats, text: str = "hello", **kw) -> None:
    async with sessionmaker() as s:
        for chat in chats:
            enqueue(s, [Recipient(chat_id=chat, person_id=kw.pop("person_id", None))], text, now=Clock().now(), **kw)
        await s.commit()


async def drain(bot: Bot, sessionmaker, timeout: float = 30.0, **kw: object) -> Sender:
    sender = Sender(bot, sessionmaker, Clock(), config(**kw))
    await asyncio.wait_for(sender.run(asyncio.Event(), until_idle=True), timeout)
    return sender


def sends(tg: FakeTelegram) -> list:
    return [c for c in tg.calls if c.method == "sendMessage" and c.result not in ("failed", "429")]


async def test_limits_are_respected_and_nothing_is_lost_or_doubled(tg, bot, sessionmaker):
    tg.limits = FAST
    private = [1000 + i for i in range(20)]
    groups = [-100, -200]
    for n in range(3):
        await add(sessionmaker, private, text=f"p{n}")
    for n in range(5):
        await add(sessionmaker, groups, text=f"g{n}")
    started = time.monotonic()
    sender = await drain(bot, sessionmaker)
    elapsed = time.monotonic() - started
    assert tg.r429 == 0 and sender.stats["r429"] == 0
    ok = sends(tg)
    assert len(ok) == 70
    for chat in private:
        assert tg.delivered[chat] == ["p0", "p1", "p2"]  # each once, in order
    times = sorted(c.at for c in ok)
    for i in range(len(times)):  # never more than the limit in any second
        assert sum(1 for t in times[i:] if t - times[i] < 1.0) <= FAST.per_second
    by_chat = defaultdict(list)
    for c in ok:
        by_chat[c.chat_id].append(c.at)
    for chat in private:
        gaps = [b - a for a, b in zip(by_chat[chat], by_chat[chat][1:], strict=False)]
        assert min(gaps) >= 0.25 - 0.01
    assert elapsed >= (70 - 1) / 36.0  # paced evenly, not in bursts
    async with sessionmaker() as s:
        statuses = {r.status for r in (await s.exec(select(OutboxMessage))).all()}
    assert statuses == {"sent"}


async def test_retry_after_pauses_everything_then_resumes(tg, bot, sessionmaker):
    await add(sessionmaker, range(1, 11))
    tg.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    sender = await drain(bot, sessionmaker)
    assert sender.stats["r429"] == 1
    t429 = next(c.at for c in tg.calls if c.result == "failed")
    ok = sends(tg)
    assert sorted(c.chat_id for c in ok) == list(range(1, 11))  # all delivered, once
    # Requests already under way when the 429 came back may land; nothing new starts during the pause.
    during = [c for c in ok if t429 + 0.3 < c.at < t429 + 0.95]
    assert during == []
    retried = next(c for c in ok if c.chat_id == 1)
    assert retried.at >= t429 + 0.95


async def test_forbidden_marks_the_person_unreachable_and_skips_them(tg, bot, sessionmaker):
    async with sessionmaker() as s:
        p = Person(tg_user_id=555, full_name="X")
        s.add(p)
        await s.commit()
        pid = p.id
    await add(sessionmaker, [555], text="one", person_id=pid)
    await add(sessionmaker, [555], text="two", person_id=pid)
    tg.fail("sendMessage", 403, "Forbidden: bot was blocked by the user", chat_id=555)
    await drain(bot, sessionmaker)
    assert len([c for c in tg.calls if c.chat_id == 555]) == 1
    async with sessionmaker() as s:
        assert (await s.get(Person, pid)).unreachable_since is not None
        assert {r.status for r in (await s.exec(select(OutboxMessage))).all()} == {"blocked"}
        assert (await progress(s, "")).failed == 2


async def test_bad_request_is_final_and_server_errors_are_retried(tg, bot, sessionmaker):
    await add(sessionmaker, [10], text="bad")
    await add(sessionmaker, [11], text="flaky")
    tg.fail("sendMessage", 400, "Bad Request: chat not found", chat_id=10)
    tg.fail("sendMessage", 502, "Bad Gateway", chat_id=11, times=2)
    await drain(bot, sessionmaker)
    assert len([c for c in tg.calls if c.chat_id == 10]) == 1
    assert len([c for c in tg.calls if c.chat_id == 11]) == 3
    async with sessionmaker() as s:
        rows = {r.chat_id: r for r in (await s.exec(select(OutboxMessage))).all()}
    assert rows[10].status == "failed" and "chat not found" in rows[10].last_error
    assert rows[11].status == "sent" and rows[11].attempts == 3 and rows[11].tg_message_id


async def test_timeouts_are_retried_and_give_up_after_max_attempts(tg, bot, sessionmaker):
    await add(sessionmaker, [20], text="slow once")
    await add(sessionmaker, [21], text="always down")
    tg.fail("sendMessage", 500, "late", chat_id=20, delay=1.0)  # answered after the client gave up
    tg.fail("sendMessage", 500, "Internal Server Error", chat_id=21, times=10)
    await drain(bot, sessionmaker, request_timeout=0.3, max_attempts=3)
    async with sessionmaker() as s:
        rows = {r.chat_id: r for r in (await s.exec(select(OutboxMessage))).all()}
    assert rows[20].status == "sent" and rows[20].attempts == 2
    assert rows[21].status == "failed" and rows[21].attempts == 3


async def test_group_migration_follows_the_new_chat_id(tg, bot, sessionmaker):
    await add(sessionmaker, [-300, -300], text="notice")
    tg.fail("sendMessage", 400, "Bad Request: group chat was upgraded to a supergroup chat",
            migrate_to_chat_id=-1009999, chat_id=-300)
    moved = []

    async def hook(old: int, new: int) -> None:
        moved.append((old, new))

    sender = Sender(bot, sessionmaker, Clock(), config(), on_migrate=hook)
    await asyncio.wait_for(sender.run(asyncio.Event(), until_idle=True), 20)
    assert moved == [(-300, -1009999)]
    assert tg.delivered.get(-1009999) == ["notice", "notice"] and -300 not in tg.delivered


async def test_urgent_rows_overtake_a_large_routine_send(tg, bot, sessionmaker):
    await add(sessionmaker, range(5000, 5200), text="routine", priority=ROUTINE)
    sender = Sender(bot, sessionmaker, Clock(), config(rate=100.0))
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(stop))
    await tg.wait_for(lambda: len(sends(tg)) >= 20)
    await add(sessionmaker, [9], text="RED ALERT", priority=URGENT)
    await tg.wait_for(lambda: 9 in tg.delivered, timeout=10)
    position = next(i for i, c in enumerate(sends(tg)) if c.chat_id == 9)
    stop.set()
    await task
    assert position < 20 + 15  # within a fraction of a second, not after the 180 routine ones left


async def test_expired_rows_are_never_sent(tg, bot, sessionmaker):
    now = Clock().now()
    await add(sessionmaker, [30], text="stale alert", valid_until=now - timedelta(seconds=1))
    await add(sessionmaker, [31], text="fresh", valid_until=now + timedelta(hours=1))
    await drain(bot, sessionmaker)
    assert 30 not in tg.delivered and tg.delivered[31] == ["fresh"]
    async with sessionmaker() as s:
        p = await progress(s, "")
    assert p.by_status == {"expired": 1, "sent": 1} and p.done


async def test_restart_recovers_claimed_and_in_flight_rows(tg, bot, sessionmaker):
    """A crash leaves rows claimed (never sent) and in flight (maybe sent). After restart the claimed ones
    go out once; an urgent in-flight one is sent again; a routine in-flight one is marked unknown."""
    await add(sessionmaker, [41, 42], text="claimed")
    await add(sessionmaker, [43], text="urgent in flight", priority=URGENT)
    await add(sessionmaker, [44], text="routine in flight")
    async with sessionmaker() as s:
        rows = {r.chat_id: r for r in (await s.exec(select(OutboxMessage))).all()}
        for chat in (41, 42):
            rows[chat].status, rows[chat].claim = "claimed", "dead-process"
        for chat in (43, 44):
            rows[chat].status, rows[chat].attempts = "sending", 1
        await s.commit()
    await drain(bot, sessionmaker)
    assert tg.delivered == {41: ["claimed"], 42: ["claimed"], 43: ["urgent in flight"]}
    async with sessionmaker() as s:
        p = await progress(s, "")
    assert p.by_status == {"sent": 3, "unknown": 1}


async def test_progress_counts_by_cause(sessionmaker):
    async with sessionmaker() as s:
        enqueue(s, [Recipient(1), Recipient(2), Recipient(3)], "n", now=Clock().now(), cause="notice:1")
        enqueue(s, [Recipient(4)], "other", now=Clock().now(), cause="notice:2")
        await s.commit()
        p = await progress(s, "notice:1")
    assert (p.total, p.sent, p.failed, p.pending, p.done) == (3, 0, 0, 3, False)


def test_enqueue_refuses_text_telegram_would_refuse() -> None:
    with pytest.raises(ValueError):
        enqueue(None, [Recipient(1)], "x" * 4097, now=Clock().now())  # type: ignore[arg-type]


async def test_a_process_that_is_not_the_runner_leaves_the_runners_rows_alone(tg, bot, sessionmaker):
    await add(sessionmaker, [51], text="claimed by the runner")
    await add(sessionmaker, [52], text="being sent by the runner")
    async with sessionmaker() as s:
        rows = {r.chat_id: r for r in (await s.exec(select(OutboxMessage))).all()}
        rows[51].status, rows[51].claim = "claimed", "runner"
        rows[52].status = "sending"
        await s.commit()
    follower = Sender(bot, sessionmaker, Clock(), config())
    stop = asyncio.Event()
    task = asyncio.create_task(follower.run(stop, is_leader=lambda: False))
    await asyncio.sleep(0.3)
    stop.set()
    await task
    async with sessionmaker() as s:
        after = {r.chat_id: r.status for r in (await s.exec(select(OutboxMessage))).all()}
    assert after == {51: "claimed", 52: "sending"} and tg.delivered == {}


async def test_losing_the_lease_hands_claimed_rows_back(tg, bot, sessionmaker):
    await add(sessionmaker, range(60, 90), text="x")
    leader = {"yes": True}
    sender = Sender(bot, sessionmaker, Clock(), config(rate=20.0))
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(stop, is_leader=lambda: leader["yes"]))
    await tg.wait_for(lambda: len(sends(tg)) >= 3)
    leader["yes"] = False
    await asyncio.sleep(1.2)
    async with sessionmaker() as s:
        statuses = Counter(r.status for r in (await s.exec(select(OutboxMessage))).all())
    stop.set()
    await task
    assert set(statuses) == {"sent", "pending"}  # nothing left claimed or in flight
    assert statuses["sent"] == len(sends(tg))


async def test_edits_change_a_sent_message_and_supersede_an_unsent_one(tg, bot, sessionmaker):
    from bot.platform.delivery.outbox import enqueue_edit

    now = Clock().now()
    async with sessionmaker() as s:
        sent_first = enqueue(s, [Recipient(70)], "Task S-0001: Claim?", now=now,
                             reply_markup={"inline_keyboard": [[{"text": "Claim", "callback_data": "t:1"}]]})[0]
        await s.commit()
    await drain(bot, sessionmaker)
    async with sessionmaker() as s:
        target = await s.get(OutboxMessage, sent_first.id)
        enqueue_edit(s, target, "Task S-0001 was taken by another volunteer.", now=now)
        never_sent = enqueue(s, [Recipient(71)], "Task S-0001: Claim?", now=now)[0]
        await s.flush()
        enqueue_edit(s, never_sent, "Task S-0001 was taken by another volunteer.", now=now)
        await s.commit()
        never_id = never_sent.id
    await drain(bot, sessionmaker)
    edits = tg.method_calls("editMessageText")
    assert len(edits) == 1 and edits[0].params["chat_id"] == "70" and "taken" in edits[0].text
    assert tg.screens[(70, int(edits[0].params["message_id"]))]["markup"] is None  # the Claim button is gone
    assert 71 not in tg.delivered  # the out-of-date offer never went out
    async with sessionmaker() as s:
        assert (await s.get(OutboxMessage, never_id)).status == "expired"


async def test_replies_sent_during_a_broadcast_share_its_budget_and_nobody_gets_a_429(tg, sessionmaker):
    """Telegram's 30 messages in any second count the bot's replies as well as its pushes: a broadcast at
    full speed while people are answered must leave them room, never draw a 429, never delay a reply."""
    from bot.platform.delivery.budget import CountSends, SendBudget

    tg.limits = Limits(per_second=30, private_interval=1.0, group_count=20, group_window=60.0)
    budget = SendBudget()
    b = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url)))
    b.session.middleware(CountSends(budget))
    await add(sessionmaker, [5000 + i for i in range(75)], "broadcast")
    sender = Sender(b, sessionmaker, Clock(), config(rate=29.0, private_interval=1.0), budget=budget)
    stop = asyncio.Event()
    running = asyncio.create_task(sender.run(stop, until_idle=True))
    replies = 0
    await asyncio.sleep(0.5)  # the broadcast is at full speed
    for i in range(24):  # about 12 replies a second to people writing meanwhile
        await b.send_message(9000 + i, "your answer")
        replies += 1
        await asyncio.sleep(1 / 12)
    await asyncio.wait_for(running, 30)
    await b.session.close()
    assert tg.r429 == 0
    assert budget.direct == replies == 24
    assert len({c.chat_id for c in sends(tg) if c.chat_id < 9000}) == 75
    times = sorted(c.at for c in sends(tg))
    assert max(sum(1 for t in times if s <= t < s + 1.0) for s in times) <= 30  # any sliding second

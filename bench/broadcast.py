"""Broadcast benchmark: N private recipients and M groups through a fake Bot API enforcing Telegram's
limits (30 messages in any sliding second for the bot, 1/s per private chat, 20/min per group; 429 with
retry_after when exceeded) and answering every call after a realistic round trip, some recipients answering
403. The sender runs in its own process, exactly as in production; with --kill-at it is SIGKILLed when that
fraction has been delivered and started again. With --writers the process is the whole bot (long polling,
handlers and the sender, as `python -m bot run`), and that many residents write /help while the broadcast is
going out: their replies share Telegram's 30 per second with it.

    python bench/broadcast.py --recipients 10000 --groups 100 [--kill-at 0.5] [--rate 29] [--latency 0.1]
    python bench/broadcast.py --recipients 2000 --groups 20 --writers 60 --writers-rate 4

Ends with: ratio=<achieved/configured> of30=<achieved/30> r429=<n> duplicates=<n> lost=<n>
(and, with writers: replies=<n> reply_p50=<s> reply_p99=<s>)
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOKEN = "123456789:BENCH-token-for-the-fake-bot-api-server"


async def worker(db_url: str, api: str, rate: float) -> None:
    """The bot's sender, alone in a process: drain the outbox and exit."""
    from aiogram import Bot
    from aiogram.client.telegram import TelegramAPIServer

    from bot.platform.clock import Clock
    from bot.platform.db import make_engine, make_sessionmaker
    from bot.platform.delivery.sender import Sender, SenderConfig
    from bot.telegram.bot_session import LeanFormSession

    engine = make_engine(db_url)
    bot = Bot(TOKEN, session=LeanFormSession(api=TelegramAPIServer.from_base(api)))  # as in production
    sender = Sender(bot, make_sessionmaker(engine), Clock(), SenderConfig(rate=rate))
    await sender.run(asyncio.Event(), until_idle=True)
    print(f"worker done: {dict(sender.stats)}", flush=True)
    await bot.session.close()
    await engine.dispose()


async def bot_worker(db_url: str, api: str, rate: float) -> None:
    """The whole bot in one process, as `python -m bot run`: long polling, handlers, the sender. Stops on
    SIGTERM."""
    from bot.app import build_app
    from bot.background import Background
    from bot.config import Settings
    from bot.telegram.polling import poll

    settings = Settings(_env_file=None, bot_token=TOKEN, telegram_api_url=api, database_url=db_url,
                        default_locale="en", polling_timeout=1, flood_limit=1000, send_rate=rate,
                        log_level="WARNING")
    app = build_app(settings)
    background = Background(app, holder="bench")
    await background.start()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await poll(app.dispatcher, app.bot, stop, timeout=1)
    await background.stop()
    print(f"bot done: {dict(background.sender.stats)}", flush=True)
    await app.close()


class Watch:
    """Counts deliveries and resolves the writers' waits as calls reach the fake (no polling of the call
    list: the fake's process must stay as responsive as Telegram's servers)."""

    def __init__(self, audience: set[int]) -> None:
        self.audience = audience
        self.delivered = 0
        self.reached: asyncio.Event = asyncio.Event()
        self.target = 0
        self.replies: dict[int, asyncio.Future] = {}

    def __call__(self, call) -> None:
        if call.method != "sendMessage" or call.chat_id is None:
            return
        if call.chat_id in self.audience:
            self.delivered += 1
            if self.delivered >= self.target:
                self.reached.set()
        elif (f := self.replies.pop(call.chat_id, None)) is not None and not f.done():
            f.set_result(time.monotonic())

    async def until(self, n: int) -> None:
        self.target = n
        self.reached.clear()
        if self.delivered < n:
            await asyncio.wait_for(self.reached.wait(), 3600)


async def write_help(fake, watch: Watch, writers: list[int], rate: float, latencies: list[float]) -> None:
    """Residents writing /help while the broadcast goes out, evenly at `rate` a second; each waits for the
    bot's answer."""

    async def one(k: int, chat: int) -> None:
        await asyncio.sleep(k / rate)
        answered = asyncio.get_running_loop().create_future()
        watch.replies[chat] = answered
        t0 = time.monotonic()
        fake.push({"message": {"message_id": 1, "date": int(time.time()), "text": "/help",
                               "from": {"id": chat, "is_bot": False, "first_name": "R", "language_code": "en"},
                               "chat": {"id": chat, "type": "private", "first_name": "R"}}})
        latencies.append(await asyncio.wait_for(answered, 120) - t0)

    await asyncio.gather(*(one(k, chat) for k, chat in enumerate(writers)))


async def main(args: argparse.Namespace) -> None:
    from sqlmodel import SQLModel, select

    import models  # noqa: F401
    from bot.platform.clock import Clock
    from bot.platform.db import make_engine, make_sessionmaker
    from bot.platform.delivery.outbox import Recipient, enqueue, progress
    from models import OutboxMessage
    from tests.fakes.telegram import FakeTelegram, Limits

    tmp = tempfile.mkdtemp(prefix="bench-")
    db_url = args.database_url or f"sqlite+aiosqlite:///{tmp}/bench.db"
    engine = make_engine(db_url)
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.drop_all)
        await conn.run_sync(SQLModel.metadata.create_all)
    sm = make_sessionmaker(engine)

    fake = FakeTelegram(TOKEN, limits=Limits(per_second=30, private_interval=1.0, group_count=20, group_window=60),
                        latency=args.latency)
    private = [10_000_000 + i for i in range(args.recipients)]
    groups = [-1_000_000_000 - i for i in range(args.groups)]
    fake.forbidden = set(private[:: args.forbidden_every]) if args.forbidden_every else set()
    api = await fake.start()

    async with sm() as s:
        now = Clock().now()
        for chat in private + groups:
            enqueue(s, [Recipient(chat_id=chat)], f"notice for {chat}", now=now, cause="bench")
        await s.commit()
    expected = len(private) + len(groups) - len(fake.forbidden)
    print(f"{expected} deliverable messages ({len(fake.forbidden)} recipients answer 403), rate {args.rate}/s",
          flush=True)

    writers = [20_000_000 + i for i in range(args.writers)]
    reply_latencies: list[float] = []

    def spawn() -> asyncio.subprocess.Process:
        mode = "--bot-worker" if writers else "--worker"
        return asyncio.create_subprocess_exec(sys.executable, __file__, mode, "--db", db_url, "--api", api,
                                              "--rate", str(args.rate), cwd=str(ROOT))

    def delivered() -> int:
        return sum(len(v) for v in fake.delivered.values())

    started = time.monotonic()
    proc = await spawn()
    downtime = 0.0
    if args.kill_at:
        await fake.wait_for(lambda: delivered() >= args.kill_at * expected, timeout=3600)
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
        killed_at = time.monotonic()
        await asyncio.sleep(args.latency + 0.05)  # requests already at the fake when it died still arrive
        before = delivered()
        print(f"SIGKILL after {before} deliveries; restarting", flush=True)
        proc = await spawn()
        await fake.wait_for(lambda: delivered() > before, timeout=600)
        downtime = time.monotonic() - killed_at
    if writers:  # the residents start writing once the broadcast is at full speed
        watch = Watch(set(private) | set(groups))
        fake.on_call = watch
        await watch.until(int(0.1 * expected))
        await write_help(fake, watch, writers, args.writers_rate, reply_latencies)
        await watch.until(expected)
        await asyncio.sleep(1.0)
        proc.send_signal(signal.SIGTERM)
    await proc.wait()
    elapsed = time.monotonic() - started

    audience = set(private) | set(groups)
    sends = sorted(c.at for c in fake.calls if c.method == "sendMessage" and c.result not in ("failed", "429")
                   and c.chat_id in audience)
    active = (sends[-1] - sends[0]) - downtime if len(sends) > 1 else elapsed
    achieved = (len(sends) - 1) / active if active > 0 else 0.0
    counts = Counter({chat: len(texts) for chat, texts in fake.delivered.items() if chat in audience})
    duplicates = sum(n - 1 for n in counts.values() if n > 1)
    lost = sum(1 for chat in private + groups if chat not in fake.forbidden and counts.get(chat, 0) == 0)
    # The most messages Telegram received in any sliding second, broadcast and replies together.
    every = sorted(c.at for c in fake.calls if c.method == "sendMessage" and c.result not in ("failed", "429"))
    for c in fake.calls:
        if c.result == "429":
            before = [x for x in fake.calls if x.method == "sendMessage" and x.result not in ("failed", "429")
                      and c.at - 1.0 < x.at <= c.at]
            same = [x.at for x in fake.calls if x.chat_id == c.chat_id and x.result not in ("failed", "429")]
            print(f"429: {c.method} to {c.chat_id}; {len(before)} messages in the second before; "
                  f"earlier to this chat at {[round(c.at - t, 3) for t in same]}", flush=True)
    per_second = max((bisect.bisect_left(every, t + 1.0) - i for i, t in enumerate(every)), default=0)
    async with sm() as s:
        p = await progress(s, "bench")
        unknown = len((await s.exec(select(OutboxMessage.id).where(OutboxMessage.status == "unknown"))).all())
    await fake.stop()
    await engine.dispose()
    print(f"wall {elapsed:.1f}s, sending {active:.1f}s (restart gap {downtime:.2f}s), statuses {p.by_status}, "
          f"unknown {unknown}", flush=True)
    line = (f"ratio={achieved / args.rate:.3f} of30={achieved / 30:.3f} r429={fake.r429} duplicates={duplicates} "
            f"lost={lost} max_in_a_second={per_second}")
    if writers:
        xs = sorted(reply_latencies)
        line += (f" replies={len(xs)}/{len(writers)} reply_p50={xs[len(xs) // 2]:.3f} "
                 f"reply_p99={xs[min(len(xs) - 1, round(0.99 * (len(xs) - 1)))]:.3f}")
    print(line)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--groups", type=int, default=100)
    parser.add_argument("--kill-at", type=float, default=None, help="SIGKILL the sender at this fraction, restart")
    parser.add_argument("--rate", type=float, default=29.0, help="the sender's configured messages/s")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per Bot API round trip")
    parser.add_argument("--writers", type=int, default=0, help="residents writing /help during the send")
    parser.add_argument("--writers-rate", type=float, default=4.0, help="of them, how many start per second")
    parser.add_argument("--forbidden-every", type=int, default=50, help="every Nth recipient answers 403")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--bot-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--api", help=argparse.SUPPRESS)
    a = parser.parse_args()
    if a.worker:
        asyncio.run(worker(a.db, a.api, a.rate))
    elif a.bot_worker:
        asyncio.run(bot_worker(a.db, a.api, a.rate))
    else:
        asyncio.run(main(a))

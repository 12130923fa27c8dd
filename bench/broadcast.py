"""Broadcast benchmark: N private recipients and M groups through a fake Bot API enforcing Telegram's
limits (30 messages/s for the bot, 1/s per private chat, 20/min per group; 429 with retry_after when
exceeded), some recipients answering 403. The sender runs in its own process, exactly as in
production; with --kill-at it is SIGKILLed when that fraction has been delivered and started again.

    python bench/broadcast.py --recipients 10000 --groups 100 [--kill-at 0.5] [--rate 28]

Ends with: ratio=<achieved/configured> of30=<achieved/30> r429=<n> duplicates=<n> lost=<n>
"""

from __future__ import annotations

import argparse
import asyncio
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
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    from bot.db import make_engine, make_sessionmaker
    from bot.delivery.sender import Sender, SenderConfig
    from bot.scheduling.clock import Clock

    engine = make_engine(db_url)
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(api)))
    sender = Sender(bot, make_sessionmaker(engine), Clock(), SenderConfig(rate=rate))
    await sender.run(asyncio.Event(), until_idle=True)
    print(f"worker done: {dict(sender.stats)}", flush=True)
    await bot.session.close()
    await engine.dispose()


async def main(args: argparse.Namespace) -> None:
    from sqlmodel import SQLModel, select

    import models  # noqa: F401
    from bot.db import make_engine, make_sessionmaker
    from bot.delivery.outbox import Recipient, enqueue, progress
    from bot.scheduling.clock import Clock
    from models import OutboxMessage
    from tests.fakes.telegram import FakeTelegram, Limits

    tmp = tempfile.mkdtemp(prefix="bench-")
    db_url = args.database_url or f"sqlite+aiosqlite:///{tmp}/bench.db"
    engine = make_engine(db_url)
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.drop_all)
        await conn.run_sync(SQLModel.metadata.create_all)
    sm = make_sessionmaker(engine)

    fake = FakeTelegram(TOKEN, limits=Limits(per_second=30, private_interval=1.0, group_count=20, group_window=60))
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

    def spawn() -> asyncio.subprocess.Process:
        return asyncio.create_subprocess_exec(sys.executable, __file__, "--worker", "--db", db_url, "--api", api,
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
        killed_at, before = time.monotonic(), delivered()
        print(f"SIGKILL after {before} deliveries; restarting", flush=True)
        proc = await spawn()
        await fake.wait_for(lambda: delivered() > before, timeout=600)
        downtime = time.monotonic() - killed_at
    await proc.wait()
    elapsed = time.monotonic() - started

    sends = sorted(c.at for c in fake.calls if c.method == "sendMessage" and c.result not in ("failed", "429"))
    active = (sends[-1] - sends[0]) - downtime if len(sends) > 1 else elapsed
    achieved = (len(sends) - 1) / active if active > 0 else 0.0
    counts = Counter({chat: len(texts) for chat, texts in fake.delivered.items()})
    duplicates = sum(n - 1 for n in counts.values() if n > 1)
    lost = sum(1 for chat in private + groups if chat not in fake.forbidden and counts.get(chat, 0) == 0)
    async with sm() as s:
        p = await progress(s, "bench")
        unknown = len((await s.exec(select(OutboxMessage.id).where(OutboxMessage.status == "unknown"))).all())
    await fake.stop()
    await engine.dispose()
    print(f"wall {elapsed:.1f}s, sending {active:.1f}s (restart gap {downtime:.2f}s), statuses {p.by_status}, "
          f"unknown {unknown}", flush=True)
    print(f"ratio={achieved / args.rate:.3f} of30={achieved / 30:.3f} r429={fake.r429} duplicates={duplicates} "
          f"lost={lost}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--groups", type=int, default=100)
    parser.add_argument("--kill-at", type=float, default=None, help="SIGKILL the sender at this fraction, restart")
    parser.add_argument("--rate", type=float, default=28.0, help="the sender's configured messages/s")
    parser.add_argument("--forbidden-every", type=int, default=50, help="every Nth recipient answers 403")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--api", help=argparse.SUPPRESS)
    a = parser.parse_args()
    if a.worker:
        asyncio.run(worker(a.db, a.api, a.rate))
    else:
        asyncio.run(main(a))

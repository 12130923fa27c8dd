"""Inbound burst benchmark: N registered residents write at once, through the real bot polling a fake Bot API
that answers every call after a realistic round trip, and, in the same run on the same fake, a plain aiogram 3
bot (aiogram's default polling, no database) making the same Telegram calls: the baseline.

    python bench/inbound.py [--residents 600] [--latency 0.1] [--mix checkin|ack]
                            [--database-url postgresql+asyncpg://...] [--rate 0] [--concurrency N]
                            [--no-baseline] [--profile]

Mixes (each resident does one "press"):
  checkin  tap "🌡 Health report" in the menu, then press "✅ I'm well today" (two updates)
  ack      press "✅ Read" under a red alert that reached them (one update)

--rate R offers R presses per second (residents start evenly spread) instead of all at once.
--profile runs one resident at a time and prints what one update costs: SQL statements, commits,
connections checked out, Bot API calls.

Ends with one line per bot: bot=<name> presses=<n> wall=<s> presses_per_s=<x> p50=<s> p99=<s>
stored=<n> and, for ours, ratio=<ours/baseline>.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOKEN = "123456789:BENCH-token-for-the-fake-bot-api-server"
FIRST_USER = 700_000


@dataclass
class Watch:
    """The bot's calls per chat, as they arrive at the fake server."""

    queues: dict[int | str, asyncio.Queue] = field(default_factory=lambda: defaultdict(asyncio.Queue))

    def __call__(self, call) -> None:
        if call.chat_id is not None:
            self.queues[call.chat_id].put_nowait(call)
        elif call.method.lower() == "answercallbackquery":
            self.queues[str(call.params.get("callback_query_id"))].put_nowait(call)

    async def wait(self, chat_id: int | str, pred: Callable, timeout: float = 600.0):
        q = self.queues[chat_id]
        async with asyncio.timeout(timeout):
            while True:
                call = await q.get()
                if pred(call):
                    return call


@dataclass
class Result:
    name: str
    presses: int
    wall: float
    latencies: list[float]
    stored: int | None = None
    cpu: float | None = None  # CPU seconds the bot's process used meanwhile (with the fake in its own process)

    @property
    def rate(self) -> float:
        return self.presses / self.wall if self.wall else 0.0

    def pct(self, p: float) -> float:
        if not self.latencies:
            return 0.0
        xs = sorted(self.latencies)
        return xs[min(len(xs) - 1, round(p * (len(xs) - 1)))]

    def line(self, baseline: Result | None = None) -> str:
        out = (f"bot={self.name} presses={self.presses} wall={self.wall:.2f} presses_per_s={self.rate:.1f} "
               f"p50={self.pct(0.5):.3f} p99={self.pct(0.99):.3f}")
        if self.stored is not None:
            out += f" stored={self.stored}"
        if self.cpu is not None:
            out += f" cpu={self.cpu:.1f}s"
        if baseline is not None and baseline.rate:
            out += f" ratio={self.rate / baseline.rate:.2f}"
        return out


# ---- residents ----------------------------------------------------------------------------------------------
def _user(i: int) -> dict:
    return {"id": FIRST_USER + i, "is_bot": False, "first_name": f"R{i}", "language_code": "en"}


def _msg(i: int, text: str, mid: int) -> dict:
    return {"message": {"message_id": mid, "date": int(time.time()), "text": text, "from": _user(i),
                        "chat": {"id": FIRST_USER + i, "type": "private", "first_name": f"R{i}"}}}


def _press(i: int, data: str, message_id: int, qid: str) -> dict:
    message = {"message_id": message_id, "date": int(time.time()), "text": "…",
               "chat": {"id": FIRST_USER + i, "type": "private", "first_name": f"R{i}"},
               "from": {"id": 999000111, "is_bot": True, "first_name": "Community Bot"}}
    return {"callback_query": {"id": qid, "from": _user(i), "chat_instance": "ci", "message": message,
                               "data": data}}


def _button(call, label: str) -> str | None:
    for row in (call.params.get("reply_markup") or {}).get("inline_keyboard", []):
        for b in row:
            if label in b.get("text", ""):
                return b.get("callback_data")
    return None


async def checkin(tg, watch: Watch, i: int, lat: list[float]) -> None:
    chat = FIRST_USER + i
    t0 = time.perf_counter()
    tg.push(_msg(i, "🌡 Health report", 1))
    menu = await watch.wait(chat, lambda c: c.method.lower() == "sendmessage" and _button(c, "I'm well today"))
    lat.append(time.perf_counter() - t0)
    data = _button(menu, "I'm well today")
    t1 = time.perf_counter()
    tg.push(_press(i, data, menu.result["message_id"], f"q{i}"))
    await watch.wait(chat, lambda c: c.method.lower() == "sendmessage" and "Saved" in c.text)
    lat.append(time.perf_counter() - t1)


async def ack(tg, watch: Watch, i: int, lat: list[float], alerts: dict[int, tuple[int, str]]) -> None:
    message_id, data = alerts[FIRST_USER + i]
    t0 = time.perf_counter()
    tg.push(_press(i, data, message_id, f"a{i}"))
    await watch.wait(f"a{i}", lambda c: True)
    lat.append(time.perf_counter() - t0)


async def crowd(tg, n: int, rate: float, one: Callable) -> tuple[float, list[float]]:
    watch = Watch()
    tg.on_call = watch
    lat: list[float] = []
    started = time.perf_counter()

    async def person(i: int) -> None:
        if rate:
            await asyncio.sleep(i / rate)
        await one(tg, watch, i, lat)

    await asyncio.gather(*(person(i) for i in range(n)))
    wall = time.perf_counter() - started
    tg.on_call = None
    return wall, lat


# ---- the baseline: a plain aiogram bot, default polling, no database --------------------------------------------
async def run_baseline(world, args) -> Result:
    from aiogram import Bot, Dispatcher, F, Router
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

    router = Router()
    kb = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="✅ I'm well today",
                                                                      callback_data="h:well")]])

    @router.message(F.text == "🌡 Health report")
    async def menu(message: Message) -> None:
        await message.answer("How are you today?", reply_markup=kb)

    @router.callback_query(F.data == "h:well")
    async def well(query: CallbackQuery) -> None:
        await query.answer()
        await query.message.edit_reply_markup(reply_markup=None)
        await query.message.answer("Saved. Thank you, take care!")

    @router.callback_query()
    async def read(query: CallbackQuery) -> None:
        await query.answer("Thank you, marked as read.")
        await query.message.edit_reply_markup(reply_markup=None)

    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(world.base_url)))
    dp = Dispatcher()
    dp.include_router(router)
    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, close_bot_session=False,
                                                   polling_timeout=1))
    await asyncio.sleep(0.2)
    cpu0 = time.process_time()
    wall, lat = await world.run()
    cpu = time.process_time() - cpu0
    # aiogram's polling does not wait for its handlers: let the calls the residents did not wait for (the edit
    # after an acknowledgement's answer) finish before the fake goes away.
    await asyncio.sleep(args.latency * 3 + 0.3)
    await dp.stop_polling()
    await polling
    await bot.session.close()
    return Result("baseline-aiogram", args.residents, wall, lat, cpu=cpu)


def _mix(args, alerts) -> Callable:
    if args.mix == "checkin":
        return checkin
    return lambda tg, watch, i, lat: ack(tg, watch, i, lat, alerts)


# ---- our bot -----------------------------------------------------------------------------------------------------
async def seed(db_url: str, n: int, mix: str):
    """Residents registered in English; for `ack`, one red alert already delivered to each."""
    from sqlmodel import SQLModel, select

    import models  # noqa: F401
    from bot.kernel.structure import import_structure_file
    from bot.platform.db import make_engine, make_sessionmaker
    from models import Building, Household, Person

    engine = make_engine(db_url)
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.drop_all)
        await conn.run_sync(SQLModel.metadata.create_all)
    sm = make_sessionmaker(engine)
    now = datetime.now(UTC)
    async with sm() as s:
        await import_structure_file(s, ROOT / "examples" / "community.yaml")
        buildings = (await s.exec(select(Building))).all()
        homes = [Household(building_id=buildings[i % len(buildings)].id, unit=f"{i // len(buildings) + 1}-{i}")
                 for i in range((n + 1) // 2)]
        s.add_all(homes)
        await s.flush()
        s.add_all([Person(tg_user_id=FIRST_USER + i, full_name=f"R{i}", locale="en", household_id=homes[i // 2].id,
                          consent_at=now, registered_at=now) for i in range(n)])
        await s.commit()
    alerts = await seed_alert(sm, now) if mix == "ack" else {}
    await engine.dispose()
    return alerts


async def seed_alert(sm, now) -> dict[int, tuple[int, str]]:
    """A red alert with acknowledgement, fanned out by the bot's own due work; its outbox rows give each
    resident's message (as if the sender had delivered it) and the button they press."""
    from sqlalchemy import delete
    from sqlmodel import select

    from bot.notices.rules import Audience
    from bot.notices.workflow import notice_due
    from models import Community, DueWork, OutboxMessage
    from models.notices import Notice

    async with sm() as s:
        c = (await s.exec(select(Community))).first()
        notice = Notice(community_id=c.id, text="Red alert: stay at home.", level="red", ack_required=True,
                        audience=Audience().to_json(), first_at=now, timezone="Asia/Shanghai", created_by_id=None)
        s.add(notice)
        await s.commit()
        await notice_due(s, DueWork(kind="notice_due", ref=f"{notice.id}|{now.isoformat()}", due_at=now,
                                    created_at=now), now)
        await s.commit()
        rows = (await s.exec(select(OutboxMessage).where(OutboxMessage.chat_id >= FIRST_USER))).all()
        alerts = {}
        for k, r in enumerate(rows):
            markup = r.reply_markup or {}
            data = next(b["callback_data"] for row in markup["inline_keyboard"] for b in row)
            alerts[r.chat_id] = (10_000_000 + k, data, r.text, markup)
        await s.exec(delete(OutboxMessage))
        await s.commit()
    return alerts


def show_alerts(tg, alerts) -> dict[int, tuple[int, str]]:
    """Put each alert on its resident's screen in the fake, as the sender would have."""
    for chat, (mid, _data, text, markup) in alerts.items():
        tg.screens[(chat, mid)] = {"text": text, "markup": markup}
    return {chat: (mid, data) for chat, (mid, data, _t, _m) in alerts.items()}


async def run_ours(world, args, db_url: str) -> Result:
    from sqlalchemy import func
    from sqlmodel import select

    from bot.app import build_app
    from bot.config import Settings
    from bot.platform.runtime import tune_gc
    from bot.telegram.polling import poll
    from models import HealthReport
    from models.notices import NoticeDelivery

    overrides = {"concurrency": args.concurrency} if args.concurrency else {}
    settings = Settings(_env_file=None, bot_token=TOKEN, telegram_api_url=world.base_url, database_url=db_url,
                        redis_url=args.redis_url, default_locale="en", polling_timeout=1, flood_limit=1000,
                        log_level="WARNING", **overrides)
    app = build_app(settings)
    if not args.no_gc_tuning:
        tune_gc()  # as `python -m bot run` does after start-up
    stop = asyncio.Event()
    polling = asyncio.create_task(poll(app.dispatcher, app.bot, stop, timeout=1))
    await asyncio.sleep(0.2)
    import gc
    gc_time = [0.0, 0.0]

    def _gc(phase, info):
        if phase == "start":
            gc_time[1] = time.perf_counter()
        else:
            gc_time[0] += time.perf_counter() - gc_time[1]

    gc.callbacks.append(_gc)
    cpu0 = time.process_time()
    wall, lat = await world.run()
    cpu = time.process_time() - cpu0
    gc.callbacks.remove(_gc)
    print(f"gc: {gc_time[0]:.2f}s", flush=True)
    stop.set()
    await polling
    async with app.sessionmaker() as s:
        if args.mix == "checkin":
            stored = (await s.exec(select(func.count()).select_from(HealthReport))).one()
        else:
            stored = (await s.exec(select(func.count()).select_from(NoticeDelivery)
                                   .where(NoticeDelivery.acked_at.is_not(None)))).one()
    await app.close()
    return Result("ours", args.residents, wall, lat, stored, cpu)


async def profile(tg, args, db_url: str, alerts) -> None:
    """One resident at a time: what each update costs."""
    from sqlalchemy import event

    from bot.app import build_app
    from bot.config import Settings
    from bot.telegram.polling import poll

    settings = Settings(_env_file=None, bot_token=TOKEN, telegram_api_url=tg.base_url, database_url=db_url,
                        redis_url=args.redis_url, default_locale="en", polling_timeout=1, flood_limit=1000,
                        log_level="WARNING")
    app = build_app(settings)
    counts: dict[str, int] = defaultdict(int)

    @event.listens_for(app.engine.sync_engine, "before_cursor_execute")
    def _stmt(conn, cursor, statement, *a):
        head = statement.lstrip().split(None, 1)[0].upper()
        counts["statements"] += 1
        counts[f"  {head}"] += 1
        if args.show_sql:
            print("   SQL", " ".join(statement.split())[:160])

    @event.listens_for(app.engine.sync_engine, "commit")
    def _commit(conn):
        counts["commits"] += 1

    @event.listens_for(app.engine.sync_engine.pool, "checkout")
    def _checkout(*a):
        counts["connections checked out"] += 1

    stop = asyncio.Event()
    polling = asyncio.create_task(poll(app.dispatcher, app.bot, stop, timeout=1))
    await asyncio.sleep(0.3)
    n = min(args.residents, 200)
    one = _mix(args, alerts)
    calls_before = len(tg.calls)
    counts.clear()
    cpu0 = time.process_time()
    for i in range(n):
        await crowd_one(tg, one, i)
    cpu = time.process_time() - cpu0
    if args.show_threads:
        print_thread_cpu()
    await asyncio.sleep(0.5)
    api = [c for c in tg.calls[calls_before:] if c.chat_id is not None or c.method.lower() == "answercallbackquery"]
    stop.set()
    await polling
    await app.close()
    updates = n * (2 if args.mix == "checkin" else 1)
    print(f"profile: mix={args.mix} residents={n} updates={updates} (per update below)")
    print(f"  cpu ms (bot, fake and residents, one at a time): {cpu / updates * 1000:.2f}")
    for k, v in sorted(counts.items(), key=lambda kv: (kv[0].startswith(" "), kv[0])):
        print(f"  {k}: {v / updates:.2f}")
    methods: dict[str, int] = defaultdict(int)
    for c in api:
        methods[c.method] += 1
    per_method = ", ".join(f"{m} {v / updates:.2f}" for m, v in methods.items())
    print(f"  bot api calls: {len(api) / updates:.2f} ({per_method})")


def print_thread_cpu() -> None:
    import os
    import threading

    names = {t.native_id: t.name for t in threading.enumerate()}
    for tid in os.listdir("/proc/self/task"):
        with open(f"/proc/self/task/{tid}/stat") as f:
            parts = f.read().rsplit(")", 1)[1].split()
        print(f"  thread {tid} {names.get(int(tid), '?')}: cpu {(int(parts[11]) + int(parts[12])) / 100:.2f}s")


async def crowd_one(tg, one, i: int) -> None:
    watch = Watch()
    tg.on_call = watch
    await one(tg, watch, i, [])
    tg.on_call = None


class LocalWorld:
    """The fake Bot API and the residents in this process (they then compete with the bot for its CPU)."""

    def __init__(self, args, alerts) -> None:
        self.args, self.alerts = args, alerts

    async def __aenter__(self) -> LocalWorld:
        from tests.fakes.telegram import FakeTelegram

        self.tg = FakeTelegram(TOKEN, latency=self.args.latency)
        await self.tg.start()
        self.base_url = self.tg.base_url
        self.shown = show_alerts(self.tg, self.alerts)
        return self

    async def run(self) -> tuple[float, list[float]]:
        return await crowd(self.tg, self.args.residents, self.args.rate, _mix(self.args, self.shown))

    async def __aexit__(self, *exc) -> None:
        await self.tg.stop()


class RemoteWorld:
    """The fake Bot API and the residents in a process of their own, as Telegram and its users are: the bot
    under test has its CPU to itself. Driven over a small control endpoint."""

    def __init__(self, args, alerts) -> None:
        self.args, self.alerts = args, alerts

    async def __aenter__(self) -> RemoteWorld:
        import aiohttp

        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--serve-fake", "--latency", str(self.args.latency),
            "--residents", str(self.args.residents), "--rate", str(self.args.rate), "--mix", self.args.mix,
            stdout=asyncio.subprocess.PIPE)
        line = (await self.proc.stdout.readline()).decode().split()
        self.base_url, self.control = line[1], line[3]
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=900))
        alerts = {str(k): list(v) for k, v in self.alerts.items()}
        async with self.http.post(self.control + "/alerts", json=alerts) as resp:
            assert resp.status == 200
        return self

    async def run(self) -> tuple[float, list[float]]:
        async with self.http.post(self.control + "/run") as resp:
            body = await resp.json()
        return body["wall"], body["latencies"]

    async def __aexit__(self, *exc) -> None:
        async with self.http.post(self.control + "/stop") as resp:
            await resp.read()
        await self.http.close()
        await self.proc.wait()


async def serve_fake(args: argparse.Namespace) -> None:
    """Child process: the fake Bot API, the residents, and a control endpoint (/alerts, /run, /stop)."""
    from aiohttp import web

    from tests.fakes.telegram import FakeTelegram

    tg = FakeTelegram(TOKEN, latency=args.latency)
    await tg.start()
    stop = asyncio.Event()
    state: dict = {}

    async def alerts(request: web.Request) -> web.Response:
        raw = {int(k): tuple(v) for k, v in (await request.json()).items()}
        state["shown"] = show_alerts(tg, raw)
        return web.json_response({"ok": True})

    async def run(_request: web.Request) -> web.Response:
        wall, lat = await crowd(tg, args.residents, args.rate, _mix(args, state.get("shown", {})))
        return web.json_response({"wall": wall, "latencies": lat})

    async def quit_(_request: web.Request) -> web.Response:
        stop.set()
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/alerts", alerts)
    app.router.add_post("/run", run)
    app.router.add_post("/stop", quit_)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    print(f"FAKE {tg.base_url} CONTROL http://127.0.0.1:{port}", flush=True)
    await stop.wait()
    await asyncio.sleep(0.1)
    await runner.cleanup()
    await tg.stop()


async def main(args: argparse.Namespace) -> None:
    from tests.fakes.telegram import FakeTelegram

    if args.serve_fake:
        await serve_fake(args)
        return
    tmp = tempfile.mkdtemp(prefix="bench-")
    db_url = args.database_url or f"sqlite+aiosqlite:///{tmp}/bench.db"
    raw_alerts = await seed(db_url, args.residents, args.mix)

    if args.profile:
        tg = FakeTelegram(TOKEN, latency=args.latency)
        await tg.start()
        await profile(tg, args, db_url, show_alerts(tg, raw_alerts))
        await tg.stop()
        return
    World = LocalWorld if args.fake_in_process else RemoteWorld
    baseline = None
    if not args.no_baseline:
        async with World(args, raw_alerts) as world:
            baseline = await run_baseline(world, args)
        print(baseline.line(), flush=True)
    async with World(args, raw_alerts) as world:
        ours = await run_ours(world, args, db_url)
    print(ours.line(baseline), flush=True)
    assert ours.stored == args.residents, f"stored {ours.stored}, expected {args.residents}"
    print(f"settings: latency={args.latency} residents={args.residents} mix={args.mix} rate={args.rate or 'burst'} "
          f"db={'postgresql' if db_url.startswith('postgresql') else 'sqlite'} "
          f"redis={'yes' if args.redis_url else 'no'} fake={'in-process' if args.fake_in_process else 'own process'} "
          f"updates_per_s={ours.presses * (2 if args.mix == 'checkin' else 1) / ours.wall:.0f} "
          f"median_latency_all={statistics.median(ours.latencies):.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--residents", type=int, default=600)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per Bot API round trip")
    parser.add_argument("--mix", choices=["checkin", "ack"], default="checkin")
    parser.add_argument("--rate", type=float, default=0.0, help="offered presses per second (0: all at once)")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--redis-url", default=None)
    parser.add_argument("--concurrency", type=int, default=0, help="override CONCURRENCY")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--fake-in-process", action="store_true",
                        help="run the fake Bot API and the residents in the bot's process (they share its CPU)")
    parser.add_argument("--no-gc-tuning", action="store_true", help="leave the garbage collector as Python sets it")
    parser.add_argument("--serve-fake", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--show-threads", action="store_true", help="with --profile: CPU of each thread")
    parser.add_argument("--show-sql", action="store_true", help="with --profile: print each statement")
    asyncio.run(main(parser.parse_args()))

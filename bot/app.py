"""The one factory that builds Bot and Dispatcher, in production and in tests."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder
from aiogram.fsm.storage.redis import RedisStorage
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot import features
from bot.config import Settings
from bot.platform import wake
from bot.platform.clock import Clock
from bot.platform.db import make_engine, make_sessionmaker
from bot.platform.delivery.budget import CountSends, SendBudget
from bot.platform.i18n import get_i18n
from bot.platform.wake import Wakeups
from bot.telegram.bot_session import LeanFormSession
from bot.telegram.fsm_storage import SQLStorage
from bot.telegram.isolation import PersonIsolation
from bot.telegram.ledger import LedgerSession
from bot.telegram.middlewares.commit_first import CommitBeforeTelegram, KeepResponseTypes
from bot.telegram.middlewares.db import UpdateSessionMiddleware
from bot.telegram.middlewares.fsm_journal import FsmJournalMiddleware
from bot.telegram.middlewares.late_answers import ToleratePastAnswers
from bot.telegram.middlewares.locale import LocaleMiddleware
from bot.telegram.middlewares.person import PersonMiddleware
from bot.telegram.middlewares.throttling import ThrottlingMiddleware, make_flood
from handlers.errors import on_error

log = logging.getLogger(__name__)


@dataclass
class App:
    settings: Settings
    bot: Bot
    dispatcher: Dispatcher
    engine: AsyncEngine
    sessionmaker: async_sessionmaker
    clock: Clock
    redis: Redis | None = None
    wakeups: Wakeups | None = None  # set when work is booked for now (bot/platform/wake.py)
    budget: SendBudget = field(default_factory=SendBudget)  # messages/s shared by sender and replies
    extras: dict = field(default_factory=dict)

    async def close(self) -> None:
        await self.dispatcher.storage.close()
        await self.bot.session.close()
        if self.wakeups is not None:
            await self.wakeups.close()
        if self.redis is not None:
            await self.redis.aclose()
        await self.engine.dispose()


def build_bot(settings: Settings) -> Bot:
    token = settings.require_token()
    if settings.telegram_api_url:
        session = LeanFormSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    else:
        session = LeanFormSession()
    return Bot(token=token, session=session, default=DefaultBotProperties(parse_mode=None))


def build_dispatcher(settings: Settings, sessionmaker: async_sessionmaker, clock: Clock,
                     redis: Redis | None) -> Dispatcher:
    storage: BaseStorage
    if redis is not None:
        storage = RedisStorage(redis, key_builder=DefaultKeyBuilder(prefix=f"{settings.redis_prefix}:fsm",
                                                                     with_destiny=True))
    else:
        storage = SQLStorage(sessionmaker, clock)
    # aiogram's FSM middleware (first of all) holds this person's lock around each update (bot/telegram/isolation.py).
    dp = Dispatcher(storage=storage, events_isolation=PersonIsolation(redis, settings.redis_prefix),
                    settings=settings, clock=clock, sessionmaker=sessionmaker)
    update_sessions = make_sessionmaker(sessionmaker.kw["bind"], sync_session_class=LedgerSession)
    # Order matters: conversation journal -> update session and ledger -> flood control -> person/roles -> locale.
    # The session is outside flood control so a dropped update is still recorded as handled; the journal is
    # outside the session so a failed update's conversation is put back after its transaction is gone.
    dp.update.outer_middleware(FsmJournalMiddleware())
    dp.update.outer_middleware(UpdateSessionMiddleware(update_sessions, clock))
    dp.update.outer_middleware(ThrottlingMiddleware(
        make_flood(settings.redis_url, settings.redis_prefix, settings.flood_limit, settings.flood_window_seconds),
        settings.default_locale))
    dp.update.outer_middleware(PersonMiddleware(set(settings.admin_ids)))
    LocaleMiddleware(get_i18n(settings.default_locale), settings.default_locale).setup(dp)
    dp.errors.register(on_error)
    dp.include_routers(*(t.build() for t in features.router_templates()))
    return dp


def build_app(settings: Settings, *, clock: Clock | None = None, engine: AsyncEngine | None = None,
              bot: Bot | None = None) -> App:
    clock = clock or Clock()
    engine = engine or make_engine(settings.database_url, pool_size=settings.database_pool_size)
    sessionmaker = make_sessionmaker(engine)
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    bot = bot or build_bot(settings)
    budget = SendBudget()
    bot.session.middleware(CommitBeforeTelegram())
    bot.session.middleware(KeepResponseTypes())
    bot.session.middleware(ToleratePastAnswers())
    bot.session.middleware(CountSends(budget))  # innermost: counted as the request leaves, after any commit
    dp = build_dispatcher(settings, sessionmaker, clock, redis)
    wakeups = Wakeups(redis, settings.redis_prefix)
    wake.attach(engine, wakeups)
    return App(settings=settings, bot=bot, dispatcher=dp, engine=engine, sessionmaker=sessionmaker,
               clock=clock, redis=redis, wakeups=wakeups, budget=budget)

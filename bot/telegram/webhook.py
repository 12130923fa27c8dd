"""Webhook mode: an aiohttp application that checks Telegram's secret header and answers 200 only
after the update has been handled (so a crash makes Telegram deliver it again)."""

from __future__ import annotations

from typing import Any, Protocol

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web


class Served(Protocol):
    """What the webhook serves (bot.app.App): plumbing does not import the app that assembles it."""

    dispatcher: Dispatcher
    bot: Bot
    settings: Any


def make_web_app(app: Served, secret: str) -> web.Application:
    web_app = web.Application()
    SimpleRequestHandler(app.dispatcher, app.bot, secret_token=secret, handle_in_background=False).register(
        web_app, path=app.settings.webhook_path)
    setup_application(web_app, app.dispatcher, bot=app.bot)
    web_app.router.add_get("/healthz", _health)
    return web_app


async def _health(_request: web.Request) -> web.Response:
    return web.Response(text="ok")

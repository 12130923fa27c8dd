"""Webhook mode over real HTTP: the secret header is required, and the reply reaches the Bot API."""

from __future__ import annotations

import aiohttp
from aiohttp import web

from bot.app import build_app
from bot.platform.db import make_engine
from bot.telegram.webhook import make_web_app
from tests.conftest import make_settings


async def test_webhook_checks_the_secret_and_handles_updates(tg, engine, clock, redis_prefix, user_factory):
    db_url = engine.url.render_as_string(hide_password=False)
    settings = make_settings(tg, db_url, redis_prefix, webhook_secret="s3cret-Token_1")
    app = build_app(settings, clock=clock, engine=make_engine(db_url))
    runner = web.AppRunner(make_web_app(app, "s3cret-Token_1"))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    url = f"http://127.0.0.1:{port}{settings.webhook_path}"
    mei = user_factory()
    update = {"update_id": 77, **mei.message_update("/help")}
    try:
        async with aiohttp.ClientSession() as http:
            async with http.post(url, json=update) as resp:
                assert resp.status == 401
            async with http.post(url, json=update,
                                 headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}) as resp:
                assert resp.status == 401
            assert tg.method_calls("sendMessage") == []
            async with http.post(url, json=update,
                                 headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_1"}) as resp:
                assert resp.status == 200
            # Answered only after handling: the reply is already at the Bot API.
            assert "How to use this bot" in tg.method_calls("sendMessage")[0].text
            async with http.post(url, json=update,
                                 headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_1"}) as resp:
                assert resp.status == 200  # Telegram retried: acknowledged, not handled twice
            assert len(tg.method_calls("sendMessage")) == 1
            async with http.get(f"http://127.0.0.1:{port}/healthz") as resp:
                assert await resp.text() == "ok"
    finally:
        await runner.cleanup()
        await app.close()

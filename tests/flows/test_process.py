"""The production entry point as a real process: migrate, poll, answer, stop gracefully on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.conftest import ROOT, TOKEN
from tests.fakes.people import TgUser
from tests.fakes.telegram import FakeTelegram


async def test_python_m_bot_run_end_to_end(tg: FakeTelegram, tmp_path: Path):
    db = tmp_path / "proc.db"
    env = {**os.environ, "BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": tg.base_url,
           "DATABASE_URL": f"sqlite+aiosqlite:///{db}", "REDIS_URL": "", "POLLING_TIMEOUT": "1",
           "PYTHONPATH": str(ROOT), "DEFAULT_LOCALE": "en"}
    imp = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "structure", "import", str(ROOT / "examples/community.yaml"), env=env,
        cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _out, err = await imp.communicate()
    assert imp.returncode == 0, err.decode()

    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        await tg.wait_for(lambda: any(c.method == "deleteWebhook" for c in tg.calls), timeout=30)
        mei = TgUser(tg, 4242, language_code=None)
        r = await mei.send("/start")
        assert "✅ English" in r.inline_buttons()  # DEFAULT_LOCALE=en when Telegram gives no language
        r = await mei.press("English")
        assert "Do you agree?" in r.text
        langs = {c.params.get("language_code") for c in tg.method_calls("setMyCommands")}
        assert {"en", "zh"} <= langs
        delete = next(c for c in tg.calls if c.method == "deleteWebhook")
        assert delete.params.get("drop_pending_updates") in (None, "false", "False", False)
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = await asyncio.wait_for(proc.communicate(), 30)
    log = err.decode()
    assert proc.returncode == 0, log
    assert TOKEN not in log and TOKEN.split(":")[1] not in log
    assert "Traceback" not in log


async def test_python_m_bot_webhook_registers_with_max_connections(tg: FakeTelegram, tmp_path: Path):
    env = {**os.environ, "BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": tg.base_url,
           "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'wh.db'}", "REDIS_URL": "", "PYTHONPATH": str(ROOT),
           "WEBHOOK_SECRET": "s3cret-Token_1", "WEBHOOK_URL": "https://bot.example.org",
           "WEBHOOK_MAX_CONNECTIONS": "80"}
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "webhook", "--host", "127.0.0.1",
                                                "--port", "0", env=env, cwd=tmp_path,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        await tg.wait_for(lambda: any(c.method == "setWebhook" for c in tg.calls), timeout=30)
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()
    call = next(c for c in tg.calls if c.method == "setWebhook")
    assert call.params["url"] == "https://bot.example.org/telegram/webhook"
    assert str(call.params["max_connections"]) == "80"
    assert str(call.params.get("drop_pending_updates")).lower() in ("none", "false")

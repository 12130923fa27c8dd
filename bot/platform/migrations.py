"""Apply Alembic migrations programmatically (used by `make run`, `python -m bot db upgrade` and tests)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from alembic.config import Config

from alembic import command

ROOT = Path(__file__).resolve().parents[2]


def alembic_config(url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    cfg.attributes["url"] = url
    return cfg


def upgrade_head(url: str) -> None:
    """Run `alembic upgrade head`. Alembic's env.py runs its own event loop, so from inside a running
    loop (tests) it is run in a helper thread."""
    cfg = alembic_config(url)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        command.upgrade(cfg, "head")
        return
    errors: list[BaseException] = []

    def target() -> None:
        try:
            command.upgrade(cfg, "head")
        except BaseException as e:
            errors.append(e)

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if errors:
        raise errors[0]

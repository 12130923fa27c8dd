"""Logging that never prints the bot token (aiohttp and aiogram may log request URLs)."""

from __future__ import annotations

import logging

from bot.config import Settings


class RedactToken(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        msg = record.getMessage()
        if any(s in msg for s in self.secrets):
            for s in self.secrets:
                msg = msg.replace(s, "***")
            record.msg, record.args = msg, None
        return True


def setup_logging(settings: Settings) -> None:
    logging.basicConfig(level=settings.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    secrets = []
    if settings.bot_token is not None:
        secrets.append(settings.bot_token.get_secret_value())
    if settings.webhook_secret is not None:
        secrets.append(settings.webhook_secret.get_secret_value())
    logging.getLogger("alembic").setLevel(logging.WARNING)
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactToken(secrets))

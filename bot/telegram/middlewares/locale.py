"""The language of each update: the person's stored choice, else Telegram's language_code by script, else
DEFAULT_LOCALE; set for the handlers' gettext (`bot.platform.i18n._`) while the update is handled."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Router
from aiogram.types import TelegramObject, User

from bot.kernel.locale import locale_from_language_code, normalize_locale
from bot.platform.i18n import Catalogues


class LocaleMiddleware(BaseMiddleware):
    def __init__(self, i18n: Catalogues, default_locale: str) -> None:
        self.i18n = i18n
        self.default = default_locale

    def setup(self, router: Router) -> LocaleMiddleware:
        """On every event but the raw update (the person is known by then: PersonMiddleware runs on updates)."""
        for name, observer in router.observers.items():
            if name != "update":
                observer.outer_middleware(self)
        return self

    def get_locale(self, data: dict[str, Any]) -> str:
        stored = data.get("person_locale")
        if stored is not None:
            return normalize_locale(stored, self.default)
        user: User | None = data.get("event_from_user")
        locale = locale_from_language_code(user.language_code if user else None, self.default)
        data["detected_locale"] = locale
        return locale

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        with self.i18n.use_locale(self.get_locale(data)):
            return await handler(event, data)

from __future__ import annotations

from typing import Any

from aiogram.types import TelegramObject, User
from aiogram.utils.i18n import I18n, I18nMiddleware

from bot.kernel.locale import locale_from_language_code, normalize_locale


class LocaleMiddleware(I18nMiddleware):
    """The person's stored choice, else Telegram's language_code by script, else DEFAULT_LOCALE."""

    def __init__(self, i18n: I18n, default_locale: str) -> None:
        super().__init__(i18n)
        self.default = default_locale

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        stored = data.get("person_locale")
        if stored is not None:
            return normalize_locale(stored, self.default)
        user: User | None = data.get("event_from_user")
        locale = locale_from_language_code(user.language_code if user else None, self.default)
        data["detected_locale"] = locale
        return locale

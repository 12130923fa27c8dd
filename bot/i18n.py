"""gettext catalogues (Babel .po/.mo) for zh_Hans, zh_Hant and en, through aiogram's I18n."""

from __future__ import annotations

from pathlib import Path

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _  # noqa: F401  (re-exported for handlers)
from aiogram.utils.i18n import lazy_gettext as __  # noqa: F401

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
_i18n: I18n | None = None


def N_(msgid: str) -> str:
    """Mark a string for extraction without translating it now."""
    return msgid


def get_i18n(default_locale: str = "zh_Hans") -> I18n:
    global _i18n
    if _i18n is None:
        _i18n = I18n(path=LOCALES_DIR, default_locale=default_locale, domain="messages")
    return _i18n


def translate(locale: str, msgid: str, **params: object) -> str:
    """Translate outside an update (scheduled pushes, menu tables)."""
    text = get_i18n().gettext(msgid, locale=locale)
    return text.format(**params) if params else text

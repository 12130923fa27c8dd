"""gettext catalogues (Babel .po/.mo) for zh_Hans, zh_Hant and en, through aiogram's I18n."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __  # noqa: F401
from babel.dates import format_timedelta
from babel.units import format_unit

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
_i18n: I18n | None = None


def _n(singular: str, plural: str, n: int) -> str:
    """Plural-aware gettext in the current update's language ("At most 1 task" / "At most 3 tasks")."""
    return _(singular, plural, n)


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


def translate_n(locale: str, singular: str, plural: str, n: int, **params: object) -> str:
    """A plural-aware translation outside an update ("once a day" / "{n} times a day"); `n` is a parameter."""
    text = get_i18n().gettext(singular, plural, n, locale=locale)
    return text.format(n=n, **params)


_BABEL_LOCALES = {"zh_Hans": "zh_Hans_CN", "zh_Hant": "zh_Hant_TW", "en": "en"}


def duration(locale: str, delta: timedelta) -> str:
    """A span of time in words in the reader's language ("1 minute", "3 hours", "2 天"), rounded as people
    say it (Babel's CLDR data)."""
    return format_timedelta(delta, locale=_BABEL_LOCALES.get(locale, "en"), threshold=1)


def days(locale: str, n: int) -> str:
    """A number of days in words ("1 day", "14 days", "14天")."""
    return format_unit(n, "duration-day", locale=_BABEL_LOCALES.get(locale, "en"))

"""gettext catalogues (Babel .po/.mo) for zh_Hans, zh_Hant and en, and the current update's language.

Telegram-free: the locale of the update being handled lives in a context variable that the Telegram plumbing
sets (`bot/telegram/middlewares/locale.py`); pushes and scheduled work name their recipient's locale instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from pathlib import Path

from babel.dates import format_timedelta
from babel.support import Translations
from babel.units import format_unit

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"


class Catalogues:
    """Every locale's compiled catalogue, loaded once, and the locale of the update in hand."""

    def __init__(self, path: Path, default_locale: str, domain: str = "messages") -> None:
        self.default_locale = default_locale
        self._current: ContextVar[str] = ContextVar("locale", default=default_locale)
        self.locales: dict[str, Translations] = {}
        for d in sorted(p for p in path.iterdir() if (p / "LC_MESSAGES" / f"{domain}.mo").is_file()):
            with open(d / "LC_MESSAGES" / f"{domain}.mo", "rb") as f:
                self.locales[d.name] = Translations(f, domain=domain)

    @property
    def available_locales(self) -> tuple[str, ...]:
        return tuple(self.locales)

    @property
    def current_locale(self) -> str:
        return self._current.get()

    @contextmanager
    def use_locale(self, locale: str) -> Iterator[None]:
        token = self._current.set(locale)
        try:
            yield
        finally:
            self._current.reset(token)

    def gettext(self, singular: str, plural: str | None = None, n: int = 1, locale: str | None = None) -> str:
        catalogue = self.locales.get(locale or self.current_locale)
        if catalogue is None:
            return singular if plural is None or n == 1 else plural
        return catalogue.gettext(singular) if plural is None else catalogue.ngettext(singular, plural, n)


_i18n: Catalogues | None = None


def _(singular: str, plural: str | None = None, n: int = 1) -> str:
    """gettext in the current update's language."""
    return get_i18n().gettext(singular, plural, n)


def _n(singular: str, plural: str, n: int) -> str:
    """Plural-aware gettext in the current update's language ("At most 1 task" / "At most 3 tasks")."""
    return _(singular, plural, n)


def yes_no(value: bool) -> str:
    """"Yes" or "No" in the current update's language (a column of a ledger)."""
    return _("yes") if value else _("no")


def N_(msgid: str) -> str:
    """Mark a string for extraction without translating it now."""
    return msgid


def get_i18n(default_locale: str = "zh_Hans") -> Catalogues:
    global _i18n
    if _i18n is None:
        _i18n = Catalogues(LOCALES_DIR, default_locale)
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

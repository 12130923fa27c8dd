"""Map Telegram's language_code (IETF tag) to one of our catalogues, by script rather than country."""

from __future__ import annotations

SUPPORTED = ("zh_Hans", "zh_Hant", "en")
_HANS = {"zh", "zh-hans", "zh-cn", "zh-sg", "zh-my"}
_HANT = {"zh-hant", "zh-tw", "zh-hk", "zh-mo"}


def locale_from_language_code(code: str | None, default: str) -> str:
    if not code:
        return default
    tag = code.strip().lower().replace("_", "-")
    if tag in _HANT or tag.startswith("zh-hant"):
        return "zh_Hant"
    if tag in _HANS or tag.startswith("zh-hans"):
        return "zh_Hans"
    if tag.startswith("zh-"):
        return "zh_Hans"
    return "en"


def normalize_locale(value: str | None, default: str) -> str:
    return value if value in SUPPORTED else default


# Each language in its own words, as the language picker shows it.
LANGUAGE_NAMES = {"zh_Hans": "简体中文", "zh_Hant": "繁體中文", "en": "English"}

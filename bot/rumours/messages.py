"""The words of "Is it true?": verdicts, and an entry as the one who asked reads it (in their language)."""

from __future__ import annotations

from bot.platform.i18n import N_, translate
from models.rumours import RumourEntry

VERDICT_LABELS = {
    "false": N_("❌ False"),
    "misleading": N_("⚠️ Misleading"),
    "true": N_("✅ True"),
    "unverified": N_("❔ Not confirmed"),
}
_FALLBACK = {"zh_Hant": ("zh_Hant", "zh_Hans", "en"), "zh_Hans": ("zh_Hans", "zh_Hant", "en"),
             "en": ("en", "zh_Hans", "zh_Hant")}


def _in(locale: str, values: dict) -> object:
    for loc in _FALLBACK.get(locale, ("en", "zh_Hans", "zh_Hant")):
        if values.get(loc):
            return values[loc]
    return next(iter(values.values()), None)


def entry_text(locale: str, entry: RumourEntry) -> str:
    """The verdict, the claim as the reader would say it, the correction in plain words, and its source."""
    claims = _in(locale, entry.claims) or ["—"]
    source = entry.source_name + (f" — {entry.source_url}" if entry.source_url else "")
    return "\n".join([
        f"{translate(locale, VERDICT_LABELS.get(entry.verdict, entry.verdict))}: «{claims[0]}»",
        str(_in(locale, entry.correction) or "—"),
        translate(locale, "Source: {source}", source=source),
    ])


# What a user is told when "Is it true?" refuses (code -> msgid); installed by bot/features.py.
REFUSALS: dict[str, str] = {
    "question_empty": N_("Please send the words you want checked, or forward the message here."),
}

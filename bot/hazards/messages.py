"""The words of the hazards capability: its categories, as residents and staff read them, and its refusals."""

from __future__ import annotations

from bot.platform.i18n import N_, translate

CATEGORY_LABELS = {
    "passage": N_("🚪 Blocked emergency passage"),
    "clutter": N_("📦 Clutter in the stairwell"),
    "garbage": N_("🗑 Garbage piling up"),
    "lift": N_("🛗 Broken lift"),
    "lights": N_("💡 Broken lights"),
    "door": N_("🚪 Broken entrance door"),
    "water": N_("🚰 Water leak or no water"),
    "danger": N_("🔥 Fire, gas or electrical risk"),
    "gathering": N_("👥 Gathering or outbreak risk"),
    "other": N_("❔ Something else"),
}


def category_label(locale: str, code: str) -> str:
    return translate(locale, CATEGORY_LABELS[code]) if code in CATEGORY_LABELS else code


# What a user is told when a hazard report is refused (code -> msgid); installed by bot/features.py.
REFUSALS: dict[str, str] = {
    "place_missing": N_("Please say where it is: your building, another building, a location or a few words."),
    "place_empty": N_("Please type where it is, for example: north gate, bike shed."),
    "place_too_long": N_("Please describe the place in at most {max} characters."),
    "place_invalid": N_("Please type the place in words, not a command."),
    "too_many_photos": N_("At most {max} photos per report. The first {max} are kept."),
}

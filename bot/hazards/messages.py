"""The words of the hazards capability: its categories, as residents and staff read them, and its refusals."""

from __future__ import annotations

from bot.cases.messages import status_words
from bot.hazards import rules as hazards
from bot.kernel.glance import Area, Column, Glance, Line, Table
from bot.platform.i18n import N_, duration, translate, yes_no

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


# ---- the area at a glance ------------------------------------------------------------------------------------

def _label_for(locale: str, key: str) -> str:
    return "  " + category_label(locale, key.split(":", 1)[1])


async def _lists(session, area: Area, key: str, now, locale: str) -> list[Line] | None:
    if key != "open":
        return None
    return [Line(f"{c.ref} · {category_label(locale, c.category)} · "
                 f"{(b.label(locale) if b else c.place_text) or '—'} · {status_words(locale, c.status)} · "
                 f"{duration(locale, now - c.created_at)}", at=c.created_at)
            for c, b in await hazards.open_cases(session, area)]


async def _cases(session, area: Area, since, until, locale: str) -> list[list]:
    return [[c.created_at, c.ref, category_label(locale, c.category), b.label(locale) if b else "",
             c.place_text or "", status_words(locale, c.status), yes_no(c.urgent), p.full_name if p else "",
             c.resolution or c.reject_reason or "", c.closed_at]
            for c, b, p in await hazards.ledger_rows(session, area, since, until)]


GLANCE = Glance(
    "hazards", N_("⚠️ Hazards"), order=50, figures=hazards.glance,
    labels={"open": N_("open"), "closure_rate": N_("fixed at closing, last 7 days")}, label_for=_label_for,
    lists=_lists, list_titles={"open": N_("Open hazard reports")}, summary_lists=("open",),
    daily=hazards.daily, series={"opened": N_("Hazards reported"), "closed": N_("closed")},
    tables=(Table("hazards", N_("Hazard reports"), (
        Column(N_("Time"), 18), Column(N_("Ref"), 8), Column(N_("Category"), 24), Column(N_("Building"), 16),
        Column(N_("Place"), 20), Column(N_("Status"), 12), Column(N_("Urgent"), 8), Column(N_("Reported by"), 14),
        Column(N_("What was done"), 30), Column(N_("Closed"), 18)), _cases),))

"""The words of the ledger: the preview of an import (what will be created, changed and refused, row by row,
with the reason) in the reader's language, and the refusals."""

from __future__ import annotations

from bot.kernel.errors import refusal_msgid
from bot.kernel.glance import Area, Column, Glance, Line, Table
from bot.ledger import rules as ledger
from bot.platform.i18n import N_, _, translate, yes_no
from bot.registration.messages import care_need_label

PREVIEW_ROWS = 30  # refused rows listed in the chat; the rest counted


def row_reason(locale: str, r: ledger.Refused) -> str:
    return translate(locale, refusal_msgid(r.code) or r.code, **r.params)


def preview(p: ledger.Plan, locale: str, file_name: str) -> str:
    members = sum(len(x.new_members) for x in p.households)
    lines = [translate(locale, "📒 {file}: {households} households in {rows} rows.", file=file_name,
                       households=len(p.households), rows=sum(len(x.rows) for x in p.households) + len(p.refused)),
             translate(locale, "• new households: {n}", n=len(p.created)),
             translate(locale, "• households completed or changed: {n}", n=len(p.changed)),
             translate(locale, "• already as in the ledger: {n}", n=p.unchanged),
             translate(locale, "• new members: {n}", n=members),
             translate(locale, "• rows refused: {n}", n=len(p.refused))]
    for r in p.refused[:PREVIEW_ROWS]:
        lines.append(translate(locale, "  row {row}: {reason}", row=r.row, reason=row_reason(locale, r)))
    if len(p.refused) > PREVIEW_ROWS:
        lines.append(translate(locale, "  … and {n} more refused rows.", n=len(p.refused) - PREVIEW_ROWS))
    lines.append(translate(locale, "Nothing is deleted; importing the same file again changes nothing."))
    return "\n".join(lines)


# What a user is told when the ledger refuses (code -> msgid); installed by bot/features.py.
REFUSALS: dict[str, str] = {
    "ledger_kind": N_("Please send the ledger as an Excel file (.xlsx) or a CSV file (.csv)."),
    "ledger_too_big": N_("The file is too big (at most {max} MB)."),
    "ledger_rows": N_("The file has too many rows (at most {max})."),
    "ledger_columns": N_("I could not find the columns: the first rows need headers for the building (楼栋), the unit "
                         "or room (单元, 门牌) and the name (姓名)."),
    "ledger_empty": N_("There is nothing to import in this file."),
    "row_building": N_("no building “{value}” in your community"),
    "row_not_your_area": N_("building “{value}” is not in your area"),
    "row_unit": N_("“{value}” is not a unit and room (for example 2-502)"),
    "row_name": N_("no name"),
    "row_name_long": N_("the name is longer than {max} characters"),
    "row_birth_year": N_("“{value}” is not a year of birth"),
    "row_phone": N_("“{value}” is not a phone number"),
    "row_care": N_("“{value}” is not a care need this bot knows (living alone, disability, pregnancy, infant, "
                   "chronic illness)"),
    "row_notes": N_("the notes are longer than {max} characters"),
    "row_twice": N_("{name} is in this household twice"),
    "household_exists": N_("There is already a household at {unit} in this building."),
    "ledger_member_exists": N_("{name} is already a member of this household."),
    "member_phone": N_("That does not look like a phone number that can be called. Please type it again, or press "
                       "Skip."),
    "member_on_telegram": N_("This member is on Telegram and keeps their own details."),
}


# ---- the area at a glance ------------------------------------------------------------------------------------

def _care_words(h) -> str:
    return ", ".join(care_need_label(c) for c in h.care_needs)


async def _lists(session, area: Area, key: str, now, locale: str) -> list[Line] | None:
    if key not in ("unreached", "care"):
        return None
    lines = []
    for h, b in await ledger.glance_households(session, area, key):
        words = _("{building} {unit} · {n} people").format(building=b.label(locale), unit=h.unit, n=h.size)
        lines.append(Line(f"{words} · {_care_words(h)}" if h.care_needs else words))
    return lines


async def _households(session, area: Area, since, until, locale: str) -> list[list]:
    return [[b.label(locale), h.unit, h.size, yes_no(h.in_ledger), _care_words(h), len(ms),
             sum(1 for p in ms if p.tg_user_id is not None)] for h, b, ms in await ledger.ledger_rows(session, area)]


async def _residents(session, area: Area, since, until, locale: str) -> list[list]:
    return [[b.label(locale), h.unit, p.full_name or "", p.relation or "", p.birth_year, p.phone or "",
             yes_no(p.tg_user_id is not None), p.registered_at]
            for h, b, ms in await ledger.ledger_rows(session, area) for p in ms]


GLANCE = Glance(
    "people", N_("👥 Residents"), order=10, figures=ledger.glance,
    labels={"residents": N_("registered on Telegram"), "households": N_("households"),
            "in_ledger": N_("in the ledger"), "unreached": N_("nobody on Telegram"),
            "care": N_("with care needs")},
    lists=_lists, list_titles={"unreached": N_("Households with nobody on Telegram"),
                               "care": N_("Households with care needs")},
    summary_lists=("unreached",),
    tables=(Table("households", N_("Households"), (
                Column(N_("Building"), 16), Column(N_("Unit"), 10), Column(N_("People"), 8),
                Column(N_("In the ledger"), 10), Column(N_("Care needs"), 28), Column(N_("Members known"), 10),
                Column(N_("On Telegram"), 10)), _households),
            Table("residents", N_("Residents"), (
                Column(N_("Building"), 16), Column(N_("Unit"), 10), Column(N_("Name"), 16),
                Column(N_("Relation"), 10), Column(N_("Birth year"), 10), Column(N_("Phone"), 16),
                Column(N_("On Telegram"), 10), Column(N_("Registered"), 18)), _residents)))

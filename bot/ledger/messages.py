"""The words of the ledger: the preview of an import (what will be created, changed and refused, row by row,
with the reason) in the reader's language, and the refusals."""

from __future__ import annotations

from bot.kernel.errors import refusal_msgid
from bot.ledger import rules as ledger
from bot.platform.i18n import N_, translate

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

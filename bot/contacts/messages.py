"""The words of "☎️ Contacts": the list residents read, and the refusals."""

from __future__ import annotations

from bot.platform.i18n import N_, translate
from bot.registration.rules import dialable
from models import Community, Contact


def listing(community: Community | None, contacts: list[Contact], locale: str) -> str:
    lines = [translate(locale, "☎️ Contacts — {community}", community=community.label(locale) if community else "—")]
    for c in contacts:
        line = f"• {c.label}: {dialable(c.phone) or ''}".rstrip(": ")
        if c.note:
            line += f" ({c.note})"
        lines.append(line)
    if not contacts:
        lines.append(translate(locale, "The neighbourhood committee has not listed its contacts here yet."))
    lines.append(translate(locale, "🚨 Emergency: {emergency} · 📞 Psychological assistance hotline: {hotline}",
                           emergency=community.emergency_number if community else "120",
                           hotline=community.support_hotline if community else "12356"))
    return "\n".join(lines)


# What a user is told when this capability refuses (code -> msgid); installed by bot/features.py.
REFUSALS: dict[str, str] = {
    "contact_label_empty": N_("Please type what the contact is, for example: 居委会值班电话."),
    "contact_label_too_long": N_("Please keep it to at most {max} characters."),
    "contact_label_invalid": N_("Please type it in words, not a command."),
    "contact_note_empty": N_("Please type the hours or a note, or press Skip."),
    "contact_note_too_long": N_("Please keep the note to at most {max} characters."),
    "contact_note_invalid": N_("Please type the note in words, not a command."),
    "contact_phone": N_("That does not look like a phone number that can be called. Please type it again, for "
                        "example 021-5555 1234."),
    "contacts_many": N_("At most {max} contacts. Please remove one first."),
}

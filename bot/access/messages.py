"""The words of the access capability: role names as people say them, and its refusals."""

from __future__ import annotations

from bot.platform.i18n import N_, _


def role_label(role: str) -> str:
    return {
        "resident": _("resident"),
        "volunteer": _("volunteer"),
        "staff": _("community worker"),
        "doctor": _("community doctor"),
        "counsellor": _("counsellor"),
        "admin": _("administrator"),
    }.get(role, role)


# What a user is told when an invitation is refused (code -> msgid); installed by bot/features.py.
REFUSALS: dict[str, str] = {
    "invite_invalid": N_("This invitation link is not valid. Please ask the person who sent it for a new one."),
    "invite_used": N_("This invitation link has already been used. Please ask for a new one."),
    "invite_expired": N_("This invitation link has expired. Please ask for a new one."),
    "invite_revoked": N_("This invitation link has been withdrawn. Please ask for a new one."),
    "bad_uses": N_("Sorry, that is not a valid choice."),
    "bad_ttl": N_("Sorry, that is not a valid choice."),
}

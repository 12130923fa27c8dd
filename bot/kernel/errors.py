from __future__ import annotations

from collections.abc import Iterable

from bot.platform.i18n import N_


class DomainError(Exception):
    """A refusal a user can cause. `code` is stable and mapped to a translated message by handlers.

    Raise it before writing anything, or after ending the transaction: a handler goes on using its
    session (and FSM storage uses another connection, which an open SQLite write would block)."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


class PermissionDenied(DomainError):
    def __init__(self, code: str = "forbidden", **params: object) -> None:
        super().__init__(code, **params)


# What a user is told for each refusal every capability may give (code -> msgid). Each capability keeps
# its own codes in its messages.py (`REFUSALS`), named in bot/features.py, which installs them all here.
SHARED_REFUSALS: dict[str, str] = {
    "forbidden": N_("Sorry, you don't have permission to do that."),
    "not_found": N_("Sorry, that no longer exists."),
    "already_done": N_("This has already been handled."),
    "name_empty": N_("Please type the person's name."),
    "name_too_long": N_("That name is too long (at most {max} characters). Please type a shorter name."),
    "name_invalid": N_("Please type a name, not a command."),
    "not_registered": N_("Please register your address first: press /start."),
    "bad_code": N_("A building code may only use letters, digits, '-' and '_' (at most 40). Please try again."),
    "bad_name": N_("Please type a name of at most 120 characters."),
    "code_taken": N_("That building code is already used. Please choose another."),
    "reason_empty": N_("Please write a short reason."),
    "reason_invalid": N_("Please write the reason in words, not a command."),
    "reason_too_long": N_("Please keep the reason under {max} characters."),
    "item_empty": N_("Please type what you need."),
    "item_too_long": N_("Please describe the item in at most {max} characters."),
    "item_invalid": N_("Please type the item, not a command."),
    "note_too_long": N_("The note is too long (at most {max} characters). Please shorten it."),
    "bad_step": N_("This button is no longer active."),
}

_texts: dict[str, str] = dict(SHARED_REFUSALS)


def install_refusals(tables: Iterable[dict[str, str]]) -> None:
    """The shared refusals and every capability's; one code means one thing: a code given twice with different
    words is a mistake, refused at start-up."""
    merged = dict(SHARED_REFUSALS)
    for t in tables:
        for code, msgid in t.items():
            if merged.setdefault(code, msgid) != msgid:
                raise ValueError(f"refusal code {code!r} has two texts")
    _texts.clear()
    _texts.update(merged)


def refusal_msgid(code: str) -> str | None:
    """The untranslated text of a refusal code (None: nobody wrote one)."""
    return _texts.get(code)

"""Cleaning one line of free text a person typed (names, items, reasons)."""

from __future__ import annotations

import re
import unicodedata

from bot.services.errors import DomainError


def clean_line(text: str | None, *, max_len: int, code: str, allow_slash: bool = False) -> str:
    """NFKC (full-width to half-width), spaces collapsed and trimmed. Refusals: `<code>_empty`,
    `<code>_too_long` (with `max`), and `<code>_invalid` for something that looks like a command."""
    s = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text or "")).strip()
    if not s:
        raise DomainError(f"{code}_empty")
    if len(s) > max_len:
        raise DomainError(f"{code}_too_long", max=max_len)
    if not allow_slash and s.startswith("/"):
        raise DomainError(f"{code}_invalid")
    return s


NOTE_MAX_LEN = 500


def clean_note(text: str | None, max_len: int = NOTE_MAX_LEN) -> str | None:
    """An optional free-text note: trimmed (NFKC), None when empty, refused (`note_too_long`) when too long."""
    s = unicodedata.normalize("NFKC", text or "").strip()
    if not s:
        return None
    if len(s) > max_len:
        raise DomainError("note_too_long", max=max_len)
    return s

"""Free text a person typed (names, items, reasons, notes, notices) is kept as typed, only trimmed; a
normalised copy (`matching_key`: NFKC — full-width to half-width —, spaces collapsed, case folded) is used for
comparing, never stored or shown. Residents wrote `住户居家，不要外出；` and must read it back that way."""

from __future__ import annotations

import re
import unicodedata

from bot.kernel.errors import DomainError


def matching_key(text: str | None) -> str:
    """The copy used to compare two texts ("Ｍｅｉ" and "mei", "王  奶奶" and "王 奶奶" match)."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text or "")).strip().casefold()


def clean_line(text: str | None, *, max_len: int, code: str, allow_slash: bool = False) -> str:
    """One line as typed, trimmed. Refusals: `<code>_empty`, `<code>_too_long` (with `max`), and
    `<code>_invalid` for something that looks like a command."""
    s = (text or "").strip()
    if not s:
        raise DomainError(f"{code}_empty")
    if len(s) > max_len:
        raise DomainError(f"{code}_too_long", max=max_len)
    if not allow_slash and s.startswith("/"):
        raise DomainError(f"{code}_invalid")
    return s


NOTE_MAX_LEN = 500


def clean_note(text: str | None, max_len: int = NOTE_MAX_LEN) -> str | None:
    """An optional free-text note as typed, trimmed: None when empty, refused (`note_too_long`) when too long."""
    s = (text or "").strip()
    if not s:
        return None
    if len(s) > max_len:
        raise DomainError("note_too_long", max=max_len)
    return s

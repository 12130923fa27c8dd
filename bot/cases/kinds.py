"""What each capability that opens cases gives the engine for its kind: the words for its categories, and how
long a case of a category may stay unresolved. Named in the features list (`bot/features.py`), installed here;
the engine itself names no capability."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

Label = Callable[[str, str], str]  # (locale, category) -> words
ResolveWithin = Callable[[object, str], timedelta]  # (settings, category) -> how long it may stay unresolved


@dataclass(frozen=True)
class CaseKind:
    label: Label
    resolve_within: ResolveWithin
    icon: str = "📌"


_kinds: dict[str, CaseKind] = {}


def install(kinds: dict[str, CaseKind]) -> None:
    _kinds.clear()
    _kinds.update(kinds)


def installed() -> dict[str, CaseKind]:
    return dict(_kinds)


def kind(code: str) -> CaseKind:
    return _kinds[code]

"""Each capability's share of a person's data, for /mydata (export) and /deleteme (erasure).

Privacy (`bot/privacy/rules.py`) keeps what every person has (their name, household, roles, the access log)
and asks the hooks for the rest, so it names no capability's tables and imports no capability. Capabilities
give their hooks in the features list (`bot/features.py`), which installs them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

Export = Callable[[Any, Any, dict], Awaitable[None]]  # (session, person, data): add this capability's keys
Erase = Callable[[Any, list[int], datetime], Awaitable[None]]  # (session, person ids, now): forget their data
ForgetHome = Callable[[Any, int], Awaitable[None]]  # (session, household id): stop pointing at the address
MoveHome = Callable[[Any, int, int], Awaitable[None]]  # (session, from id, into id): two households merged


@dataclass(frozen=True)
class PersonalData:
    export: Export | None = None
    erase: Erase | None = None
    forget_household: ForgetHome | None = None
    move_household: MoveHome | None = None


_installed: list[PersonalData] = []


def iso(d: datetime | None) -> str | None:
    return d.isoformat() if d else None


def install(hooks: list[PersonalData]) -> None:
    """The features list's hooks, in its order (installing again replaces them)."""
    _installed[:] = hooks


def hooks() -> list[PersonalData]:
    return list(_installed)

"""What each capability that opens cases gives the engine for its kind: the words for its categories, how long a
case of a category may stay unresolved, and — where a kind differs from a hazard — who may handle it, whom it is
routed to, and the words its people read. Named in the features list (`bot/features.py`), installed here; the
engine itself names no capability."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.kernel.permissions import Role, Scope
from models import Person
from models.cases import Case

Label = Callable[[str, str], str]  # (locale, category) -> words
ResolveWithin = Callable[[object, str], timedelta]  # (settings, category) -> how long it may stay unresolved
# May a grant (a role in a scope) handle this case? The engine's default: community workers and admins whose
# area covers it.
Handles = Callable[[Role, Scope, Case], bool]
# Whom a case goes to for a purpose: "new" (the first alert), "escalate" (nobody took it in time), "overdue"
# (not resolved in time). None: the engine's default (the grid's workers, the community's admins, the grid's
# workers); an empty list: nobody in the community (the workflow then falls back to the bot's administrators).
Routes = Callable[[AsyncSession, Case, str], Awaitable[list[Person] | None]]

HANDLER_ROLES = (Role.STAFF, Role.ADMIN)


def default_handles(role: Role, scope: Scope, case: Case) -> bool:
    return role in HANDLER_ROLES and scope.covers(case.community_id, case.grid_id)


@dataclass(frozen=True)
class CaseKind:
    label: Label
    resolve_within: ResolveWithin
    icon: str = "📌"
    joins: bool = True  # the same thing at the same place reported again joins the open case
    field_work: bool = True  # staff may ask a volunteer of the grid to do it
    shows_place: bool = True  # where it is, shown with it
    handles: Handles = default_handles
    routes: Routes | None = None
    # The words its people read where they differ from a hazard's (key -> msgid; keys: bot/cases/messages.WORDS).
    words: dict[str, str] = field(default_factory=dict)


_kinds: dict[str, CaseKind] = {}


def install(kinds: dict[str, CaseKind]) -> None:
    _kinds.clear()
    _kinds.update(kinds)


def installed() -> dict[str, CaseKind]:
    return dict(_kinds)


def kind(code: str) -> CaseKind:
    return _kinds[code]

"""What each capability adds to the task engine for the kinds of task it hands out (`models/tasks.py`):
how a task of the kind is described to the one who is offered it, and what else happens when one is delivered
or closed with an outcome. The capabilities give these in the features list (`bot/features.py`), which
installs them here; the engine itself names no capability."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from models import Person, Task

Describe = Callable[[AsyncSession, Task, str], Awaitable[str]]
Delivered = Callable[[AsyncSession, Task, datetime], Awaitable[None]]
# Closed with an outcome by `by`; returns how many people were told (staff, doctors).
Outcome = Callable[[AsyncSession, Task, Person, datetime], Awaitable[int]]
# Resolved by `by` with a note (settings for what it books next).
Resolved = Callable[[AsyncSession, Task, Person, str, object, datetime], Awaitable[None]]


@dataclass(frozen=True)
class KindHooks:
    describe: Describe
    delivered: Delivered | None = None
    outcome: Outcome | None = None
    resolved: Resolved | None = None


_hooks: dict[str, KindHooks] = {}


def install(hooks: dict[str, KindHooks]) -> None:
    _hooks.clear()
    _hooks.update(hooks)


def installed() -> dict[str, KindHooks]:
    return dict(_hooks)


def hooks(kind: str) -> KindHooks:
    return _hooks[kind]

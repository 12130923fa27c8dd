"""The case engine's callback data (opaque ids only; every press is checked again against the case)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class CaseCB(CallbackData, prefix="cs"):
    """A staff member's button on a case: ack ("I'll handle it") | start | resolve | reject | volunteer | pass."""

    action: str
    id: int


class FixedCB(CallbackData, prefix="fx"):
    """A follower's answer to "Is it fixed?"."""

    id: int
    yes: bool


class PassCB(CallbackData, prefix="cp"):
    """Pass a case to this colleague."""

    id: int
    person: int


class CaseListCB(CallbackData, prefix="cl"):
    """/cases (or /inbox) filtered: a status (or "all") and a building (0: every building), of one kind."""

    status: str = "all"
    building: int = 0
    kind: str = "hazard"

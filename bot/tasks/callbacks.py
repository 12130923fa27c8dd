"""The tasks capability's callback data (opaque ids only; every press is checked again)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class TaskCB(CallbackData, prefix="task"):
    """Volunteer task buttons: claim | pickup | delivered | release | details; confirm (resident)."""

    action: str
    id: int


class DutyCB(CallbackData, prefix="duty"):
    """Volunteer profile: kind is grid | skill | done; value an id or a skill code."""

    kind: str
    value: str


class StaffTaskCB(CallbackData, prefix="stask"):
    action: str  # cancel | reassign
    id: int

"""The volunteering capability's callback data (ids only; every press is checked against the staff scope)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class ApplyCB(CallbackData, prefix="ap"):
    """An applicant's step: name (use the Telegram name) | skill | lang | avail (value: a code) | next | send |
    cancel."""

    step: str
    value: str = ""


class VolCB(CallbackData, prefix="vo"):
    """Staff: approve | decline (id: an application) | suspend (id: a volunteer's role grant)."""

    action: str
    id: int


class LeadCB(CallbackData, prefix="ld"):
    """Staff: add | bld (id: a building) | who (id: a building, p: a resident) | end (id: a leadership). A leader:
    view (id: their building)."""

    action: str
    id: int = 0
    p: int = 0

"""The hazards capability's callback data (opaque values only; every press is checked again)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class HazardCB(CallbackData, prefix="hz"):
    """A step of reporting: cat | where | bld | done | anon | mine | cancel; value a code or an id."""

    step: str
    value: str

"""The health capability's callback data (opaque ids only; every press is checked again)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class HealthCB(CallbackData, prefix="hl"):
    """Health report: step is start | who | for | sym | test | note | ok | cancel."""

    step: str
    value: str

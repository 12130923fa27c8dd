"""The supplies capability's callback data (opaque ids only; every press is checked again)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class SupplyCB(CallbackData, prefix="sup"):
    """The supply request conversation: step is cat | qty | more | urg | addr | note | ok | cancel."""

    step: str
    value: str

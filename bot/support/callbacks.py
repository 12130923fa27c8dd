"""The support capability's callback data."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class SupportCB(CallbackData, prefix="sp"):
    action: str  # crisis

"""The privacy capability's callback data (opaque ids only; every press is checked again)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class DeleteMeCB(CallbackData, prefix="delme"):
    confirm: bool

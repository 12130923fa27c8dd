"""The monitoring capability's callback data (opaque ids only; every press is checked again)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class MonCB(CallbackData, prefix="mon"):
    """Home monitoring (staff): step is new | g | b | who | days | ok | cancel | stop | stopok | person."""

    step: str
    value: str


class CheckinCB(CallbackData, prefix="chk"):
    """The daily check-in switch of a community."""

    community_id: int
    on: bool

"""The support capability's callback data."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class SupportCB(CallbackData, prefix="sp"):
    action: str  # crisis | screen | breathe | topic (value: the topic's key)
    value: str = ""


class ScreenCB(CallbackData, prefix="sc"):
    """An answer to question `q` (0-3) of the short screening; q 9: the call-back offer (value 1 yes, 0 no)."""

    q: int
    value: int


class CallbackCB(CallbackData, prefix="cb"):
    """A counsellor's button on a call-back request: take | talked | unreached | referred."""

    action: str
    id: int

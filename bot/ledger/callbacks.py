"""The ledger's callback data."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class LedgerCB(CallbackData, prefix="lg"):
    """template | import | cancel (what is imported is in the conversation, checked again on the press)."""

    action: str

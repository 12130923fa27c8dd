"""The ledger's callback data."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class LedgerCB(CallbackData, prefix="lg"):
    """template | import | cancel (what is imported is in the conversation, checked again on the press) |
    unreached (id: a building, checked against the staff member's area) | bld (id: a building) | hh (id: a
    household) | addhh (id: a building) | addm (id: a household) | ph, rm (id: a member) | care (id: a household,
    value: a care need) | skip."""

    action: str
    id: int = 0
    value: str = ""

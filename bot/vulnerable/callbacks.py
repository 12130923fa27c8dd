"""The vulnerable register's callback data (ids only; every press is checked against the staff member's area)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class VulnCB(CallbackData, prefix="vu"):
    """bld (id: a building) | hh (id: a household) | grade (id: 1-3) | why (value: a reason) | who (id: a person,
    0 the grid's volunteers) | save | remove (id: a household) | cancel."""

    action: str
    id: int = 0
    value: str = ""

"""The callback data of /stats and /export (checked again on every press: a button proves nothing)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class StatsCB(CallbackData, prefix="st"):
    action: str  # show | areas | list
    grid: int = 0  # 0: the staff member's whole area
    building: int = 0
    section: str = ""
    key: str = ""


class ExportCB(CallbackData, prefix="ex"):
    action: str  # table | days | go
    table: str = ""  # a table's key, or "all"
    days: int = 0
    fmt: str = ""

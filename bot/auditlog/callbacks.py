"""The audit view's callback data (filters and a page; checked again on every press)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class AuditCB(CallbackData, prefix="au"):
    kind: str = "all"
    days: int = 7
    page: int = 0
    person: int = 0

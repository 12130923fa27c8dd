"""The contacts capability's callback data."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class ContactCB(CallbackData, prefix="ct"):
    """Staff: add (id: a grid, 0 the whole community) | remove (id: a contact) | skip | cancel."""

    action: str
    id: int = 0

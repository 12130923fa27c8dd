"""The registration capability's callback data (opaque ids only; every press is checked again)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class JoinCB(CallbackData, prefix="join"):
    """A household member confirms (or not) that a newcomer lives there."""

    person_id: int
    accept: bool

"""The feedback capability's callback data (opaque values only; every press is checked again)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class FeedbackCB(CallbackData, prefix="fb"):
    """A step of giving feedback: start | cat (value: a category) | skip | done | anon (value: yes/no) | cancel."""

    step: str
    value: str = ""

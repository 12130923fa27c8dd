"""The rumours capability's callback data (opaque ids only; every press is checked again)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class ReviewCB(CallbackData, prefix="rq"):
    """A staff member's button on a question in the review queue: link | use (entry id in `entry`) | write |
    verdict (in `value`) | close."""

    action: str
    id: int
    entry: int = 0
    value: str = ""


class EntryCB(CallbackData, prefix="re"):
    """A staff member's button on a library entry: open | phrase | correct | withdraw | sure (withdraw, confirmed)
    | publish | later (ask to whom) | to_now | to_later (to the whole area, or building `b`)."""

    action: str
    id: int
    b: int = 0


class DigestCB(CallbackData, prefix="rd"):
    """A resident's weekly digest: on or off (the button says which)."""

    on: bool

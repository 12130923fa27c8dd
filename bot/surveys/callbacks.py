"""The surveys capability's callback data (opaque ids and indexes only; every press is checked again)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class SurveyCB(CallbackData, prefix="sv"):
    """A resident's (or a following-up volunteer's) answer: start | ans (q, v) | tog (q, v) | done (q) | skip (q)
    | submit | for (hh: the household a volunteer answers for)."""

    action: str
    id: int
    q: int = 0
    v: int = 0
    hh: int = 0


class ComposeCB(CallbackData, prefix="sq"):
    """A staff member's step: new | tpl | kind | qdone | aud | grid | bld | care | audok | per | days | send |
    cancel | res | csv (value: a kind, an id, a number, a key)."""

    step: str
    value: str = ""

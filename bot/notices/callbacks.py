"""The notices capability's callback data (opaque ids only; every press is checked again)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class NoticeCB(CallbackData, prefix="nt"):
    """Notices: ack (residents; id = send) | rates | remind (staff; id = send) | cancel (staff; id = notice)."""

    action: str
    id: int


class ComposeCB(CallbackData, prefix="nc"):
    """Composing a notice (staff): step is aud | grid | bld | level | ack | when | tr | ok | cancel."""

    step: str
    value: str


class BindCB(CallbackData, prefix="bind"):
    """Binding a group chat: kind is c(ommunity) | g(rid) | b(uilding)."""

    kind: str
    id: int

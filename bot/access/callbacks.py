"""The access capability's callback data (opaque ids only; every press is checked again)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class InviteCB(CallbackData, prefix="inv"):
    step: str  # role | scope | uses | ttl | cancel
    value: str


class RevokeCB(CallbackData, prefix="rv"):
    kind: str  # grant | invite
    id: int
    confirm: bool = False

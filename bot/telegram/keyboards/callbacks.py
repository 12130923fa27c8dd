"""CallbackData factories. Opaque ids only (never personal data); every handler re-checks them."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class LangCB(CallbackData, prefix="lang"):
    code: str


class ConsentCB(CallbackData, prefix="consent"):
    agree: bool


class PickCB(CallbackData, prefix="pick"):
    """A choice in the address picker: level is c(ommunity), g(rid), b(uilding) or back."""

    level: str
    id: int


class SizeCB(CallbackData, prefix="size"):
    n: int


class CareCB(CallbackData, prefix="care"):
    code: str  # a care-need code, or "none" / "done"


class HouseholdCB(CallbackData, prefix="hh"):
    action: str  # add | remove | care
    id: int = 0


class StaffCB(CallbackData, prefix="staff"):
    action: str  # invite | invites | roles | addbuilding


class GridPickCB(CallbackData, prefix="agrid"):
    grid_id: int



"""Keyboard builders. Big, plainly worded buttons; at most two per row for reply keyboards."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.kernel.locale import LANGUAGE_NAMES
from bot.kernel.permissions import Actor
from bot.platform.i18n import _
from bot.telegram.keyboards.buttons import MENU_BUTTONS
from bot.telegram.keyboards.callbacks import ConsentCB, LangCB, PickCB, SizeCB
from models import Person


def btn(key: str) -> KeyboardButton:
    return KeyboardButton(text=_(MENU_BUTTONS[key]))


def main_menu(person: Person | None, actor: Actor, *, checkin: bool = False) -> ReplyKeyboardMarkup:
    """The resident's menu; `checkin` puts the day's one-tap "✅ I'm well today" on top, on a row of its own."""
    registered = person is not None and person.household_id is not None
    rows: list[list[KeyboardButton]] = []
    if registered and checkin:
        rows.append([btn("well")])
    if registered:
        rows += [
            [btn("health"), btn("supplies")],
            [btn("hazard"), btn("notices")],
            [btn("rumour"), btn("support")],
            [btn("household"), btn("contacts")],
            [btn("help")],
        ]
    else:
        rows += [[btn("register"), btn("help")], [btn("contacts")]]
    if actor.is_staff_like():
        rows.append([btn("staff")])
    return ReplyKeyboardMarkup(keyboard=rows, resize_keyboard=True, is_persistent=True,
                               input_field_placeholder=_("Choose from the menu below"))


def language_kb(selected: str) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for code, name in LANGUAGE_NAMES.items():
        mark = "✅ " if code == selected else ""
        b.button(text=f"{mark}{name}", callback_data=LangCB(code=code))
    b.adjust(1)
    return b.as_markup()


def consent_kb() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=_("✅ I agree"), callback_data=ConsentCB(agree=True).pack())],
        [InlineKeyboardButton(text=_("✖️ I do not agree"), callback_data=ConsentCB(agree=False).pack())],
    ])


def pick_kb(level: str, items: Sequence[tuple[int, str]], back: bool) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for item_id, label in items:
        b.button(text=label, callback_data=PickCB(level=level, id=item_id))
    b.adjust(2)
    if back:
        b.row(InlineKeyboardButton(text=_("⬅️ Back"), callback_data=PickCB(level="back", id=0).pack()))
    return b.as_markup()


def size_kb() -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for n in range(1, 7):
        b.button(text=str(n), callback_data=SizeCB(n=n))
    b.adjust(3)
    return b.as_markup()


def phone_kb() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(keyboard=[
        [KeyboardButton(text=_("📱 Share my phone number"), request_contact=True)],
        [btn("skip")],
    ], resize_keyboard=True, one_time_keyboard=True)


def push_markup(*rows: list[tuple[str, str]]) -> dict:
    """Inline buttons for an outbox row (stored as Telegram's JSON): rows of (label, callback data)."""
    kb = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=t, callback_data=d) for t, d in row]
                                               for row in rows])
    return kb.model_dump(exclude_none=True)

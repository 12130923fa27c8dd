"""Registration's own buttons (the shared ones are in bot/telegram/keyboards/builders.py)."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.platform.i18n import _
from bot.registration.messages import care_need_label
from bot.registration.rules import CARE_NEEDS
from bot.telegram.keyboards.callbacks import CareCB


def care_kb(selected: Sequence[str]) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for code in CARE_NEEDS:
        mark = "☑️ " if code in selected else "⬜ "
        b.button(text=mark + care_need_label(code), callback_data=CareCB(code=code))
    b.adjust(1)
    b.row(InlineKeyboardButton(text=_("None of these"), callback_data=CareCB(code="none").pack()),
          InlineKeyboardButton(text=_("✅ Done"), callback_data=CareCB(code="done").pack()))
    return b.as_markup()

"""Small presentation helpers shared by handlers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, ReplyKeyboardMarkup
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.kernel.errors import refusal_msgid
from bot.kernel.permissions import Actor
from bot.kernel.structure import home_of
from bot.platform.i18n import _
from bot.telegram.keyboards.builders import main_menu
from models import Building, Household, Person


async def show_menu(message: Message, person: Person | None, actor: Actor, text: str | None = None, *,
                    markup: ReplyKeyboardMarkup | None = None) -> None:
    if text is None:
        if person is not None and person.household_id is not None:
            text = _("Main menu. Choose what you need below.")
        else:
            text = _("Main menu. To use the resident services, first register your address.")
    await message.answer(text, reply_markup=markup or main_menu(person, actor))


async def address_label(session: AsyncSession, household_id: int | None, locale: str) -> str:
    if household_id is None:
        return ""
    hh = await session.get(Household, household_id)
    if hh is None:
        return ""
    b = await session.get(Building, hh.building_id)
    return _("{building}, unit/room {unit}").format(building=b.label(locale) if b else "?", unit=hh.unit)


async def deep_link(bot: Bot, payload: str) -> str:
    me = await bot.me()
    base = f"https://t.me/{me.username}"
    return f"{base}?start={payload}" if payload else base


def refusal(code: str, **params: object) -> str:
    """What the person is told for a refusal code, in their language (a code nobody wrote words for: a plain
    "something is not right"; a test fails if a code the rules raise has no words)."""
    msgid = refusal_msgid(code)
    text = _(msgid) if msgid else _("Sorry, something is not right. Please try again.")
    return text.format(**params) if params else text


def _buttons(markup: object) -> list:
    rows = getattr(markup, "inline_keyboard", None) or []
    return [[(b.text, b.callback_data, b.url) for b in row] for row in rows]


def unchanged(message: Message, text: str | None, markup: object) -> bool:
    """Whether an edit would leave the message as it is (Telegram refuses such an edit): the message as the
    press found it — its text and inline keyboard — compared with what the edit would show."""
    same_text = text is None or text == (message.text if message.text is not None else message.caption)
    return same_text and _buttons(message.reply_markup) == _buttons(markup)


async def edit_markup(message: object, markup: object) -> None:
    """Change a message's inline keyboard, unless it already shows that one; a message that vanished meanwhile
    is not an error."""
    from aiogram.exceptions import TelegramBadRequest

    if not isinstance(message, Message) or unchanged(message, None, markup):
        return
    try:
        await message.edit_reply_markup(reply_markup=markup)
    except TelegramBadRequest:
        pass


async def edit_text(message: object, text: str, markup: object = None) -> None:
    from aiogram.exceptions import TelegramBadRequest

    if not isinstance(message, Message) or unchanged(message, text, markup):
        return
    try:
        await message.edit_text(text, reply_markup=markup)
    except TelegramBadRequest:
        await message.answer(text, reply_markup=markup)


async def emergency_number(session: AsyncSession, person: Person | None) -> str:
    """The emergency number of the person's community (configurable per community), else 120."""
    community, _building, _household = await home_of(session, person)
    return community.emergency_number if community is not None and community.emergency_number else "120"


LIST_MAX = 30  # lines (and buttons) of one listing: Telegram allows 4,096 characters and ~100 buttons
TEXT_MAX = 4000


def more_line(hidden: int) -> list[str]:
    """The line that says a listing was cut, if it was."""
    return [_("… and {n} more.").format(n=hidden)] if hidden > 0 else []


def split_text(text: str, limit: int = TEXT_MAX) -> list[str]:
    """Split a long text at line breaks into messages Telegram accepts (a single over-long line is cut)."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        line = line if len(line) <= limit else line[: limit - 1] + "…"
        if current and len(current) + 1 + len(line) > limit:
            parts.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    parts.append(current)
    return parts


async def send_long(bot: Bot, chat_id: int, text: str, reply_markup: object = None) -> None:
    """Send a text of any length as several messages; the buttons go with the last one."""
    parts = split_text(text)
    for i, part in enumerate(parts):
        await bot.send_message(chat_id, part, reply_markup=reply_markup if i == len(parts) - 1 else None)


async def revoke_after_yes(query: CallbackQuery, callback_data: Any, question: str,
                          revoke: Callable[[], Awaitable[object]]) -> None:
    """Ask once before taking something away (the question with a "Yes" carrying `confirm=True`); on "Yes", do
    it; a rule's refusal (not theirs, already revoked) is the press's one answer and takes the button away."""
    from bot.kernel.errors import DomainError

    if not callback_data.confirm:
        await query.answer()
        yes = callback_data.model_copy(update={"confirm": True})
        await query.bot.send_message(query.from_user.id, question.format(id=callback_data.id),
                                     reply_markup=InlineKeyboardMarkup(inline_keyboard=[[
                                         InlineKeyboardButton(text=_("Yes"), callback_data=yes.pack())]]))
        return
    try:
        await revoke()
    except DomainError as e:
        await edit_markup(query.message, None)
        await query.answer(refusal(e.code), show_alert=True)
        return
    await query.answer()
    await edit_text(query.message, _("Done: #{id} revoked.").format(id=callback_data.id))


def typed_again(code: str) -> bool:
    """A refusal the person fixes by typing again (empty, too long, a command where words were asked)."""
    return code.endswith(("_empty", "_too_long", "_invalid"))


async def finish_typed_step(message: Message, state: FSMContext, session: AsyncSession,
                            act: Callable[[], Awaitable[str]], again: tuple[str, ...] = ()) -> bool:
    """The last, typed step of a conversation (a reason, a note): run its event. A refusal is answered; the
    conversation stays on the step when typing again can fix it, else it ends. Done: committed, the
    conversation ends, and the person reads what `act` returned."""
    from bot.kernel.errors import DomainError

    try:
        done = await act()
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params))
        if not (typed_again(e.code) or e.code in again):  # `again`: more refusals typing fixes (a time)
            await state.clear()
        return False
    await session.commit()
    await state.clear()
    await message.answer(done)
    return True


async def finish_pressed_step(query: CallbackQuery, state: FSMContext, session: AsyncSession,
                              act: Callable[[], Awaitable[Any]], ends_on: tuple[str, ...] = ()) -> Any:
    """The button that ends a conversation (✅ Import, 📤 Send): run its event. A refusal is the press's one
    answer, and the conversation stays where it was, its buttons too, so nothing entered is lost — unless the
    refusal is one of `ends_on` (nothing to try again). Done: committed, the conversation ends, the buttons go;
    returns what `act` returned (None after a refusal)."""
    from bot.kernel.errors import DomainError

    try:
        done = await act()
    except DomainError as e:
        await query.answer(refusal(e.code, **e.params), show_alert=True)
        if e.code in ends_on:
            await state.clear()
        return None
    await session.commit()
    await state.clear()
    await query.answer()
    await edit_markup(query.message, None)
    return done if done is not None else True


async def act_on_press(query: CallbackQuery, session: AsyncSession, act: Callable[[], Awaitable[Any]]) -> Any:
    """A button that does one thing: do it and commit, returning what `act` returned; a rule's refusal takes the
    message's buttons away and is the press's one answer (None is returned: the caller answers only on success)."""
    from bot.kernel.errors import DomainError

    try:
        done = await act()
    except DomainError as e:
        await edit_markup(query.message, None)
        await query.answer(refusal(e.code, **e.params), show_alert=True)
        return None
    await session.commit()
    return done if done is not None else True


# ---- a report's words and photos, collected over several messages ---------------------------------------------

def joined_note(before: str | None, more: str, max_len: int) -> str | None:
    """The words so far and the new ones, each as typed; None when together they are too long."""
    text = "\n".join(x for x in (before, more.strip()) if x)
    return text if len(text) <= max_len else None


async def collect_photo(message: Message, state: FSMContext, *, max_photos: int, note_max: int,
                        markup: InlineKeyboardMarkup, added: str) -> None:
    """A photo for what is being written (its caption joins the words), kept up to `max_photos`; `added` is
    the reply with `{n}`, the photos so far. Too many, or too many words: refused, nothing lost."""
    data = await state.get_data()
    photos = list(data.get("photos", []))
    if len(photos) >= max_photos:
        await message.answer(refusal("too_many_photos", max=max_photos), reply_markup=markup)
        return
    update: dict = {"photos": [*photos, message.photo[-1].file_id]}
    if message.caption and message.caption.strip():
        note = joined_note(data.get("note"), message.caption, note_max)
        if note is None:
            await message.answer(refusal("note_too_long", max=note_max), reply_markup=markup)
            return
        update["note"] = note
    await state.update_data(**update)
    await message.answer(added.format(n=len(update["photos"])), reply_markup=markup)


async def collect_words(message: Message, state: FSMContext, *, note_max: int, markup: InlineKeyboardMarkup,
                        added: str, empty: str) -> None:
    """Words for what is being written, added to those before (each message as typed)."""
    if not (message.text or "").strip():
        await message.answer(empty, reply_markup=markup)
        return
    note = joined_note((await state.get_data()).get("note"), message.text, note_max)
    if note is None:
        await message.answer(refusal("note_too_long", max=note_max), reply_markup=markup)
        return
    await state.update_data(note=note)
    await message.answer(added, reply_markup=markup)

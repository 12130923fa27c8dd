"""Notices and alerts: staff compose (`/notice`), list, edit and cancel (`/notices`); residents read the
latest (“📢 Notices”) and acknowledge.

```mermaid
stateDiagram-v2
    [*] --> text: /notice
    text --> audience: text, or a photo / document with a caption
    audience --> level: Next (at least one kind of recipient)
    level --> ack
    ack --> when
    when --> translations: Now
    when --> time: At a set time / Every day / Every week
    time --> until: repeating
    time --> translations
    until --> translations
    translations --> tr_text: a language
    tr_text --> translations
    translations --> preview: Continue
    preview --> [*]: Send (due work sends it at its time)
```
Nothing goes out before Send; every step keeps what was entered before it.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import Bot, F
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, ChatMemberUpdated, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import LOCALES, Settings
from bot.kernel.audit import audit
from bot.kernel.errors import DomainError, PermissionDenied
from bot.kernel.locale import LANGUAGE_NAMES
from bot.kernel.permissions import Actor
from bot.notices import messages as notice_messages
from bot.notices import rules as notices
from bot.notices.callbacks import BindCB, ComposeCB, NoticeCB
from bot.notices.workflow import schedule_send
from bot.platform.clock import Clock
from bot.platform.i18n import N_, _, get_i18n
from bot.telegram.commands import CommandEntry, StaffTool
from bot.telegram.filters import ButtonText, InGroup, NotCommand, Private
from bot.telegram.keyboards.callbacks import StaffCB
from bot.telegram.routing import RouterTemplate, gated
from bot.telegram.ui import edit_markup, edit_text, refusal
from models import Person
from models.notices import Notice


def _may_send(actor: Actor) -> bool:
    return actor.superadmin or actor.has_role(*notices.SENDER_ROLES)


# Residents: 📢 Notices and "I have read this"; and the refusal for anyone else reaching for staff buttons or
# commands. Staff: composing, /notices, edits, rates and reminders — gated as a whole. The staff router comes
# first in bot/features.py.
router = RouterTemplate("notices")
router.message.filter(Private())
staff_router = gated("notices-staff", _may_send)
group_router = RouterTemplate("notices-groups")  # /bind, /unbind and leaving a group
group_router.message.filter(InGroup())  # doctors, community workers, admins

COMMANDS = (
    CommandEntry("notice", N_("Send a notice or alert"), notices.SENDER_ROLES),
    CommandEntry("notices", N_("Notices: scheduled, sent, who has read them"), notices.SENDER_ROLES),
)
TOOLS = (StaffTool("notice", N_("📢 Send a notice or alert"), _may_send, rank=10),)

ROLE_BUTTONS = (("volunteer", "🙋"), ("staff", "🧰"), ("doctor", "🩺"))


class N(StatesGroup):
    text = State()
    audience = State()
    buildings = State()
    level = State()
    ack = State()
    when = State()
    time = State()
    until = State()
    translations = State()
    tr_text = State()
    preview = State()
    edit = State()
    edit_time = State()


def _kb(rows: list[list[tuple[str, str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(
        text=t, callback_data=ComposeCB(step=s, value=v).pack()) for t, s, v in row] for row in rows])


def level_label(level: str) -> str:
    return _(notice_messages.LEVEL_LABELS.get(level, notice_messages.LEVEL_LABELS["info"]))


def role_label(code: str) -> str:
    return {"volunteer": _("Volunteers"), "staff": _("Community workers"), "doctor": _("Doctors")}.get(code, code)


# --- composing -------------------------------------------------------------------------------------------

@staff_router.message(Command("notice"))
async def cmd_notice(message: Message, state: FSMContext, session: AsyncSession, actor: Actor) -> None:
    await start_notice(message.bot, message.chat.id, state, session, actor)


@staff_router.callback_query(StaffCB.filter(F.action == "notice"))
async def on_notice_tool(query: CallbackQuery, state: FSMContext, session: AsyncSession, actor: Actor,
                         bot: Bot) -> None:
    await query.answer()
    await start_notice(bot, query.from_user.id, state, session, actor)


async def start_notice(bot: Bot, chat_id: int, state: FSMContext, session: AsyncSession, actor: Actor) -> None:
    if not _may_send(actor):
        await bot.send_message(chat_id, refusal("forbidden"))
        return
    community = await notices.sender_community(session, actor)
    await state.clear()
    await state.set_state(N.text)
    await state.set_data({"community_id": community.id, "aud": notices.Audience().to_json(), "tr": {}})
    await bot.send_message(chat_id, _("Write the notice. Send the text, or one photo or document with the text as "
                                      "its caption. (/cancel to stop.)"))


@staff_router.message(StateFilter(N.text), NotCommand())
async def on_text(message: Message, state: FSMContext, session: AsyncSession, actor: Actor) -> None:
    media_kind, media = None, None
    if message.photo:
        media_kind, media = "photo", message.photo[-1].file_id
    elif message.document:
        media_kind, media = "document", message.document.file_id
    elif message.text is None:
        await message.answer(_("Please send text, a photo or a document."))
        return
    data = await state.get_data()
    typed = message.caption if media else message.text
    sent_at = int(message.date.timestamp())
    if notices.tail_of_refused_paste(data.get("refused_long_at"), sent_at):
        # Telegram splits a long paste into parts sent at once: this is the rest of the text refused just now.
        await state.update_data(refused_long_at=sent_at if notices.split_part(typed) else None)
        await message.answer(refusal("notice_paste_tail", max=notices.TEXT_MAX))
        return
    try:
        text = notices.clean_text(typed, caption=media is not None, media=media_kind)
    except DomainError as e:
        if notices.split_part(typed):
            await state.update_data(refused_long_at=sent_at)
        await message.answer(refusal(e.code, **e.params))
        return
    await state.update_data(text=text, media_kind=media_kind, media=media, refused_long_at=None)
    await state.set_state(N.audience)
    data = await state.get_data()
    await message.answer(_("Who should receive it? Tap to choose, then Next."),
                         reply_markup=await _audience_kb(session, actor, data))


def mark(on: bool) -> str:
    return "☑️ " if on else "⬜ "


async def _audience_kb(session: AsyncSession, actor: Actor, data: dict) -> InlineKeyboardMarkup:
    a = notices.Audience.from_json(data["aud"])
    grids = await notices.area_grids(session, actor, data["community_id"])
    whole = not a.grids and not a.buildings
    rows = [[(mark(whole) + _("My whole area"), "whole", "-")]]
    if len(grids) > 1:
        loc = get_i18n().current_locale
        rows += [[(mark(g.id in a.grids) + g.label(loc), "grid", str(g.id))] for g in grids]
    rows.append([((_("🏢 Buildings: {n} chosen").format(n=len(a.buildings)) if a.buildings
                   else _("🏢 Choose buildings…")), "blds", "-")])
    rows.append([(mark(a.residents) + _("Residents"), "res", "-"),
                 (mark(a.care_only) + _("Only households with care needs"), "care", "-")])
    rows.append([(mark(code in a.roles) + icon + " " + role_label(code), "role", code) for code, icon in ROLE_BUTTONS])
    rows.append([(mark(a.groups) + _("💬 Group chats"), "groups", "-")])
    rows.append([(_("➡️ Next"), "next", "-"), (_("✖️ Cancel"), "cancel", "-")])
    return _kb(rows)


async def _buildings_kb(session: AsyncSession, actor: Actor, data: dict, locale: str) -> InlineKeyboardMarkup:
    a = notices.Audience.from_json(data["aud"])
    rows = [[(mark(b.id in a.buildings) + b.label(locale), "bld", str(b.id))]
            for b in (await notices.area_buildings(session, actor, data["community_id"]))[:60]]
    rows.append([(_("⬅️ Back"), "back", "-")])
    return _kb(rows)


@staff_router.callback_query(ComposeCB.filter(F.step == "noop"))
async def on_preview_button(query: CallbackQuery, person: Person | None) -> None:
    if person is None:  # the staff router's gate (_may_send) let only senders in
        await query.answer(refusal("forbidden"), show_alert=True)
        return
    await query.answer(_("This is a preview."))


def _compose(step: str | set[str], *states: State):
    """One small handler per step of composing a notice: only those who may send pass, the conversation's
    data must be there (else the button is stale), and a rule's refusal is the press's one answer (every
    refusal comes before it: Telegram takes a single answer per press)."""
    steps = {step} if isinstance(step, str) else step

    def register(fn: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
        @functools.wraps(fn)
        async def handler(query: CallbackQuery, state: FSMContext, person: Person | None, actor: Actor,
                          **kw: Any) -> None:
            if person is None:  # the staff router's gate (_may_send) let only senders in
                await query.answer(refusal("forbidden"), show_alert=True)
                return
            data = await state.get_data()
            if "community_id" not in data:
                await query.answer(_("This button is no longer active."), show_alert=True)
                return
            try:
                await fn(query, state=state, person=person, actor=actor, data=data, **kw)
            except DomainError as e:
                await query.answer(refusal(e.code, **e.params), show_alert=True)

        staff_router.callback_query(ComposeCB.filter(F.step.in_(steps)), StateFilter(*states))(handler)
        return fn

    return register


@_compose("cancel", *N.__all_states__)
async def on_cancel(query: CallbackQuery, state: FSMContext, **_kw: Any) -> None:
    await query.answer()
    await state.clear()
    await edit_markup(query.message, None)
    await query.bot.send_message(query.from_user.id, _("Cancelled. Nothing was sent."))


async def _toggle(session: AsyncSession, actor: Actor, data: dict, step: str, value: str) -> notices.Audience:
    """One audience button pressed: the area (whole, a grid, a building) or a kind of recipient."""
    a = notices.Audience.from_json(data["aud"])
    if step == "whole":
        a.grids, a.buildings = [], []
    elif step == "grid":
        gid = int(value) if value.isdigit() else -1
        if gid not in {g.id for g in await notices.area_grids(session, actor, data["community_id"])}:
            raise PermissionDenied()
        a.grids = sorted(set(a.grids) ^ {gid})
    elif step == "bld":
        bid = int(value) if value.isdigit() else -1
        if bid not in {b.id for b in await notices.area_buildings(session, actor, data["community_id"])}:
            raise PermissionDenied()
        a.buildings = sorted(set(a.buildings) ^ {bid})
    elif step == "res":
        a.residents = not a.residents
    elif step == "care":
        a.care_only = not a.care_only
        a.residents = a.residents or a.care_only
    elif step == "role":
        if value not in notices.AUDIENCE_ROLES:
            raise DomainError("not_found")
        a.roles = sorted(set(a.roles) ^ {value})
    elif step == "groups":
        a.groups = not a.groups
    return a


@_compose({"whole", "grid", "res", "care", "role", "groups"}, N.audience)
@_compose("bld", N.buildings)
async def on_audience(query: CallbackQuery, callback_data: ComposeCB, state: FSMContext, session: AsyncSession,
                      actor: Actor, person: Person, data: dict, **_kw: Any) -> None:
    a = await _toggle(session, actor, data, callback_data.step, callback_data.value)
    await state.update_data(aud=a.to_json())
    await query.answer()
    data = await state.get_data()
    await edit_markup(query.message, await (_buildings_kb(session, actor, data, person.locale)
                                            if callback_data.step == "bld" else _audience_kb(session, actor, data)))


@_compose("blds", N.audience)
async def on_choose_buildings(query: CallbackQuery, state: FSMContext, session: AsyncSession, actor: Actor,
                              person: Person, data: dict, **_kw: Any) -> None:
    await query.answer()
    await state.set_state(N.buildings)
    await edit_markup(query.message, await _buildings_kb(session, actor, data, person.locale))


@_compose("back", N.buildings)
async def on_back(query: CallbackQuery, state: FSMContext, session: AsyncSession, actor: Actor, data: dict,
                  **_kw: Any) -> None:
    await query.answer()
    await state.set_state(N.audience)
    await edit_markup(query.message, await _audience_kb(session, actor, data))


@_compose("next", N.audience)
async def on_next(query: CallbackQuery, state: FSMContext, session: AsyncSession, actor: Actor, data: dict,
                  **_kw: Any) -> None:
    a = await notices.check_audience(session, actor, data["community_id"], notices.Audience.from_json(data["aud"]))
    await query.answer()
    await state.update_data(aud=a.to_json())
    await state.set_state(N.level)
    await edit_markup(query.message, None)
    await query.bot.send_message(query.from_user.id, _("What kind of notice is it?"), reply_markup=_kb(
        [[(level_label(lv), "level", lv)] for lv in notices.LEVELS]))


@_compose("level", N.level)
async def on_level(query: CallbackQuery, callback_data: ComposeCB, state: FSMContext, **_kw: Any) -> None:
    if callback_data.value not in notices.LEVELS:
        raise DomainError("not_found")
    await query.answer()
    await state.update_data(level=callback_data.value)
    await state.set_state(N.ack)
    await edit_markup(query.message, None)
    await query.bot.send_message(
        query.from_user.id, _("{level}. Ask everyone to press “I have read this”? You will see who has read it.")
        .format(level=level_label(callback_data.value)),
        reply_markup=_kb([[(_("Yes, ask them"), "ack", "1"), (_("No"), "ack", "0")]]))


@_compose("ack", N.ack)
async def on_ack(query: CallbackQuery, callback_data: ComposeCB, state: FSMContext, **_kw: Any) -> None:
    await query.answer()
    await state.update_data(ack=callback_data.value == "1")
    await state.set_state(N.when)
    await edit_markup(query.message, None)
    await query.bot.send_message(query.from_user.id, _("When should it go out?"), reply_markup=_kb([
        [(_("Now"), "when", "now")], [(_("At a set time"), "when", "at")],
        [(_("Every day"), "when", "daily")], [(_("Every week"), "when", "weekly")]]))


@_compose("when", N.when)
async def on_when(query: CallbackQuery, callback_data: ComposeCB, state: FSMContext, **_kw: Any) -> None:
    value = callback_data.value
    if value not in ("now", "at", "daily", "weekly"):
        raise DomainError("not_found")
    await query.answer()
    await edit_markup(query.message, None)
    if value == "now":
        await state.update_data(when="now", repeat="none", first_at=None, until=None)
        await _ask_translations(query.message, state)
        return
    await state.update_data(when=value, repeat="none" if value == "at" else value)
    await state.set_state(N.time)
    await query.bot.send_message(
        query.from_user.id, _("Type the date and time, for example 18:30 or 11-24 09:00 (time in the community)."))


@_compose("tr", N.translations)
async def on_translation(query: CallbackQuery, callback_data: ComposeCB, state: FSMContext, session: AsyncSession,
                         clock: Clock, settings: Settings, **_kw: Any) -> None:
    value = callback_data.value
    if value != "done" and value not in LOCALES:
        raise DomainError("not_found")
    await query.answer()
    await edit_markup(query.message, None)
    if value == "done":
        await _preview(query.message, state, session, settings, clock)
        return
    await state.update_data(tr_locale=value)
    await state.set_state(N.tr_text)
    await query.bot.send_message(query.from_user.id,
                                 _("Type the {language} text.").format(language=LANGUAGE_NAMES[value]))


@_compose("ok", N.preview)
async def on_send(query: CallbackQuery, state: FSMContext, session: AsyncSession, actor: Actor, clock: Clock,
                  settings: Settings, **_kw: Any) -> None:
    await query.answer()
    await edit_markup(query.message, None)
    await _confirm(query.message, state, session, actor, clock, settings)


@staff_router.callback_query(ComposeCB.filter())
async def on_stale_compose(query: CallbackQuery, person: Person | None) -> None:
    """A step pressed out of its turn (an older keyboard, a second tap) or a forged one."""
    if person is None:  # the staff router's gate (_may_send) let only senders in
        await query.answer(refusal("forbidden"), show_alert=True)
        return
    await query.answer(_("This button is no longer active."), show_alert=True)


async def _community_tz(session: AsyncSession, data: dict, settings: Settings) -> tuple[str, str]:
    from models import Community

    c = await session.get(Community, data["community_id"])
    return (c.timezone if c and c.timezone else settings.timezone,
            c.quiet_hours if c and c.quiet_hours else settings.notice_quiet_hours)


@staff_router.message(StateFilter(N.time), NotCommand())
async def on_time(message: Message, state: FSMContext, session: AsyncSession, clock: Clock,
                  settings: Settings) -> None:
    data = await state.get_data()
    tz, _quiet = await _community_tz(session, data, settings)
    try:
        at = notices.parse_when(message.text, clock.now(), tz)
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params))
        return
    await state.update_data(first_at=at.isoformat())
    if data.get("repeat", "none") == "none":
        await _ask_translations(message, state)
        return
    await state.set_state(N.until)
    await message.answer(_("Until which day (the last day it goes out)? For example 12-31."))


@staff_router.message(StateFilter(N.until), NotCommand())
async def on_until(message: Message, state: FSMContext, session: AsyncSession, settings: Settings) -> None:
    data = await state.get_data()
    tz, _quiet = await _community_tz(session, data, settings)
    try:
        until = notices.parse_until(message.text, datetime.fromisoformat(data["first_at"]), tz)
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params))
        return
    await state.update_data(until=until.isoformat())
    await _ask_translations(message, state)


async def _ask_translations(message: Message, state: FSMContext) -> None:
    await state.set_state(N.translations)
    data = await state.get_data()
    done = data.get("tr", {})
    rows = [[(("✏️ " if loc in done else "➕ ") + LANGUAGE_NAMES[loc], "tr", loc)] for loc in LOCALES]
    rows.append([(_("➡️ Continue to the preview"), "tr", "done")])
    added = ", ".join(LANGUAGE_NAMES[loc] for loc in done) or _("none")
    await message.answer(_("Add a translation? Everyone gets the version in their own language if there is one, "
                           "otherwise your text. Added: {added}.").format(added=added), reply_markup=_kb(rows))


@staff_router.message(StateFilter(N.tr_text), NotCommand())
async def on_tr_text(message: Message, state: FSMContext) -> None:
    data = await state.get_data()
    try:
        text = notices.clean_text(message.text, caption=bool(data.get("media")))
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params))
        return
    await state.update_data(tr={**data.get("tr", {}), data.get("tr_locale", "en"): text})
    await _ask_translations(message, state)


@staff_router.message(StateFilter(N.audience, N.buildings, N.level, N.ack, N.when, N.translations, N.preview),
                NotCommand())
async def press_a_button(message: Message) -> None:
    await message.answer(_("Please press one of the buttons above. (Type /cancel to stop.)"))


def _draft(data: dict, tz: str, quiet: str, settings: Settings, person_id: int | None) -> Notice:
    first = datetime.fromisoformat(data["first_at"]) if data.get("first_at") else None
    return Notice(community_id=data["community_id"], created_by_id=person_id, text=data["text"],
                  translations=data.get("tr", {}), media_kind=data.get("media_kind"), media=data.get("media"),
                  level=data.get("level", "info"), ack_required=bool(data.get("ack")), audience=data["aud"],
                  repeat=data.get("repeat", "none"), first_at=first,
                  repeat_until=datetime.fromisoformat(data["until"]) if data.get("until") else None, timezone=tz,
                  quiet_hours=quiet, ack_remind_minutes=settings.notice_ack_remind_minutes,
                  doorknock_minutes=settings.notice_doorknock_minutes,
                  doorknock_escalate_minutes=settings.task_escalate_urgent_minutes)


def _when_text(notice: Notice) -> str:
    if notice.first_at is None:
        return _("now")
    tz = ZoneInfo(notice.timezone)
    local = notice.first_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    if notice.repeat == "none":
        return local
    # repeat_until is the end of the last day: show that day
    until = (notice.repeat_until.astimezone(tz) - timedelta(days=1)).date().isoformat() if notice.repeat_until else "—"
    return (_("every day from {start} until {until}") if notice.repeat == "daily"
            else _("every week from {start} until {until}")).format(start=local, until=until)


async def _preview(message: Message, state: FSMContext, session: AsyncSession, settings: Settings,
                   clock: Clock) -> None:
    data = await state.get_data()
    tz, quiet = await _community_tz(session, data, settings)
    notice = _draft(data, tz, quiet, settings, None)
    resolved = await notices.resolve(session, notice)
    loc = get_i18n().current_locale
    markup = _kb([[(_("✅ I have read this"), "noop", "-")]]) if notice.ack_required else None
    shown = notice_messages.notice_text(notice, loc, caption=notice.media is not None)
    await message.answer(_("Preview — this is what residents will see:"))
    if notice.media_kind == "photo":
        await message.answer_photo(notice.media, caption=shown, reply_markup=markup)
    elif notice.media_kind == "document":
        await message.answer_document(notice.media, caption=shown, reply_markup=markup)
    else:
        await message.answer(shown, reply_markup=markup)
    lines = [_("It will go to {audience}.").format(
        audience=notice_messages.audience_words(get_i18n().current_locale, len(resolved.people), len(resolved.groups))),
        _("When: {when}").format(when=_when_text(notice))]
    start = notice.first_at or clock.now()
    if notices.waits_for_morning(notice.level):
        later = notices.after_quiet_hours(start, notices.parse_hours(quiet), tz)
        if later != start:
            lines.append(_("That is within the quiet hours ({quiet}): information and blue notices wait until "
                           "they end.").format(quiet=quiet))
    if resolved.unreached_households:
        lines.append(_("{n} households of this audience have nobody reachable on Telegram: they need a phone call "
                       "or a door-knock (/reach lists them).").format(n=len(resolved.unreached_households)))
    if not resolved.people and not resolved.groups:
        lines.append(_("Nobody is registered in this audience yet."))
    await state.set_state(N.preview)
    await message.answer("\n".join(lines), reply_markup=_kb([[(_("✅ Send"), "ok", "-")],
                                                              [(_("✖️ Cancel"), "cancel", "-")]]))


async def _confirm(message: Message, state: FSMContext, session: AsyncSession, actor: Actor, clock: Clock,
                   settings: Settings) -> None:
    data = await state.get_data()
    now = clock.now()
    tz, quiet = await _community_tz(session, data, settings)
    a = await notices.check_audience(session, actor, data["community_id"], notices.Audience.from_json(data["aud"]))
    data["aud"] = a.to_json()
    notice = _draft(data, tz, quiet, settings, actor.person_id)
    if notice.first_at is not None and notice.first_at <= now:
        await state.set_state(N.time)
        await message.answer(refusal("when_past"))
        return
    notice.first_at = notice.first_at or now
    notice.created_at = now
    session.add(notice)
    await session.flush()
    schedule_send(session, notice, notice.first_at, now)
    audit(session, actor_id=actor.person_id, action="send_notice", at=now, notice=notice.id, level=notice.level)
    await session.commit()
    await state.clear()
    if notice.first_at <= now:
        await message.answer(_("Notice #{id} is on its way. Its progress will appear here.").format(id=notice.id))
    else:
        await message.answer(_("Notice #{id} is scheduled: {when}. /notices lists, edits and cancels it.").format(
            id=notice.id, when=_when_text(notice)))


@router.message(Command("bind", "unbind"))
async def bind_in_private(message: Message) -> None:
    await message.answer(_("Send /bind (or /unbind) inside the group chat itself, after adding me to it."))


# --- staff: list, rates, reminders, edit, cancel -----------------------------------------------------------

@staff_router.message(Command("notices"))
async def cmd_notices(message: Message, session: AsyncSession, person: Person | None, actor: Actor,
                      clock: Clock) -> None:
    if person is None:  # the staff router's gate (_may_send) let only senders in
        await message.answer(refusal("forbidden"))
        return
    scheduled = await notices.scheduled_in_scope(session, actor)
    for n in scheduled[:10]:
        text = _("🗓 Notice #{id} ({level}) — {when}:\n{text}").format(
            id=n.id, level=level_label(n.level), when=_when_text(n), text=n.text[:300])
        await message.answer(text, reply_markup=InlineKeyboardMarkup(inline_keyboard=[[
            InlineKeyboardButton(text=_("✏️ Edit text"), callback_data=NoticeCB(action="edit", id=n.id).pack()),
            InlineKeyboardButton(text=_("🕒 Change time"), callback_data=NoticeCB(action="time", id=n.id).pack()),
            InlineKeyboardButton(text=_("✖️ Cancel it"), callback_data=NoticeCB(action="cancel", id=n.id).pack())]]))
    sends = await notices.recent_sends_in_scope(session, actor)
    shown = len(sends)
    for send, n in sends:
        rates = await notices.ack_rates(session, send.id, person.locale)
        people, groups = await notices.audience_counts(session, send.id)
        line = _("📨 Notice #{id} ({level}), sent {when}: to {audience}.").format(
            id=n.id, level=level_label(n.level), when=send.due_at.astimezone(ZoneInfo(n.timezone)).strftime(
                "%m-%d %H:%M"), audience=notice_messages.audience_words(person.locale, people, groups))
        unreached = len((await notices.resolve(session, n)).unreached_households)
        if unreached:
            line += " " + _("{n} households of its audience have nobody on Telegram: a call or a door-knock "
                            "reaches them (/reach).").format(n=unreached)
        buttons = []
        if n.ack_required:  # people read and acknowledge; group chats are not counted here
            line += " " + _("Read by {acked} of {total} people.").format(acked=rates.acked, total=rates.total)
            buttons = [[InlineKeyboardButton(text=_("📊 By building"),
                                             callback_data=NoticeCB(action="rates", id=send.id).pack()),
                        InlineKeyboardButton(text=_("🔔 Remind the others"),
                                             callback_data=NoticeCB(action="remind", id=send.id).pack())]]
        await message.answer(line + "\n" + n.text[:200],
                             reply_markup=InlineKeyboardMarkup(inline_keyboard=buttons) if buttons else None)
    if not scheduled and shown == 0:
        await message.answer(_("No notices yet. Send one with /notice."))
    audit(session, actor_id=actor.person_id, action="read_notices", at=clock.now(), count=shown)
    await session.commit()


def _manage(action: str) -> Callable[[Callable[..., Awaitable[None]]], Callable[..., Awaitable[None]]]:
    """A sender's button under one of their notices (/notices): one handler per action; a rule's refusal (not
    theirs, already gone out, cancelled) is the press's one answer."""

    def register(fn: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
        @functools.wraps(fn)
        async def press(query: CallbackQuery, person: Person | None, **kw: Any) -> None:
            if person is None:  # the staff router's gate (_may_send) let only senders in
                await query.answer(refusal("not_registered"), show_alert=True)
                return
            try:
                await fn(query, person=person, **kw)
            except DomainError as e:
                await query.answer(refusal(e.code, **e.params), show_alert=True)

        staff_router.callback_query(NoticeCB.filter(F.action == action))(press)
        return press

    return register


@_manage("rates")
async def on_rates(query: CallbackQuery, callback_data: NoticeCB, session: AsyncSession, person: Person,
                   actor: Actor, clock: Clock) -> None:
    send, notice = await notices.managed_send(session, actor, callback_data.id)
    rates = await notices.ack_rates(session, send.id, person.locale)
    audit(session, actor_id=actor.person_id, action="read_notice_rates", at=clock.now(), notice=notice.id)
    await session.commit()
    lines = [_("Notice #{id}: read by {acked} of {total}.").format(id=notice.id, acked=rates.acked,
                                                                   total=rates.total)]
    lines += [f"• {label}: {acked}/{total} ({round(100 * acked / total) if total else 0}%)"
              for label, acked, total in rates.by_building]
    await query.answer()
    await query.bot.send_message(query.from_user.id, "\n".join(lines))


@_manage("remind")
async def on_remind(query: CallbackQuery, callback_data: NoticeCB, session: AsyncSession, actor: Actor,
                    clock: Clock, **_kw: Any) -> None:
    now = clock.now()
    send, notice = await notices.managed_send(session, actor, callback_data.id)
    people = await notices.who_to_remind(session, send, now)
    notice_messages.ack_reminder(session, notice, send.id, people, now)
    audit(session, actor_id=actor.person_id, action="notice_reminder", at=now, notice=notice.id, count=len(people))
    await session.commit()
    await query.answer(_("A reminder goes to {n} people.").format(n=len(people)), show_alert=True)


@_manage("cancel")
async def on_cancel_notice(query: CallbackQuery, callback_data: NoticeCB, session: AsyncSession, actor: Actor,
                           clock: Clock, **_kw: Any) -> None:
    now = clock.now()
    notice = await notices.cancel(session, actor, callback_data.id, now)
    audit(session, actor_id=actor.person_id, action="cancel_notice", at=now, notice=notice.id)
    await session.commit()
    await query.answer()
    await edit_text(query.message, _("Notice #{id} is cancelled; it will not go out.").format(id=notice.id))


@_manage("time")
async def on_change_time(query: CallbackQuery, callback_data: NoticeCB, state: FSMContext, session: AsyncSession,
                         actor: Actor, **_kw: Any) -> None:
    notice = await notices.editable(session, actor, callback_data.id)
    if await notices.has_gone_out(session, notice.id):
        raise DomainError("notice_started")
    await query.answer()
    await state.clear()
    await state.set_state(N.edit_time)
    await state.update_data(edit_id=notice.id)
    await query.bot.send_message(query.from_user.id, _(
        "Type the new date and time for notice #{id}, for example 18:30 or 11-24 09:00.").format(id=notice.id))


@_manage("edit")
async def on_edit(query: CallbackQuery, callback_data: NoticeCB, state: FSMContext, session: AsyncSession,
                  actor: Actor, **_kw: Any) -> None:
    notice = await notices.editable(session, actor, callback_data.id)
    await query.answer()
    await state.clear()
    await state.set_state(N.edit)
    await state.update_data(edit_id=notice.id)
    await query.bot.send_message(query.from_user.id, _(
        "Type the new text for notice #{id}. Its translations will be removed (they would be out of "
        "date).").format(id=notice.id))


@staff_router.callback_query(NoticeCB.filter(~F.action.in_({"ack", "read"})))
async def stale_notice_button(query: CallbackQuery) -> None:
    await query.answer(_("This button is no longer active."), show_alert=True)


@router.callback_query(NoticeCB.filter(F.action.in_({"ack", "read"})))
async def on_ack_button(query: CallbackQuery, callback_data: NoticeCB, session: AsyncSession,
                        person: Person | None, clock: Clock) -> None:
    """"I have read this" under a notice (and its "✅ Read" once pressed)."""
    if person is None:
        await query.answer(refusal("not_registered"), show_alert=True)
        return
    if callback_data.action == "read":
        await query.answer(_("Already noted. Thank you!"))
        return
    try:
        first = await notices.ack(session, callback_data.id, person, clock.now())
    except DomainError as e:
        await query.answer(refusal(e.code, **e.params), show_alert=True)
        return
    await session.commit()
    await query.answer(_("Thank you, noted.") if first else _("Already noted. Thank you!"))
    await edit_markup(query.message, InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(
        text=_("✅ Read"), callback_data=NoticeCB(action="read", id=callback_data.id).pack())]]))


@router.callback_query(NoticeCB.filter())
@router.callback_query(ComposeCB.filter())
async def not_for_you(query: CallbackQuery) -> None:
    """A staff button pressed by someone the staff router did not let in (a forged or forwarded press)."""
    await query.answer(refusal("forbidden"), show_alert=True)


@router.message(Command("notice", "notices"))
async def not_yours_to_send(message: Message) -> None:
    await message.answer(refusal("forbidden"))


@staff_router.message(StateFilter(N.edit_time), NotCommand())
async def on_edit_time(message: Message, state: FSMContext, session: AsyncSession, actor: Actor,
                       clock: Clock) -> None:
    data = await state.get_data()
    now = clock.now()
    try:
        notice = await notices.editable(session, actor, data.get("edit_id", -1))
        if await notices.has_gone_out(session, notice.id):
            raise DomainError("notice_started")
        at = notices.parse_when(message.text, now, notice.timezone)
        if notice.repeat_until is not None and at >= notice.repeat_until:
            raise DomainError("until_before")
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params))
        if e.code in ("not_found", "already_done", "forbidden", "notice_started"):
            await state.clear()
        return
    await notices.unschedule(session, notice, now)
    notice.first_at = at
    schedule_send(session, notice, at, now)
    audit(session, actor_id=actor.person_id, action="edit_notice_time", at=now, notice=notice.id)
    await session.commit()
    await state.clear()
    await message.answer(_("Notice #{id} is now scheduled: {when}.").format(id=notice.id, when=_when_text(notice)))


@staff_router.message(StateFilter(N.edit), NotCommand())
async def on_edit_text(message: Message, state: FSMContext, session: AsyncSession, actor: Actor,
                       clock: Clock) -> None:
    data = await state.get_data()
    try:
        notice = await notices.editable(session, actor, data.get("edit_id", -1))
        text = notices.clean_text(message.text, caption=notice.media is not None)
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params))
        if e.code not in ("notice_empty", "notice_too_long"):
            await state.clear()
        return
    notice.text, notice.translations = text, {}
    audit(session, actor_id=actor.person_id, action="edit_notice", at=clock.now(), notice=notice.id)
    await session.commit()
    await state.clear()
    await message.answer(_("Notice #{id} now reads:\n{text}").format(id=notice.id, text=text))


# --- residents ---------------------------------------------------------------------------------------------

@router.message(ButtonText("notices"))
async def on_notices_button(message: Message, session: AsyncSession, person: Person | None, clock: Clock) -> None:
    if person is None or person.household_id is None:
        await message.answer(refusal("not_registered"))
        return
    now = clock.now()
    rows = await notices.latest_for(session, person, now - timedelta(days=7), now)
    if not rows:
        await message.answer(_("No notices for you yet. When the community sends one, it appears here."))
        return
    await message.answer(_("The latest notices for you:"))
    for notice, send, delivery in rows:
        markup = None
        if notice.ack_required and delivery is not None and delivery.acked_at is None:
            markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(
                text=_("✅ I have read this"), callback_data=NoticeCB(action="ack", id=send.id).pack())]])
        await message.answer(notice_messages.notice_text(notice, person.locale), reply_markup=markup)


# ---- group chats: staff bind a building's group to a place; its notices are posted there ---------------------

@group_router.message(Command("bind"))
async def cmd_bind(message: Message, session: AsyncSession, actor: Actor) -> None:
    """Staff bind this group to their community, a grid or a building: its notices come here too."""
    options = await notices.bind_options(session, actor)
    if not options:
        await message.reply(_("Only community staff of this area can bind a group."))
        return
    loc = get_i18n().current_locale
    icons = {"c": "🏘", "g": "🗺", "b": "🏢"}
    rows = [[InlineKeyboardButton(text=f"{icons[kind]} {place.label(loc)}",
                                  callback_data=BindCB(kind=kind, id=pid).pack())] for kind, pid, place in options[:40]]
    await message.reply(_("Which place is this group for? Notices for it will be posted here."),
                        reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


@group_router.callback_query(BindCB.filter())
async def on_bind(query: CallbackQuery, callback_data: BindCB, session: AsyncSession, actor: Actor,
                  clock: Clock) -> None:
    chat = query.message.chat if query.message else None
    if chat is None or chat.type not in ("group", "supergroup"):
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    try:
        _group, place = await notices.bind_group(session, actor, chat.id, chat.title or "", callback_data.kind,
                                                callback_data.id, get_i18n().current_locale, clock.now())
    except DomainError as e:
        await query.answer(refusal(e.code), show_alert=True)
        return
    audit(session, actor_id=actor.person_id, action="bind_group", at=clock.now(), chat=chat.id,
          kind=callback_data.kind, place=callback_data.id)
    await session.commit()
    await query.answer()
    await edit_text(query.message, _("✅ This group now receives the community's notices for {place}.").format(
        place=place.label(get_i18n().current_locale)))


@group_router.message(Command("unbind"))
async def cmd_unbind(message: Message, session: AsyncSession, actor: Actor, clock: Clock) -> None:
    try:
        await notices.unbind_group(session, actor, message.chat.id)
    except DomainError as e:
        await message.reply(refusal(e.code) if e.code != "forbidden" else
                            _("Only community staff of this area can bind a group."))
        return
    audit(session, actor_id=actor.person_id, action="unbind_group", at=clock.now(), chat=message.chat.id)
    await session.commit()
    await message.reply(_("This group will no longer receive the community's notices."))


@group_router.my_chat_member()
async def on_membership(event: ChatMemberUpdated, session: AsyncSession) -> None:
    """Removed from a group: its binding stops, so notices are not sent into the void."""
    if event.chat.type in ("group", "supergroup") and event.new_chat_member.status in ("left", "kicked"):
        await notices.group_left(session, event.chat.id)

"""/feedback: a suggestion, a question or a complaint — optionally anonymous, optionally with photos — that
becomes a case staff answer (the case engine's buttons, /inbox); the resident reads the answer and says
whether it helped.

```mermaid
stateDiagram-v2
    [*] --> category: /feedback, or "✉️ Feedback or a complaint" under "💬 Someone to talk to"
    category --> subject: a complaint about a community worker or a volunteer
    subject --> details: who it is about typed (or Skip)
    category --> details: a suggestion, a question, a complaint about a service
    details --> details: words, photos (up to 5)
    details --> anonymous: ➡️ Send
    anonymous --> [*]: F-0003 opened (grid staff told; a complaint about a person: the community's admins only)
```
Everything entered is kept in the conversation until the last press; a bad answer re-asks that step only.
"""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.cases import rules as cases
from bot.cases import workflow as case_workflow
from bot.config import Settings
from bot.feedback import messages as feedback_messages
from bot.feedback import rules as feedback
from bot.feedback.callbacks import FeedbackCB
from bot.kernel.errors import DomainError
from bot.kernel.permissions import Actor
from bot.kernel.structure import home_of
from bot.platform.clock import Clock
from bot.platform.i18n import N_, _, get_i18n
from bot.telegram.commands import CommandEntry
from bot.telegram.filters import NotCommand, Private
from bot.telegram.routing import RouterTemplate
from bot.telegram.ui import collect_photo, collect_words, edit_markup, finish_pressed_step, refusal, show_menu
from handlers.menu import menu_for
from models import Person

router = RouterTemplate("feedback")
router.message.filter(Private())

COMMANDS = (CommandEntry("feedback", N_("A suggestion, a question or a complaint")),)


class Fb(StatesGroup):
    category = State()
    subject = State()
    details = State()
    anonymous = State()


def _kb(rows: list[list[tuple[str, str, str]]]) -> InlineKeyboardMarkup:
    out = [[InlineKeyboardButton(text=t, callback_data=FeedbackCB(step=s, value=v).pack()) for t, s, v in row]
           for row in rows]
    out.append([InlineKeyboardButton(text=_("✖️ Cancel"), callback_data=FeedbackCB(step="cancel").pack())])
    return InlineKeyboardMarkup(inline_keyboard=out)


def send_kb() -> InlineKeyboardMarkup:
    return _kb([[(_("➡️ Send"), "done", "")]])


async def _begin(send, state: FSMContext, session: AsyncSession, person: Person | None) -> None:
    _community, building, _household = await home_of(session, person)
    if person is None or building is None:
        await send(refusal("not_registered"))
        return
    await state.set_state(Fb.category)
    await state.set_data({"photos": []})
    loc = get_i18n().current_locale
    await send(_("What would you like to tell the community? Staff read every message and answer here."),
               reply_markup=_kb([[(feedback_messages.category_label(loc, c), "cat", c)] for c in feedback.CATEGORIES]))


@router.message(Command("feedback"))
async def cmd_feedback(message: Message, state: FSMContext, session: AsyncSession, person: Person | None) -> None:
    await _begin(message.answer, state, session, person)


@router.callback_query(FeedbackCB.filter(F.step == "start"))
async def on_start(query: CallbackQuery, state: FSMContext, session: AsyncSession, person: Person | None) -> None:
    await query.answer()
    await _begin(lambda text, **kw: query.bot.send_message(query.from_user.id, text, **kw), state, session, person)


@router.callback_query(FeedbackCB.filter(F.step == "cancel"), StateFilter(Fb))
async def on_cancel(query: CallbackQuery, state: FSMContext, session: AsyncSession, person: Person | None,
                    actor: Actor, clock: Clock, settings: Settings) -> None:
    await query.answer()
    await state.clear()
    await edit_markup(query.message, None)
    await query.bot.send_message(query.from_user.id, _("Cancelled. Nothing was sent."),
                                 reply_markup=await menu_for(session, person, actor, clock, settings))


@router.callback_query(FeedbackCB.filter(F.step == "cat"), StateFilter(Fb.category))
async def on_category(query: CallbackQuery, callback_data: FeedbackCB, state: FSMContext) -> None:
    try:
        category = feedback.category(callback_data.value)
    except DomainError as e:
        await query.answer(refusal(e.code), show_alert=True)
        return
    await query.answer()
    await edit_markup(query.message, None)
    await state.update_data(category=category)
    if feedback.about_a_person(category):
        await state.set_state(Fb.subject)
        await query.bot.send_message(query.from_user.id, _(
            "Who is it about? Type a name or describe them (for example: the grid worker of Building 3). The person "
            "you complain about will never see your message or who sent it."),
            reply_markup=_kb([[(_("Skip"), "skip", "")]]))
        return
    await _ask_details(query.bot, query.from_user.id, state)


@router.message(StateFilter(Fb.subject), NotCommand())
async def on_subject(message: Message, state: FSMContext) -> None:
    try:
        subject = feedback.clean_subject(message.text)
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params))
        return
    await state.update_data(subject=subject)
    await _ask_details(message.bot, message.chat.id, state)


@router.callback_query(FeedbackCB.filter(F.step == "skip"), StateFilter(Fb.subject))
async def on_skip_subject(query: CallbackQuery, state: FSMContext) -> None:
    await query.answer()
    await edit_markup(query.message, None)
    await _ask_details(query.bot, query.from_user.id, state)


async def _ask_details(bot, chat_id: int, state: FSMContext) -> None:
    await state.set_state(Fb.details)
    await bot.send_message(chat_id, _("Write your message (up to {max} characters); you can send photos too. Press "
                                      "➡️ Send when you are done.").format(max=cases.NOTE_MAX), reply_markup=send_kb())


@router.message(StateFilter(Fb.details), F.photo)
async def on_photo(message: Message, state: FSMContext) -> None:
    await collect_photo(message, state, max_photos=cases.PHOTOS_MAX, note_max=cases.NOTE_MAX, markup=send_kb(),
                        added=_("Photo {n} added. Anything else? Press ➡️ Send when you are done."))


@router.message(StateFilter(Fb.details), NotCommand())
async def on_words(message: Message, state: FSMContext) -> None:
    await collect_words(message, state, note_max=cases.NOTE_MAX, markup=send_kb(),
                        added=_("Added. Anything else? Press ➡️ Send when you are done."),
                        empty=refusal("feedback_empty"))


@router.callback_query(FeedbackCB.filter(F.step == "done"), StateFilter(Fb.details))
async def on_done(query: CallbackQuery, state: FSMContext) -> None:
    data = await state.get_data()
    if not data.get("note") and not data.get("photos"):
        await query.answer(refusal("feedback_empty"), show_alert=True)
        return
    await query.answer()
    await edit_markup(query.message, None)
    await state.set_state(Fb.anonymous)
    await query.bot.send_message(query.from_user.id, _(
        "Should the staff see your name and phone with this message? They may want to call you back."),
        reply_markup=_kb([[(_("👤 Yes, show my name"), "anon", "no")],
                          [(_("🕶 No, stay anonymous to staff"), "anon", "yes")]]))


@router.callback_query(FeedbackCB.filter(F.step == "anon"), StateFilter(Fb.anonymous))
async def on_anonymous(query: CallbackQuery, callback_data: FeedbackCB, state: FSMContext, session: AsyncSession,
                       person: Person | None, actor: Actor, clock: Clock, settings: Settings) -> None:
    data = await state.get_data()

    async def act() -> cases.Reported:
        if person is None or callback_data.value not in ("yes", "no"):
            raise DomainError("bad_step")
        category = feedback.category(data.get("category", ""))
        subject = data.get("subject")
        community, _b, _h = await home_of(session, person)
        hidden = await feedback.named_in(session, community.id, subject) if subject and community else ()
        note = "\n".join(x for x in ("👤 " + subject if subject else None, data.get("note")) if x) or None
        report = cases.Report(kind=feedback.KIND, category=category, place=None, note=note,
                              photos=tuple(data.get("photos", [])), anonymous=callback_data.value == "yes",
                              hidden_from=tuple(h for h in hidden if h != person.id))
        return await case_workflow.reported(session, person, report, settings, clock.now())

    r = await finish_pressed_step(query, state, session, act)
    if r is None:
        return
    who = (_("the community's admins") if feedback.about_a_person(r.case.category)
           else _("the community workers of your grid"))
    text = _("✅ Sent as {ref} to {who}. You will read their answer here.").format(ref=r.case.ref, who=who)
    if callback_data.value == "yes":
        text += "\n" + _("They will not see who you are.")
    await show_menu(query.message, person, actor, text, markup=await menu_for(session, person, actor, clock, settings))


@router.callback_query(FeedbackCB.filter(), StateFilter(Fb))
@router.callback_query(FeedbackCB.filter())
async def stale(query: CallbackQuery) -> None:
    await query.answer(_("This button is no longer active."), show_alert=True)


@router.message(StateFilter(Fb.category, Fb.anonymous), NotCommand())
async def press_a_button(message: Message) -> None:
    await message.answer(_("Please press one of the buttons above. (Type /cancel to stop.)"))

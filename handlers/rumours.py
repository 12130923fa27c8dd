"""“❓ Is it true?” and /check for residents; /rumours for staff (the review queue).

Residents: a resident sends or forwards a text and gets the library's closest entries, each
with its verdict, correction and source, in their language; a question the library cannot answer waits for
the community staff.

```mermaid
stateDiagram-v2
    [*] --> asking: "❓ Is it true?" or /check
    [*] --> answered: /check TEXT
    asking --> answered: a text or a forwarded message
    answered --> [*]: entries shown (or: kept for the staff)
```
Staff: /rumours lists what was asked this week and the questions nobody could answer, oldest first; for each,
"🔗 Link an entry" (the library's closest, as buttons), "✍️ Write an entry" (verdict -> correction -> source)
or "✖️ Not a rumour". An answer goes to everyone who asked that question or one like it.
"""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.kernel.audit import audit
from bot.kernel.errors import DomainError
from bot.kernel.permissions import Actor
from bot.notices import rules as notices_rules
from bot.platform.clock import Clock
from bot.platform.i18n import N_, _, duration, get_i18n
from bot.rumours import messages as rumour_messages
from bot.rumours import rules as rumours
from bot.rumours import workflow as rumours_workflow
from bot.rumours.callbacks import DigestCB, EntryCB, ReviewCB
from bot.telegram.commands import CommandEntry
from bot.telegram.filters import ButtonText, InGroup, NotCommand, Private
from bot.telegram.routing import RouterTemplate, gated
from bot.telegram.routing import refusals as refusals_router
from bot.telegram.ui import act_on_press, edit_markup, edit_text, finish_typed_step, refusal, send_long
from models import Person
from models.rumours import VERDICTS, RumourEntry

router = RouterTemplate("rumours")
router.message.filter(Private())
staff_router = gated("rumours-staff", rumours.may_keep_library)  # community workers and admins
group_router = RouterTemplate("rumours-groups")  # /rumourwatch, and the watch itself
group_router.message.filter(InGroup())
refusals = refusals_router("rumours-others", commands=("rumours",), buttons=(ReviewCB, EntryCB))

COMMANDS = (
    CommandEntry("check", N_("Is it true? Check what you heard")),
    CommandEntry("rumours", N_("Questions about rumours waiting for an answer"), rumours.KEEPER_ROLES),
)


class Rm(StatesGroup):
    asking = State()
    correction = State()
    source = State()
    phrase = State()
    correct = State()
    publish_at = State()


def _digest_kb(on: bool) -> InlineKeyboardMarkup:
    """One explicit button: what it does, not a toggle (pressed twice, it does it once)."""
    button = (InlineKeyboardButton(text=_("🔕 Stop the weekly digest"), callback_data=DigestCB(on=False).pack())
              if on else InlineKeyboardButton(text=_("🔔 Send me the weekly digest"),
                                              callback_data=DigestCB(on=True).pack()))
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


@router.message(ButtonText("rumour"))
async def start_check(message: Message, state: FSMContext, session: AsyncSession, person: Person | None) -> None:
    await state.set_state(Rm.asking)
    markup = _digest_kb(await rumours.subscribed(session, person)) if person and person.household_id else None
    await message.answer(_("Send me what you heard or read, in your own words, or forward the message here. "
                           "I will tell you what the authorities say about it.\n\nEvery week I can also send you "
                           "the rumours checked that week."), reply_markup=markup)


@router.callback_query(DigestCB.filter())
async def on_digest(query: CallbackQuery, callback_data: DigestCB, session: AsyncSession, person: Person | None,
                    clock: Clock, settings: Settings) -> None:
    try:
        on = await rumours_workflow.digest_switched(session, person, callback_data.on, settings, clock.now())
    except DomainError as e:
        await query.answer(refusal(e.code), show_alert=True)
        return
    await session.commit()
    await query.answer(_("You will get the weekly digest.") if on else _("No more weekly digest."))
    await edit_markup(query.message, _digest_kb(on))


@router.message(Command("check"))
async def check_now(message: Message, command: CommandObject, state: FSMContext, session: AsyncSession,
                    person: Person | None, clock: Clock) -> None:
    """`/check TEXT` answers at once; `/check` alone asks for the text."""
    if not (command.args or "").strip():
        await start_check(message, state, session, person)
        return
    await _answer(message, state, session, person, clock, command.args)


@router.message(StateFilter(Rm.asking), NotCommand())
async def on_question(message: Message, state: FSMContext, session: AsyncSession, person: Person | None,
                      clock: Clock) -> None:
    await _answer(message, state, session, person, clock, message.text or message.caption)


async def _answer(message: Message, state: FSMContext, session: AsyncSession, person: Person | None, clock: Clock,
                  text: str | None) -> None:
    try:
        answer = await rumours.ask(session, person, text, clock.now())
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params))
        return
    await session.commit()
    await state.clear()
    loc = get_i18n().current_locale
    parts = [rumour_messages.entry_text(loc, entry) for _hit, entry in answer.hits]
    if answer.answered:
        head = _("Here is what the authorities say:")
    elif parts:
        head = _("I am not sure these are about the same thing. Your question is noted for the community staff.")
    else:
        head = _("I do not know this one yet, and your question is noted for the community staff. Until they "
                 "answer, trust only official notices.")
    if not answer.answered and person is not None:
        head += " " + _("You will be told when they answer.")
    await send_long(message.bot, message.chat.id, "\n\n".join([head, *parts]))


# ---- staff: the review queue ----------------------------------------------------------------------------------

def _review_kb(q_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=_("🔗 Link an entry"), callback_data=ReviewCB(action="link", id=q_id).pack()),
         InlineKeyboardButton(text=_("✍️ Write an entry"), callback_data=ReviewCB(action="write", id=q_id).pack())],
        [InlineKeyboardButton(text=_("✖️ Not a rumour"), callback_data=ReviewCB(action="close", id=q_id).pack())]])


@staff_router.message(Command("rumours"))
async def cmd_rumours(message: Message, command: CommandObject, session: AsyncSession, actor: Actor,
                      clock: Clock) -> None:
    """`/rumours`: the review queue; `/rumours TEXT`: the library's closest entries, to open and keep."""
    if (command.args or "").strip():
        await _search(message, session, actor, command.args)
        return
    now = clock.now()
    counts = await rumours.weekly_counts(session, actor, now)
    shown, total = await rumours.open_questions(session, actor)
    audit(session, actor_id=actor.person_id, action="read_rumour_questions", at=now, count=len(shown))
    await session.commit()
    await message.answer(_("Questions asked, this week and the three before: {counts}. Waiting for an answer: {n}.")
                         .format(counts=" · ".join(str(c) for c in counts), n=total))
    loc = get_i18n().current_locale
    for q in shown:
        await message.answer(_("Asked {age} ago: «{text}»").format(
            age=duration(loc, now - q.created_at), text=q.text[:1500]), reply_markup=_review_kb(q.id))


async def _question(query: CallbackQuery, session: AsyncSession, actor: Actor, q_id: int):
    try:
        return await rumours.question_to_answer(session, actor, q_id)
    except DomainError as e:
        await edit_markup(query.message, None)
        await query.answer(refusal(e.code), show_alert=True)
        return None


@staff_router.callback_query(ReviewCB.filter(F.action == "link"))
async def on_link(query: CallbackQuery, callback_data: ReviewCB, session: AsyncSession, actor: Actor) -> None:
    """The library's closest entries for this question, one button each."""
    q = await _question(query, session, actor, callback_data.id)
    if q is None:
        return
    index, entries = await rumours.index_for(session, q.community_id)
    hits = index.match(q.text, limit=5)
    if not hits:
        await query.answer(_("Nothing in the library is close. Write an entry instead."), show_alert=True)
        return
    await query.answer()
    loc = get_i18n().current_locale
    rows = [[InlineKeyboardButton(
        text=f"{h.score:.2f} · {rumour_messages.verdict_words(loc, entries[h.entry_id].verdict)} · {h.phrasing}"[:60],
        callback_data=ReviewCB(action="use", id=q.id, entry=h.entry_id).pack())] for h in hits]
    await query.bot.send_message(query.from_user.id, _("Which entry answers it?"),
                                 reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


@staff_router.callback_query(ReviewCB.filter(F.action == "use"))
async def on_use(query: CallbackQuery, callback_data: ReviewCB, session: AsyncSession, actor: Actor,
                 clock: Clock) -> None:
    q = await _question(query, session, actor, callback_data.id)
    if q is None:
        return
    try:
        entry = await rumours.usable_entry(session, actor, callback_data.entry, q.community_id)
    except DomainError as e:
        await query.answer(refusal(e.code), show_alert=True)
        return
    told = await rumours_workflow.answered(session, q, entry, actor, clock.now())
    await session.commit()
    await query.answer()
    await edit_text(query.message, _("Answered. {n} people who asked it, or something like it, are being told.")
                    .format(n=told))


@staff_router.callback_query(ReviewCB.filter(F.action == "close"))
async def on_close(query: CallbackQuery, callback_data: ReviewCB, session: AsyncSession, actor: Actor,
                   clock: Clock) -> None:
    if not await act_on_press(query, session, lambda: rumours.close_question(session, actor, callback_data.id,
                                                                            clock.now())):
        return
    await query.answer(_("Closed."))
    await edit_markup(query.message, None)


@staff_router.callback_query(ReviewCB.filter(F.action == "write"))
async def on_write(query: CallbackQuery, callback_data: ReviewCB, state: FSMContext, session: AsyncSession,
                   actor: Actor) -> None:
    q = await _question(query, session, actor, callback_data.id)
    if q is None:
        return
    await query.answer()
    loc = get_i18n().current_locale
    rows = [[InlineKeyboardButton(text=rumour_messages.verdict_words(loc, v),
                                  callback_data=ReviewCB(action="verdict", id=q.id, value=v).pack())]
            for v in VERDICTS]
    await state.clear()
    await query.bot.send_message(query.from_user.id, _("«{text}» — what is it?").format(text=q.text[:500]),
                                 reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


@staff_router.callback_query(ReviewCB.filter(F.action == "verdict"))
async def on_verdict(query: CallbackQuery, callback_data: ReviewCB, state: FSMContext, session: AsyncSession,
                     actor: Actor) -> None:
    q = await _question(query, session, actor, callback_data.id)
    if q is None:
        return
    if callback_data.value not in VERDICTS:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    await query.answer()
    await edit_markup(query.message, None)
    await state.set_state(Rm.correction)
    await state.update_data(question=q.id, verdict=callback_data.value)
    await query.bot.send_message(query.from_user.id, _(
        "Write the correction in plain words, as the neighbours will read it (one message)."))


@staff_router.message(StateFilter(Rm.correction), NotCommand())
async def on_correction(message: Message, state: FSMContext) -> None:
    try:
        correction = rumours.clean_correction(message.text)
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params))
        return
    await state.update_data(correction=correction)
    await state.set_state(Rm.source)
    await message.answer(_("Name the source: the authority, and its link at the end if there is one."))


@staff_router.message(StateFilter(Rm.source), NotCommand())
async def on_source(message: Message, state: FSMContext, session: AsyncSession, actor: Actor, clock: Clock) -> None:
    data = await state.get_data()
    loc = get_i18n().current_locale

    async def act() -> str:
        source = rumours.clean_source(message.text)
        q = await rumours.question_to_answer(session, actor, data.get("question", 0))
        entry = await rumours.write_entry(session, actor, q, data.get("verdict", ""), data.get("correction", ""),
                                          source, loc, clock.now())
        told = await rumours_workflow.answered(session, q, entry, actor, clock.now())
        return _("Saved in the library. {n} people who asked it, or something like it, are being told.").format(
            n=told)

    await finish_typed_step(message, state, session, act)


# ---- group chats: the watch -----------------------------------------------------------------------------------

@group_router.message(Command("rumourwatch"))
async def cmd_watch(message: Message, command: CommandObject, session: AsyncSession, actor: Actor,
                    clock: Clock, settings: Settings) -> None:
    """`/rumourwatch on|off`, by staff of the group's place, in a group bound with /bind."""
    arg = (command.args or "").strip().lower()
    if arg not in ("on", "off"):
        await message.reply(_("Write /rumourwatch on or /rumourwatch off."))
        return
    try:
        group = await rumours.set_watch(session, actor, message.chat.id, arg == "on", clock.now())
        if arg == "on":
            await rumours_workflow.ensure_digest(session, group.community_id, settings, clock.now())
    except DomainError as e:
        await message.reply(refusal(e.code) if e.code != "forbidden" else
                            _("Only community staff of this area can switch the rumour watch."))
        return
    await session.commit()
    await message.reply(_("Rumour watch is on: when someone here repeats a rumour the authorities have corrected, I "
                          "will reply once a day with the correction. (I must be a group admin, or have privacy mode "
                          "off, to see the messages.)") if arg == "on" else _("Rumour watch is off."))


@group_router.message(NotCommand())
async def watch(message: Message, session: AsyncSession, actor: Actor, clock: Clock, settings: Settings) -> None:
    """A group message: answered only with a correction the watch is sure of; otherwise left alone."""
    found = await rumours.group_correction(session, message.chat.id, actor, message.text or message.caption,
                                           clock.now(), settings.timezone)
    if found is None:
        return
    entry, group = found
    await session.commit()
    loc = group.locale or settings.default_locale
    await message.reply("ℹ️ " + rumour_messages.entry_text(loc, entry))


# ---- staff: keeping the library -------------------------------------------------------------------------------

async def _search(message: Message, session: AsyncSession, actor: Actor, text: str) -> None:
    index, entries = await rumours.index_for(session, rumours.home_community(actor))
    hits = index.match(text, limit=5)
    if not hits:
        await message.answer(_("Nothing in the library is close."))
        return
    loc = get_i18n().current_locale
    rows = [[InlineKeyboardButton(
        text=f"#{h.entry_id} · {rumour_messages.verdict_words(loc, entries[h.entry_id].verdict)} · {h.phrasing}"[:60],
        callback_data=EntryCB(action="open", id=h.entry_id).pack())] for h in hits]
    await message.answer(_("The closest entries:"), reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


def _entry_kb(entry_id: int) -> InlineKeyboardMarkup:
    def b(text: str, action: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(text=text, callback_data=EntryCB(action=action, id=entry_id).pack())

    return InlineKeyboardMarkup(inline_keyboard=[
        [b(_("➕ Another phrasing"), "phrase"), b(_("🌐 Correction in my language"), "correct")],
        [b(_("📢 Publish now"), "publish"), b(_("🕗 Publish later"), "later")],
        [b(_("🗑 Withdraw"), "withdraw")]])


async def _editable(query: CallbackQuery, session: AsyncSession, actor: Actor, entry_id: int):
    try:
        return await rumours.editable_entry(session, actor, entry_id)
    except DomainError as e:
        await query.answer(refusal(e.code), show_alert=True)
        return None


@staff_router.callback_query(EntryCB.filter(F.action == "open"))
async def on_open(query: CallbackQuery, callback_data: EntryCB, session: AsyncSession, actor: Actor) -> None:
    """An entry as residents read it in the staff member's language, with every phrasing, and its buttons
    (only to those who may keep it)."""
    entry = await session.get(RumourEntry, callback_data.id)
    if entry is None or entry.status != "active":
        await query.answer(refusal("not_found"), show_alert=True)
        return
    await query.answer()
    loc = get_i18n().current_locale
    phrasings = "\n".join(f"• {p}" for ps in entry.claims.values() for p in ps)
    text = f"#{entry.id}\n" + rumour_messages.entry_text(loc, entry) + "\n\n" + phrasings
    await send_long(query.bot, query.from_user.id, text[:4000],
                    _entry_kb(entry.id) if rumours.may_edit(actor, entry) else None)


@staff_router.callback_query(EntryCB.filter(F.action.in_(("phrase", "correct"))))
async def on_ask_words(query: CallbackQuery, callback_data: EntryCB, state: FSMContext, session: AsyncSession,
                       actor: Actor) -> None:
    """Two buttons that need words next: a phrasing, a correction."""
    if await _editable(query, session, actor, callback_data.id) is None:
        return
    await query.answer()
    await state.set_state(Rm.phrase if callback_data.action == "phrase" else Rm.correct)
    await state.update_data(entry=callback_data.id)
    await query.bot.send_message(query.from_user.id, _(
        "Type another way people say this claim, as they would write it.") if callback_data.action == "phrase"
        else _("Type the correction in your language, in plain words."))


@staff_router.callback_query(EntryCB.filter(F.action.in_(("publish", "later"))))
async def on_publish_to_whom(query: CallbackQuery, callback_data: EntryCB, session: AsyncSession,
                             actor: Actor) -> None:
    """Publishing asks to whom first: the whole of the staff member's area, or one of its buildings."""
    try:
        await rumours.usable_for_publishing(session, actor, callback_data.id)
    except DomainError as e:
        await query.answer(refusal(e.code), show_alert=True)
        return
    await query.answer()
    loc = get_i18n().current_locale
    then = "to_now" if callback_data.action == "publish" else "to_later"
    rows = [[InlineKeyboardButton(text=_("🏘 My whole area"),
                                  callback_data=EntryCB(action=then, id=callback_data.id).pack())]]
    rows += [[InlineKeyboardButton(text="🏢 " + b.label(loc), callback_data=EntryCB(
        action=then, id=callback_data.id, b=b.id).pack())] for b in (await rumours_workflow.audience_choices(
            session, actor))[:30]]
    await query.bot.send_message(query.from_user.id, _("To whom?"),
                                 reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


@staff_router.callback_query(EntryCB.filter(F.action == "to_later"))
async def on_later(query: CallbackQuery, callback_data: EntryCB, state: FSMContext, session: AsyncSession,
                   actor: Actor) -> None:
    try:
        await rumours.usable_for_publishing(session, actor, callback_data.id)
    except DomainError as e:
        await query.answer(refusal(e.code), show_alert=True)
        return
    await query.answer()
    await edit_markup(query.message, None)
    await state.set_state(Rm.publish_at)
    await state.update_data(entry=callback_data.id, building=callback_data.b)
    await query.bot.send_message(query.from_user.id, _(
        "When? Type a time like 18:30, or a date and time like 11-24 09:00."))


@staff_router.message(StateFilter(Rm.phrase), NotCommand())
async def on_phrase(message: Message, state: FSMContext, session: AsyncSession, actor: Actor, clock: Clock) -> None:
    data, loc = await state.get_data(), get_i18n().current_locale

    async def act() -> str:
        entry = await rumours.add_phrasing(session, actor, data.get("entry", 0), loc, message.text, clock.now())
        return _("Saved: #{id} is now recognised when people say it that way.").format(id=entry.id)

    await finish_typed_step(message, state, session, act)


@staff_router.message(StateFilter(Rm.correct), NotCommand())
async def on_correct(message: Message, state: FSMContext, session: AsyncSession, actor: Actor, clock: Clock) -> None:
    data, loc = await state.get_data(), get_i18n().current_locale

    async def act() -> str:
        entry = await rumours.set_correction(session, actor, data.get("entry", 0), loc, message.text, clock.now())
        return _("Saved: the correction of #{id} in your language.").format(id=entry.id)

    await finish_typed_step(message, state, session, act)


@staff_router.callback_query(EntryCB.filter(F.action == "withdraw"))
async def on_withdraw(query: CallbackQuery, callback_data: EntryCB, session: AsyncSession, actor: Actor) -> None:
    if await _editable(query, session, actor, callback_data.id) is None:
        return
    await query.answer()
    await query.bot.send_message(query.from_user.id, _(
        "Withdraw #{id}? It will no longer answer anyone's question or be posted in groups.").format(
            id=callback_data.id), reply_markup=InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(
                text=_("Yes"), callback_data=EntryCB(action="sure", id=callback_data.id).pack())]]))


@staff_router.callback_query(EntryCB.filter(F.action == "sure"))
async def on_withdraw_sure(query: CallbackQuery, callback_data: EntryCB, session: AsyncSession, actor: Actor,
                           clock: Clock) -> None:
    if not await act_on_press(query, session, lambda: rumours.withdraw(session, actor, callback_data.id, clock.now())):
        return
    await query.answer()
    await edit_text(query.message, _("#{id} is withdrawn.").format(id=callback_data.id))


@staff_router.callback_query(EntryCB.filter(F.action == "to_now"))
async def on_publish(query: CallbackQuery, callback_data: EntryCB, session: AsyncSession, actor: Actor,
                     clock: Clock, settings: Settings) -> None:
    now = clock.now()
    try:
        notice = await rumours_workflow.published(session, actor, callback_data.id, settings, now, now,
                                                  buildings=[callback_data.b] if callback_data.b else None)
    except DomainError as e:
        await query.answer(refusal(e.code, **e.params), show_alert=True)
        return
    await session.commit()
    await query.answer()
    await edit_text(query.message, _("Published as notice #{id}: it is on its way.").format(id=notice.id))


@staff_router.message(StateFilter(Rm.publish_at), NotCommand())
async def on_publish_at(message: Message, state: FSMContext, session: AsyncSession, actor: Actor, clock: Clock,
                        settings: Settings) -> None:
    data, now = await state.get_data(), clock.now()

    async def act() -> str:
        at = notices_rules.parse_when(message.text, now, settings.timezone)
        building = data.get("building") or 0
        notice = await rumours_workflow.published(session, actor, data.get("entry", 0), settings, at, now,
                                                  buildings=[building] if building else None)
        return _("Notice #{id} is scheduled. /notices lists, edits and cancels it.").format(id=notice.id)

    await finish_typed_step(message, state, session, act, again=("when_format", "when_past", "when_far"))

"""“💬 Someone to talk to”, and the crisis path.

```mermaid
stateDiagram-v2
    [*] --> support: "💬 Someone to talk to"
    support --> crisis: "🆘 I might hurt myself / I am not safe"
    [*] --> crisis: a message with a clear crisis expression, in any conversation
    crisis --> [*]: the emergency number and the hotline at once; counsellors and duty staff alerted (urgent)
```
The crisis router comes before every capability's (bot/features.py): whatever conversation a resident is in,
words of crisis are answered first, and the conversation stays where it was. The bot never counsels by itself.
"""

from __future__ import annotations

from datetime import timedelta

from aiogram import F
from aiogram.filters import BaseFilter, Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.access.messages import role_label
from bot.config import Settings
from bot.feedback.callbacks import FeedbackCB
from bot.kernel.audit import audit
from bot.kernel.errors import DomainError
from bot.kernel.locale import LANGUAGE_NAMES
from bot.kernel.permissions import Actor, Role, is_admin
from bot.kernel.structure import place_of
from bot.platform.clock import Clock
from bot.platform.i18n import N_, _, get_i18n
from bot.registration.rules import dialable
from bot.support import messages as support_messages
from bot.support import rules as support
from bot.support.callbacks import CallbackCB, ScreenCB, SupportCB
from bot.telegram.commands import CommandEntry
from bot.telegram.filters import ButtonText, NotCommand, Private
from bot.telegram.routing import RouterTemplate, gated
from bot.telegram.routing import refusals as refusals_router
from bot.telegram.ui import act_on_press, edit_markup, edit_text, finish_typed_step, refusal, send_long
from models import Person

crisis = RouterTemplate("support-crisis")
crisis.message.filter(Private())
router = RouterTemplate("support")
router.message.filter(Private())
counsellors = gated("support-counsellors", support.may_counsel)  # counsellors only: not staff, not volunteers
admins = gated("support-admins", is_admin)
editors = gated("support-editors", support.may_edit_self_help)  # counsellors and admins
refusals = refusals_router("support-others", commands=("wellbeing", "selfhelp"), buttons=(CallbackCB,))

COMMANDS = (CommandEntry("wellbeing", N_("Helpers' well-being: counts per role"), (Role.ADMIN,)),
            CommandEntry("selfhelp", N_("Rewrite the self-help texts for my community"), support.EDITOR_ROLES))

# PHQ-2 then GAD-2, worded as the published instruments are (their Chinese versions for zh_Hans and zh_Hant).
QUESTIONS = (N_("Little interest or pleasure in doing things"), N_("Feeling down, depressed, or hopeless"),
             N_("Feeling nervous, anxious, or on edge"), N_("Not being able to stop or control worrying"))
ANSWER_WORDS = (N_("Not at all"), N_("Several days"), N_("More than half the days"), N_("Nearly every day"))


class Sc(StatesGroup):
    answering = State()
    offer = State()


class CrisisWords(BaseFilter):
    """A message (or a photo's caption) with a clear crisis expression, in any of the three languages."""

    async def __call__(self, message: Message, settings: Settings) -> bool:
        return support.is_crisis(message.text or message.caption, settings.support_crisis_file)


async def _crisis(reply, session: AsyncSession, person: Person | None, source: str, clock: Clock,
                  settings: Settings) -> None:
    alert = await support.raise_alert(session, person, source, clock.now(), settings.admin_ids)
    if alert.to:
        await support_messages.crisis_alert(session, person, alert.to, clock.now())
    await session.commit()
    community = alert.community
    emergency = community.emergency_number if community else "120"
    hotline = community.support_hotline if community else "12356"
    text = _("You are not alone, and it matters that you said it.\n"
             "🚨 If you are in danger now, call {emergency}.\n"
             "📞 To talk to someone now, call the psychological assistance hotline {hotline}, any time.").format(
                 emergency=emergency, hotline=hotline)
    if alert.known:
        text += "\n" + _("The community's counsellor and duty staff have been told and will contact you soon.")
    await reply(text)


@crisis.message(CrisisWords())
async def on_crisis_words(message: Message, session: AsyncSession, person: Person | None, clock: Clock,
                          settings: Settings) -> None:
    """Answered before anything else, whatever the conversation; the conversation stays where it was."""
    await _crisis(message.answer, session, person, "words", clock, settings)


def support_kb(settings: Settings, helper: bool = False) -> InlineKeyboardMarkup:
    loc = get_i18n().current_locale
    res = support.resources(settings.support_resources_file)
    rows = []
    if res.get("breathing"):
        rows.append([InlineKeyboardButton(text=str(support.in_language(res["breathing"]["title"], loc)),
                                          callback_data=SupportCB(action="breathe").pack())])
    topics = [InlineKeyboardButton(text=str(support.in_language(t["title"], loc)),
                                   callback_data=SupportCB(action="topic", value=key).pack())
              for key, t in (res.get("topics") or {}).items()]
    rows += [topics[i:i + 2] for i in range(0, len(topics), 2)]
    return InlineKeyboardMarkup(inline_keyboard=[
        *rows,
        [InlineKeyboardButton(text=_("📝 A short check on how I feel (4 questions)"),
                              callback_data=SupportCB(action="screen").pack())],
        *([[InlineKeyboardButton(text=_("📊 My last 7 days"), callback_data=SupportCB(action="load").pack())]]
          if helper else []),
        [InlineKeyboardButton(text=_("✉️ Feedback or a complaint"), callback_data=FeedbackCB(step="start").pack())],
        [InlineKeyboardButton(text=_("🆘 I might hurt myself / I am not safe"),
                              callback_data=SupportCB(action="crisis").pack())]])


@router.message(ButtonText("support"))
async def on_support(message: Message, session: AsyncSession, person: Person | None, actor: Actor,
                     settings: Settings) -> None:
    community = await support.community_of(session, person)
    hotline = community.support_hotline if community else "12356"
    await message.answer(_("💬 Someone to talk to\n"
                           "Feeling worried, alone or low is common in times like these.\n"
                           "📞 The psychological assistance hotline: {hotline} (free, any time).\n"
                           "If you are not safe, press the button below.").format(hotline=hotline),
                         reply_markup=support_kb(settings, helper=support.helper_role(actor) is not None))


@router.callback_query(SupportCB.filter(F.action == "crisis"))
async def on_crisis_button(query: CallbackQuery, callback_data: SupportCB, session: AsyncSession,
                           person: Person | None, clock: Clock, settings: Settings) -> None:
    await query.answer()
    await _crisis(lambda text: query.bot.send_message(query.from_user.id, text), session, person, "button", clock,
                  settings)


# ---- self-help -------------------------------------------------------------------------------------------------

async def _self_help(session: AsyncSession, person: Person | None, settings: Settings) -> dict:
    community = await support.community_of(session, person)
    return await support.self_help(session, community.id if community else None, settings.support_resources_file)


@router.callback_query(SupportCB.filter(F.action == "topic"))
async def on_topic(query: CallbackQuery, callback_data: SupportCB, session: AsyncSession, person: Person | None,
                   settings: Settings) -> None:
    topic = ((await _self_help(session, person, settings)).get("topics") or {}).get(callback_data.value)
    if topic is None:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    await query.answer()
    loc = get_i18n().current_locale
    await query.bot.send_message(query.from_user.id, f"{support.in_language(topic['title'], loc)}\n\n"
                                                     f"{support.in_language(topic['text'], loc)}")


@router.callback_query(SupportCB.filter(F.action == "breathe"))
async def on_breathe(query: CallbackQuery, session: AsyncSession, person: Person | None, clock: Clock,
                     settings: Settings) -> None:
    """Sent step by step, a pause between steps, through the outbox."""
    exercise = (await _self_help(session, person, settings)).get("breathing")
    if person is None or exercise is None:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    await query.answer()
    steps = list(support.in_language(exercise["steps"], get_i18n().current_locale))
    support_messages.breathing(session, person, steps, int(exercise.get("pause_seconds", 8)), clock.now())
    await session.commit()


# ---- the short screening ------------------------------------------------------------------------------------

async def _ask(bot, chat_id: int, q: int) -> None:
    rows = [[InlineKeyboardButton(text=_(w), callback_data=ScreenCB(q=q, value=v).pack())]
            for v, w in enumerate(ANSWER_WORDS)]
    head = _("Over the last 2 weeks, how often have you been bothered by the following?") + "\n\n" if q == 0 else ""
    await bot.send_message(chat_id, head + f"{q + 1}/4 " + _(QUESTIONS[q]),
                           reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


@router.callback_query(SupportCB.filter(F.action == "screen"))
async def on_screen(query: CallbackQuery, state: FSMContext) -> None:
    """Four questions, one tap each; only the two sums are kept."""
    await query.answer()
    await state.set_state(Sc.answering)
    await state.set_data({"answers": []})
    await _ask(query.bot, query.from_user.id, 0)


@router.callback_query(ScreenCB.filter(F.q < 4), StateFilter(Sc.answering))
async def on_answer(query: CallbackQuery, callback_data: ScreenCB, state: FSMContext, session: AsyncSession,
                    person: Person | None, actor: Actor, clock: Clock) -> None:
    answers = list((await state.get_data()).get("answers", []))
    if callback_data.q != len(answers) or callback_data.value not in support.ANSWERS:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    await query.answer()
    await edit_markup(query.message, None)
    answers.append(callback_data.value)
    if len(answers) < 4:
        await state.update_data(answers=answers)
        await _ask(query.bot, query.from_user.id, len(answers))
        return
    phq2, gad2 = support.scores(answers)
    helper = support.helper_role(actor)
    support.record_screening(session, person, phq2, gad2, clock.now(), as_role=helper)
    await session.flush()
    rest = helper is not None and await support.repeatedly_high(session, person, clock.now())
    await session.commit()
    community = await support.community_of(session, person)
    hotline = community.support_hotline if community else "12356"
    if rest:
        await query.bot.send_message(query.from_user.id, _(
            "🛑 This is the second check in a row that shows you are carrying a lot. Please take some rest: tell "
            "the person who coordinates you that you need a break (volunteers: /duty to go off duty), sleep, eat, "
            "and talk to someone you trust."))
    if support.offer_callback(phq2, gad2) and community is not None:
        await state.set_state(Sc.offer)
        await state.set_data({"phq2": phq2, "gad2": gad2})
        await query.bot.send_message(query.from_user.id, _(
            "Thank you for answering. These feelings have been weighing on you, and talking can help. Would you like "
            "a counsellor of your community to call you? It is confidential.\n📞 You can also call {hotline} any "
            "time.").format(hotline=hotline), reply_markup=InlineKeyboardMarkup(inline_keyboard=[
                [InlineKeyboardButton(text=_("📞 Yes, please call me"), callback_data=ScreenCB(q=9, value=1).pack())],
                [InlineKeyboardButton(text=_("No, thank you"), callback_data=ScreenCB(q=9, value=0).pack())]]))
        return
    await state.clear()
    await query.bot.send_message(query.from_user.id, _(
        "Thank you for answering. Your answers do not suggest you need more help right now. If that changes, come "
        "back here or call {hotline} any time.").format(hotline=hotline))


@router.callback_query(ScreenCB.filter(F.q == 9), StateFilter(Sc.offer))
async def on_offer(query: CallbackQuery, callback_data: ScreenCB, state: FSMContext, session: AsyncSession,
                   person: Person | None, clock: Clock) -> None:
    data = await state.get_data()
    await state.clear()
    await edit_markup(query.message, None)
    if not callback_data.value:
        await query.answer()
        await query.bot.send_message(query.from_user.id, _("All right. The hotline is there whenever you need it."))
        return
    try:
        req = await support.request_callback(session, person, data.get("phq2", 0), data.get("gad2", 0), clock.now())
    except DomainError as e:
        await query.answer(refusal(e.code), show_alert=True)
        return
    await support_messages.callback_requested(session, req, await support.counsellors(session, req.community_id),
                                              clock.now())
    await session.commit()
    await query.answer()
    await query.bot.send_message(query.from_user.id, _(
        "Done. A counsellor will take your request; you will be told who will call you."))


# ---- help for the helpers -----------------------------------------------------------------------------------

@router.callback_query(SupportCB.filter(F.action == "load"))
async def on_load(query: CallbackQuery, session: AsyncSession, person: Person | None, actor: Actor,
                  clock: Clock) -> None:
    """A helper's own last 7 days, and the monthly check on or off."""
    if person is None or support.helper_role(actor) is None:
        await query.answer(refusal("helpers_only"), show_alert=True)
        return
    await query.answer()
    load = await support.load(session, person, clock.now())
    on = await support.monthly_check_on(session, person)
    text = _("📊 Your last 7 days: {tasks} tasks done, about {hours} hours on tasks; {in_hand} still in hand; "
             "{cases} cases you acted on.").format(
        tasks=load.tasks_done, hours=f"{load.hours:.1f}", in_hand=load.in_hand, cases=load.cases)
    if load.tasks_done >= support.BUSY_TASKS or load.hours >= support.BUSY_HOURS:
        text += "\n" + _("That is a lot. Rest is part of the work: take a day off when you can.")
    text += "\n" + (_("The monthly well-being check is on.") if on else _("The monthly well-being check is off."))
    toggle = (_("🔕 No more monthly checks"), "off") if on else (_("🔔 Offer me the monthly check"), "on")
    await query.bot.send_message(query.from_user.id, text, reply_markup=InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=toggle[0], callback_data=SupportCB(action="monthly", value=toggle[1]).pack())]]))


@router.callback_query(SupportCB.filter(F.action == "monthly"))
async def on_monthly(query: CallbackQuery, callback_data: SupportCB, session: AsyncSession, person: Person | None,
                     actor: Actor, clock: Clock) -> None:
    if person is None or support.helper_role(actor) is None or callback_data.value not in ("on", "off"):
        await query.answer(refusal("helpers_only"), show_alert=True)
        return
    on = await support.set_monthly_check(session, person, callback_data.value == "on", clock.now())
    await session.commit()
    await query.answer(_("You will be offered the check on the 1st of each month.") if on
                       else _("Done: no more monthly checks. You can take the check any time under 💬 Someone to "
                              "talk to."), show_alert=True)
    await edit_markup(query.message, None)


@admins.message(Command("wellbeing"))
async def cmd_wellbeing(message: Message, session: AsyncSession, actor: Actor, clock: Clock) -> None:
    """Counts per role over 30 days, never who; a count of 1 or 2 is shown as "<3"."""
    now = clock.now()
    communities = None if actor.superadmin else sorted({s.community_id for s in actor.scopes_for([Role.ADMIN])})
    counts = await support.wellbeing_counts(session, communities, now - timedelta(days=30), now)
    audit(session, actor_id=actor.person_id, action="read_wellbeing_counts", at=now)
    await session.commit()
    lines = [_("Helpers' well-being checks, last 30 days (people, never who; 1 or 2 is shown as <3):")]
    for role, c in counts.items():
        lines.append(_("{role}: {took} took the check, {high} scored high, {repeated} scored high twice or more.")
                     .format(role=role_label(role), took=support.shown(c.took),
                             high=support.shown(c.high), repeated=support.shown(c.repeated)))
    await message.answer("\n".join(lines))


# ---- counsellors and admins: the community's own self-help ---------------------------------------------------

class Ed(StatesGroup):
    text = State()


def _split(value: str) -> tuple[str, str]:
    topic, _sep, locale = value.partition("|")
    return topic, locale


@editors.message(Command("selfhelp"))
async def cmd_self_help(message: Message, settings: Settings) -> None:
    """Which text to rewrite: a topic, or the breathing exercise's steps."""
    loc = get_i18n().current_locale
    res = support.resources(settings.support_resources_file)
    rows = []
    if res.get("breathing"):
        rows.append([InlineKeyboardButton(text=str(support.in_language(res["breathing"]["title"], loc)),
                                          callback_data=SupportCB(action="edit", value="breathing").pack())])
    rows += [[InlineKeyboardButton(text=str(support.in_language(t["title"], loc)),
                                   callback_data=SupportCB(action="edit", value=key).pack())]
             for key, t in (res.get("topics") or {}).items()]
    await message.answer(_("Which self-help text do you want to rewrite for your community's residents?"),
                         reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


@editors.callback_query(SupportCB.filter(F.action == "edit"))
async def on_edit_topic(query: CallbackQuery, callback_data: SupportCB) -> None:
    await query.answer()
    rows = [[InlineKeyboardButton(text=name, callback_data=SupportCB(
        action="editlang", value=f"{callback_data.value}|{code}").pack())] for code, name in LANGUAGE_NAMES.items()]
    await query.bot.send_message(query.from_user.id, _("In which language?"),
                                 reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


@editors.callback_query(SupportCB.filter(F.action == "editlang"))
async def on_edit_language(query: CallbackQuery, callback_data: SupportCB, state: FSMContext, session: AsyncSession,
                           actor: Actor, settings: Settings) -> None:
    """The text residents read now, and a request for the new one."""
    topic, locale = _split(callback_data.value)
    community = await support.editor_community(session, actor)
    res = await support.self_help(session, community.id, settings.support_resources_file)
    if topic == "breathing" and res.get("breathing"):
        current = "\n".join(support.in_language(res["breathing"].get("steps", {}), locale) or [])
        ask = _("Type the steps of the exercise, one per line (2 to {max}); they are sent one by one.").format(
            max=support.STEPS_MAX)
    elif topic in (res.get("topics") or {}) and locale in LANGUAGE_NAMES:
        current = str(support.in_language(res["topics"][topic].get("text", {}), locale))
        ask = _("Type the new text (at most {max} characters).").format(max=support.SELF_HELP_MAX)
    else:
        await query.answer(refusal("bad_step"), show_alert=True)
        return
    await query.answer()
    await state.set_state(Ed.text)
    await state.set_data({"topic": topic, "locale": locale})
    await send_long(query.bot, query.from_user.id, _("Residents read now:") + "\n\n" + current)
    await query.bot.send_message(query.from_user.id, ask, reply_markup=InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=_("↩️ Use the shipped text again"),
                             callback_data=SupportCB(action="reset", value=callback_data.value).pack())]]))


@editors.message(StateFilter(Ed.text), NotCommand())
async def on_edit_text(message: Message, state: FSMContext, session: AsyncSession, actor: Actor, clock: Clock,
                       settings: Settings) -> None:
    data = await state.get_data()

    async def act() -> str:
        await support.save_self_help(session, actor, data.get("topic", ""), data.get("locale", ""), message.text,
                                     clock.now(), settings.support_resources_file)
        return _("Saved. Your community's residents read the new text from now on.")

    await finish_typed_step(message, state, session, act, again=("steps_count",))


@editors.callback_query(SupportCB.filter(F.action == "reset"))
async def on_reset(query: CallbackQuery, callback_data: SupportCB, state: FSMContext, session: AsyncSession,
                   actor: Actor, clock: Clock, settings: Settings) -> None:
    topic, locale = _split(callback_data.value)

    async def act() -> None:
        await support.save_self_help(session, actor, topic, locale, None, clock.now(),
                                     settings.support_resources_file)

    if await act_on_press(query, session, act) is None:
        return
    await state.clear()
    await query.answer(_("Done: residents read the shipped text again."), show_alert=True)
    await edit_markup(query.message, None)


@router.callback_query(ScreenCB.filter())
async def stale_screen(query: CallbackQuery) -> None:
    await query.answer(_("This button is no longer active."), show_alert=True)


# ---- counsellors: call-backs --------------------------------------------------------------------------------

@counsellors.callback_query(CallbackCB.filter(F.action == "take"))
async def on_take(query: CallbackQuery, callback_data: CallbackCB, session: AsyncSession, person: Person | None,
                  actor: Actor, clock: Clock) -> None:
    try:
        req = await support.claim_request(session, actor, callback_data.id, clock.now())
    except DomainError as e:
        await query.answer(refusal(e.code), show_alert=True)
        if e.code == "support_taken":
            await edit_markup(query.message, None)
        return
    await support_messages.callback_taken(session, req, person, clock.now())
    await session.commit()
    resident = await session.get(Person, req.person_id) if req.person_id else None
    loc = get_i18n().current_locale
    building, unit = await place_of(session, resident.household_id if resident else None, loc)
    await query.answer()
    await edit_text(query.message, _("Please call {name} ({building}, {unit}): {phone}. They have been told you will "
                                     "call within a day.").format(
        name=(resident.full_name if resident else None) or "—", building=building, unit=unit,
        phone=(dialable(resident.phone) if resident else None) or _("no phone given")),
        InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=_(label), callback_data=CallbackCB(
            action=action, id=req.id).pack()) for action, label in (
                ("talked", N_("✅ We talked")), ("unreached", N_("📵 Could not reach")),
                ("referred", N_("➡️ Referred")))]]))


@counsellors.callback_query(CallbackCB.filter(F.action.in_(support.OUTCOMES)))
async def on_outcome(query: CallbackQuery, callback_data: CallbackCB, session: AsyncSession, actor: Actor,
                     clock: Clock) -> None:
    try:
        await support.close_request(session, actor, callback_data.id, callback_data.action, clock.now())
    except DomainError as e:
        await query.answer(refusal(e.code), show_alert=True)
        return
    await session.commit()
    await query.answer()
    await edit_markup(query.message, None)
    await query.bot.send_message(query.from_user.id, _("Closed. Thank you for calling."))

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

from aiogram import F
from aiogram.filters import BaseFilter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.feedback.callbacks import FeedbackCB
from bot.kernel.errors import DomainError
from bot.kernel.permissions import Actor
from bot.kernel.structure import home_of, place_of
from bot.platform.clock import Clock
from bot.platform.i18n import N_, _, get_i18n
from bot.registration.rules import dialable
from bot.support import messages as support_messages
from bot.support import rules as support
from bot.support.callbacks import CallbackCB, ScreenCB, SupportCB
from bot.telegram.filters import ButtonText, Private
from bot.telegram.routing import RouterTemplate, gated
from bot.telegram.routing import refusals as refusals_router
from bot.telegram.ui import edit_markup, edit_text, refusal
from models import Person

crisis = RouterTemplate("support-crisis")
crisis.message.filter(Private())
router = RouterTemplate("support")
router.message.filter(Private())
counsellors = gated("support-counsellors", support.may_counsel)  # counsellors only: not staff, not volunteers
refusals = refusals_router("support-others", buttons=(CallbackCB,))

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


def support_kb(settings: Settings) -> InlineKeyboardMarkup:
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
        [InlineKeyboardButton(text=_("✉️ Feedback or a complaint"), callback_data=FeedbackCB(step="start").pack())],
        [InlineKeyboardButton(text=_("🆘 I might hurt myself / I am not safe"),
                              callback_data=SupportCB(action="crisis").pack())]])


@router.message(ButtonText("support"))
async def on_support(message: Message, session: AsyncSession, person: Person | None, settings: Settings) -> None:
    community, _b, _h = await home_of(session, person)
    hotline = community.support_hotline if community else "12356"
    await message.answer(_("💬 Someone to talk to\n"
                           "Feeling worried, alone or low is common in times like these.\n"
                           "📞 The psychological assistance hotline: {hotline} (free, any time).\n"
                           "If you are not safe, press the button below.").format(hotline=hotline),
                         reply_markup=support_kb(settings))


@router.callback_query(SupportCB.filter(F.action == "crisis"))
async def on_crisis_button(query: CallbackQuery, callback_data: SupportCB, session: AsyncSession,
                           person: Person | None, clock: Clock, settings: Settings) -> None:
    await query.answer()
    await _crisis(lambda text: query.bot.send_message(query.from_user.id, text), session, person, "button", clock,
                  settings)


# ---- self-help -------------------------------------------------------------------------------------------------

@router.callback_query(SupportCB.filter(F.action == "topic"))
async def on_topic(query: CallbackQuery, callback_data: SupportCB, settings: Settings) -> None:
    topic = (support.resources(settings.support_resources_file).get("topics") or {}).get(callback_data.value)
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
    exercise = support.resources(settings.support_resources_file).get("breathing")
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
                    person: Person | None, clock: Clock) -> None:
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
    support.record_screening(session, person, phq2, gad2, clock.now())
    await session.commit()
    community, _b, _h = await home_of(session, person)
    hotline = community.support_hotline if community else "12356"
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

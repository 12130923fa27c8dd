"""Surveys: staff compose one (/surveys), residents answer it in a few taps, staff read the results per
building with a chart and take a CSV; after the deadline, households that did not answer go to volunteers.

```mermaid
stateDiagram-v2
    [*] --> title: /surveys → "➕ New survey"
    [*] --> audience: /surveys → "📋 After the emergency" (the template: its questions are ready)
    title --> kind: title typed
    kind --> question: one choice / several / 1 to 5 / short text
    question --> options: a choice question typed
    options --> kind: the choices typed, one per line
    question --> kind: any other question typed
    kind --> audience: "✅ No more questions" (at least one; at most 10)
    audience --> per: area, grids or buildings chosen; care-needs households only, or all
    per --> deadline: one answer per household / per person
    deadline --> preview: 1, 3 or 7 days, or a date and time typed
    preview --> [*]: "📤 Send" (everyone asked; the deadline booked)
    [*] --> answering: a resident's "📝 Answer now" (or a volunteer's, for a household they reached)
    answering --> answering: one tap per question (several choices: ticks, then Done; short text: typed or Skip)
    answering --> [*]: the last answer: stored once for the household (or person)
```
"""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import datetime

from aiogram import F
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.kernel.audit import audit
from bot.kernel.errors import DomainError
from bot.kernel.permissions import Actor
from bot.notices import rules as notices
from bot.platform import charts
from bot.platform.clock import Clock, local_date, local_time
from bot.platform.i18n import N_, _, get_i18n
from bot.surveys import messages as survey_messages
from bot.surveys import rules as surveys
from bot.surveys import workflow
from bot.surveys.callbacks import ComposeCB, SurveyCB
from bot.telegram.commands import CommandEntry
from bot.telegram.filters import NotCommand, Private
from bot.telegram.routing import RouterTemplate, gated
from bot.telegram.routing import refusals as refusals_router
from bot.telegram.ui import edit_markup, finish_pressed_step, refusal, send_long
from models import Building, Community, Household, Person
from models.surveys import Survey, SurveyQuestion

staff = gated("surveys-staff", surveys.may_run_surveys)
refusals = refusals_router("surveys-others", commands=("surveys",), buttons=(ComposeCB,))
router = RouterTemplate("surveys")
router.message.filter(Private())

COMMANDS = (CommandEntry("surveys", N_("Surveys: compose, send, results"), notices.SENDER_ROLES),)


class Sv(StatesGroup):
    title = State()
    kind = State()
    question = State()
    options = State()
    audience = State()
    per = State()
    deadline = State()
    preview = State()


class Ans(StatesGroup):
    answering = State()


def _kb(rows: list[list[tuple[str, str, str]]], cancel: bool = True) -> InlineKeyboardMarkup:
    out = [[InlineKeyboardButton(text=t, callback_data=ComposeCB(step=s, value=v).pack()) for t, s, v in row]
           for row in rows]
    if cancel:
        out.append([InlineKeyboardButton(text=_("✖️ Cancel"), callback_data=ComposeCB(step="cancel").pack())])
    return InlineKeyboardMarkup(inline_keyboard=out)


async def _timezone(session: AsyncSession, community_id: int, settings: Settings) -> str:
    community = await session.get(Community, community_id)
    return (community.timezone if community and community.timezone else None) or settings.timezone


# ---- staff: the list, composing ------------------------------------------------------------------------------

@staff.message(Command("surveys"))
async def cmd_surveys(message: Message, state: FSMContext, session: AsyncSession, actor: Actor,
                      settings: Settings) -> None:
    await state.clear()
    loc = get_i18n().current_locale
    rows: list[list[tuple[str, str, str]]] = [[(_("➕ New survey"), "new", "")],
                                              [(_("📋 After the emergency (template)"), "tpl", "after_emergency")]]
    lines = [_("📋 Surveys")]
    for s in await surveys.in_scope(session, actor):
        tz = await _timezone(session, s.community_id, settings)
        state_words = _("open until {deadline}").format(deadline=survey_messages.deadline_words(s, tz)) \
            if s.status == "open" else _("closed")
        lines.append(f"{s.ref} · {survey_messages.title(s, loc)} · {state_words}")
        rows.append([(_("📊 {ref} results").format(ref=s.ref), "res", str(s.id)),
                     (_("⬇️ {ref} CSV").format(ref=s.ref), "csv", str(s.id))])
    await message.answer("\n".join(lines), reply_markup=_kb(rows, cancel=False))


@staff.callback_query(ComposeCB.filter(F.step == "cancel"), StateFilter(Sv))
async def on_cancel(query: CallbackQuery, state: FSMContext) -> None:
    await query.answer()
    await state.clear()
    await edit_markup(query.message, None)
    await query.bot.send_message(query.from_user.id, _("Cancelled. Nothing was sent."))


@staff.callback_query(ComposeCB.filter(F.step == "new"))
async def on_new(query: CallbackQuery, state: FSMContext) -> None:
    await query.answer()
    await state.set_state(Sv.title)
    await state.set_data({"draft": surveys.Draft().to_json()})
    await query.bot.send_message(query.from_user.id, _("What is the survey's title? (It is shown to residents as "
                                                       "you type it.)"))


@staff.callback_query(ComposeCB.filter(F.step == "tpl"))
async def on_template(query: CallbackQuery, callback_data: ComposeCB, state: FSMContext, session: AsyncSession,
                      actor: Actor) -> None:
    try:
        draft = surveys.Draft.from_template(callback_data.value)
    except DomainError as e:
        await query.answer(refusal(e.code), show_alert=True)
        return
    await query.answer()
    await state.set_data({"draft": draft.to_json()})
    listing = "\n".join(f"{i + 1}. {_(q['text'])}" for i, q in enumerate(draft.questions))
    await query.bot.send_message(query.from_user.id, f"📋 {_(draft.title)}\n{listing}\n\n" + _(
        "Each resident reads it in their own language."))
    await _ask_audience(query.bot, query.from_user.id, state, session, actor, draft)


@staff.message(StateFilter(Sv.title), NotCommand())
async def on_title(message: Message, state: FSMContext) -> None:
    try:
        title = surveys.clean_title(message.text)
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params))
        return
    draft = surveys.Draft.from_json((await state.get_data())["draft"])
    draft.title = title
    await state.update_data(draft=draft.to_json())
    await _ask_kind(message.bot, message.chat.id, state, draft)


async def _ask_kind(bot, chat_id: int, state: FSMContext, draft: surveys.Draft) -> None:
    await state.set_state(Sv.kind)
    loc = get_i18n().current_locale
    n = len(draft.questions)
    rows = [[(survey_messages.kind_label(loc, k), "kind", k) for k in ("single", "multi")],
            [(survey_messages.kind_label(loc, k), "kind", k) for k in ("scale", "text")]]
    if n:
        rows.append([(_("✅ No more questions"), "qdone", "")])
    text = (_("Question {n} (of at most {max}): what kind?").format(n=n + 1, max=surveys.MAX_QUESTIONS)
            if n < surveys.MAX_QUESTIONS else _("That is {max} questions, the most a survey has.").format(
                max=surveys.MAX_QUESTIONS))
    if n >= surveys.MAX_QUESTIONS:
        rows = [[(_("✅ No more questions"), "qdone", "")]]
    await bot.send_message(chat_id, text, reply_markup=_kb(rows))


@staff.callback_query(ComposeCB.filter(F.step == "kind"), StateFilter(Sv.kind))
async def on_kind(query: CallbackQuery, callback_data: ComposeCB, state: FSMContext) -> None:
    draft = surveys.Draft.from_json((await state.get_data())["draft"])
    if callback_data.value not in ("single", "multi", "scale", "text") or \
            len(draft.questions) >= surveys.MAX_QUESTIONS:
        await query.answer(refusal("bad_step"), show_alert=True)
        return
    await query.answer()
    await edit_markup(query.message, None)
    await state.set_state(Sv.question)
    await state.update_data(kind=callback_data.value)
    await query.bot.send_message(query.from_user.id, _("Type question {n}.").format(n=len(draft.questions) + 1))


@staff.message(StateFilter(Sv.question), NotCommand())
async def on_question(message: Message, state: FSMContext) -> None:
    data = await state.get_data()
    try:
        text = surveys.clean_question(message.text)
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params))
        return
    if data.get("kind") in ("single", "multi"):
        await state.update_data(question=text)
        await state.set_state(Sv.options)
        await message.answer(_("Type the choices, one per line ({min} to {max}).").format(
            min=surveys.OPTIONS_MIN, max=surveys.OPTIONS_MAX))
        return
    draft = surveys.Draft.from_json(data["draft"])
    try:
        draft.add(data.get("kind", ""), text)
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params))
        return
    await state.update_data(draft=draft.to_json())
    await _ask_kind(message.bot, message.chat.id, state, draft)


@staff.message(StateFilter(Sv.options), NotCommand())
async def on_options(message: Message, state: FSMContext) -> None:
    data = await state.get_data()
    draft = surveys.Draft.from_json(data["draft"])
    try:
        options = surveys.clean_options(message.text)
        draft.add(data.get("kind", ""), data.get("question", ""), options)
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params))
        return
    await state.update_data(draft=draft.to_json())
    await _ask_kind(message.bot, message.chat.id, state, draft)


@staff.callback_query(ComposeCB.filter(F.step == "qdone"), StateFilter(Sv.kind))
async def on_questions_done(query: CallbackQuery, state: FSMContext, session: AsyncSession, actor: Actor) -> None:
    draft = surveys.Draft.from_json((await state.get_data())["draft"])
    if not draft.questions:
        await query.answer(refusal("survey_empty"), show_alert=True)
        return
    await query.answer()
    await edit_markup(query.message, None)
    await _ask_audience(query.bot, query.from_user.id, state, session, actor, draft)


def _audience_kb(draft: surveys.Draft, grids: list, buildings: list, loc: str) -> InlineKeyboardMarkup:
    def tick(on: bool) -> str:
        return "✅ " if on else ""

    rows = [[(tick(not draft.grids and not draft.buildings) + _("🏘 My whole area"), "aud", "all")]]
    rows += [[(tick(g.id in draft.grids) + g.label(loc), "grid", str(g.id))] for g in grids[:10]]
    bl = [(tick(b.id in draft.buildings) + b.label(loc), "bld", str(b.id)) for b in buildings[:24]]
    rows += [bl[i:i + 3] for i in range(0, len(bl), 3)]
    rows.append([(tick(draft.care_only) + _("🧓 Only households with care needs"), "care", "")])
    rows.append([(_("➡️ Continue"), "audok", "")])
    return _kb(rows)


async def _ask_audience(bot, chat_id: int, state: FSMContext, session: AsyncSession, actor: Actor,
                        draft: surveys.Draft) -> None:
    community = await surveys.sender_community(session, actor)
    loc = get_i18n().current_locale
    grids = await notices.area_grids(session, actor, community.id)
    buildings = await notices.area_buildings(session, actor, community.id)
    await state.set_state(Sv.audience)
    await bot.send_message(chat_id, _("Who is asked? Your whole area, or tick grids or buildings; and all households "
                                      "or only those with care needs."),
                           reply_markup=_audience_kb(draft, grids, buildings, loc))


@staff.callback_query(ComposeCB.filter(F.step.in_(("aud", "grid", "bld", "care"))), StateFilter(Sv.audience))
async def on_audience(query: CallbackQuery, callback_data: ComposeCB, state: FSMContext, session: AsyncSession,
                      actor: Actor) -> None:
    """Ticks change the choice in place; the scope is checked again when it is sent."""
    draft = surveys.Draft.from_json((await state.get_data())["draft"])
    community = await surveys.sender_community(session, actor)
    grids = await notices.area_grids(session, actor, community.id)
    buildings = await notices.area_buildings(session, actor, community.id)
    step, value = callback_data.step, callback_data.value
    if step == "aud":
        draft.grids, draft.buildings = [], []
    elif step == "care":
        draft.care_only = not draft.care_only
    else:
        ids = {g.id for g in grids} if step == "grid" else {b.id for b in buildings}
        chosen = draft.grids if step == "grid" else draft.buildings
        if not value.isdigit() or int(value) not in ids:
            await query.answer(refusal("forbidden"), show_alert=True)
            return
        if int(value) in chosen:
            chosen.remove(int(value))
        else:
            chosen.append(int(value))
    await state.update_data(draft=draft.to_json())
    await query.answer()
    await edit_markup(query.message, _audience_kb(draft, grids, buildings, get_i18n().current_locale))


@staff.callback_query(ComposeCB.filter(F.step == "audok"), StateFilter(Sv.audience))
async def on_audience_done(query: CallbackQuery, state: FSMContext) -> None:
    await query.answer()
    await edit_markup(query.message, None)
    await state.set_state(Sv.per)
    await query.bot.send_message(query.from_user.id, _("One answer per household, or one per person?"),
                                 reply_markup=_kb([[(_("🏠 One per household"), "per", "household")],
                                                   [(_("👤 One per person"), "per", "person")]]))


@staff.callback_query(ComposeCB.filter(F.step == "per"), StateFilter(Sv.per))
async def on_per(query: CallbackQuery, callback_data: ComposeCB, state: FSMContext) -> None:
    if callback_data.value not in surveys.PER:
        await query.answer(refusal("bad_step"), show_alert=True)
        return
    draft = surveys.Draft.from_json((await state.get_data())["draft"])
    draft.per = callback_data.value
    await state.update_data(draft=draft.to_json())
    await query.answer()
    await edit_markup(query.message, None)
    await state.set_state(Sv.deadline)
    await query.bot.send_message(query.from_user.id, _(
        "Until when can people answer? Choose, or type a date and time (for example 12-10 18:00). After it, "
        "households that did not answer are handed to volunteers to call or visit."),
        reply_markup=_kb([[(_("{n} days").format(n=d) if d > 1 else _("1 day"), "days", str(d))
                           for d in surveys.DEADLINE_DAYS]]))


@staff.callback_query(ComposeCB.filter(F.step == "days"), StateFilter(Sv.deadline))
async def on_days(query: CallbackQuery, callback_data: ComposeCB, state: FSMContext, session: AsyncSession,
                  actor: Actor, clock: Clock, settings: Settings) -> None:
    try:
        deadline = surveys.deadline_in(int(callback_data.value) if callback_data.value.isdigit() else 0, clock.now())
    except DomainError as e:
        await query.answer(refusal(e.code), show_alert=True)
        return
    await query.answer()
    await edit_markup(query.message, None)
    await _preview(query.bot, query.from_user.id, state, session, actor, deadline, settings)


@staff.message(StateFilter(Sv.deadline), NotCommand())
async def on_deadline_typed(message: Message, state: FSMContext, session: AsyncSession, actor: Actor, clock: Clock,
                            settings: Settings) -> None:
    community = await surveys.sender_community(session, actor)
    try:
        deadline = notices.parse_when(message.text, clock.now(), await _timezone(session, community.id, settings))
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params))
        return
    await _preview(message.bot, message.chat.id, state, session, actor, deadline, settings)


async def _preview(bot, chat_id: int, state: FSMContext, session: AsyncSession, actor: Actor, deadline: datetime,
                   settings: Settings) -> None:
    draft = surveys.Draft.from_json((await state.get_data())["draft"])
    try:
        p = await surveys.preview(session, actor, draft)
    except DomainError as e:
        await bot.send_message(chat_id, refusal(e.code, **e.params))
        return
    await state.set_state(Sv.preview)
    await state.update_data(deadline=deadline.isoformat())
    community = await surveys.sender_community(session, actor)
    tz = await _timezone(session, community.id, settings)
    title = _(draft.title) if draft.template else draft.title
    listing = "\n".join(f"{i + 1}. {_(q['text']) if draft.template else q['text']}" for i, q in
                        enumerate(draft.questions))
    text = "\n".join([
        f"📋 {title}", listing, "",
        _("Households asked: {n} ({reached} with someone on Telegram; {unreached} with nobody on Telegram: a "
          "volunteer asks them after the deadline).").format(n=p.households, reached=p.reachable_households,
                                                             unreached=p.unreached),
        _("One answer per household.") if draft.per == "household" else _("One answer per person."),
        _("Until {deadline}.").format(deadline=f"{local_date(deadline, tz)} {local_time(deadline, tz)}")])
    await bot.send_message(chat_id, text, reply_markup=_kb([[(_("📤 Send"), "send", "")]]))


@staff.callback_query(ComposeCB.filter(F.step == "send"), StateFilter(Sv.preview))
async def on_send(query: CallbackQuery, state: FSMContext, session: AsyncSession, actor: Actor, clock: Clock,
                  settings: Settings) -> None:
    data = await state.get_data()
    draft = surveys.Draft.from_json(data["draft"])

    async def act():
        community = await surveys.sender_community(session, actor)
        tz = await _timezone(session, community.id, settings)
        return await workflow.sent(session, actor, draft, datetime.fromisoformat(data["deadline"]), tz, clock.now())

    s = await finish_pressed_step(query, state, session, act)
    if s is None:
        return
    await query.bot.send_message(query.from_user.id, _(
        "📤 {ref} sent to {people} people in {households} households. /surveys shows the answers as they come "
        "in.").format(ref=s.survey.ref, people=len(s.people), households=s.households))


# ---- staff: results and CSV ---------------------------------------------------------------------------------

def _mean(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


@staff.callback_query(ComposeCB.filter(F.step == "res"))
async def on_results(query: CallbackQuery, callback_data: ComposeCB, session: AsyncSession, actor: Actor,
                     clock: Clock) -> None:
    """Per building: asked, answered, the rate, the mean of each 1-5 question; the choices counted; a chart."""
    try:
        r = await surveys.results(session, actor, int(callback_data.value) if callback_data.value.isdigit() else 0)
    except DomainError as e:
        await query.answer(refusal(e.code, **e.params), show_alert=True)
        return
    audit(session, actor_id=actor.person_id, action="read_survey_results", at=clock.now(), survey=r.survey.id)
    await session.commit()
    await query.answer()
    loc = get_i18n().current_locale
    scales = [q for q in r.questions if q.kind == "scale"]
    lines = [f"📊 {r.survey.ref} · {survey_messages.title(r.survey, loc)}"]
    head = _("Building | asked | answered | rate")
    lines.append(head + "".join(f" | Q{q.position + 1}" for q in scales))
    for row in r.rows:
        rate = "—" if row.rate is None else f"{round(100 * row.rate)}%"
        lines.append(f"{row.building.label(loc)} | {row.asked} | {row.answered} | {rate}"
                     + "".join(f" | {_mean(row.mean(q.id))}" for q in scales))
    total_asked, total_answered = sum(x.asked for x in r.rows), sum(x.answered for x in r.rows)
    lines.append(_("All: {answered} of {asked} answered.").format(answered=total_answered, asked=total_asked))
    for q in r.questions:
        if q.kind in ("single", "multi"):
            counts = r.choice_counts.get(q.id, [])
            lines.append(f"Q{q.position + 1}. {survey_messages.question_text(r.survey, q, loc)}")
            lines += [f"  • {opt}: {n}" for opt, n in zip(q.options, counts, strict=False)]
        elif q.kind == "text":
            n = sum(1 for resp in r.responses if resp.answers.get(str(q.id)))
            lines.append(f"Q{q.position + 1}. {survey_messages.question_text(r.survey, q, loc)}: "
                         + _("{n} written answers (in the CSV).").format(n=n))
    await send_long(query.bot, query.from_user.id, "\n".join(lines))
    if r.rows:
        series = {_("Answered (%)"): [round(100 * (x.rate or 0)) for x in r.rows]}
        for q in scales[:3]:
            series[_("Q{n} mean × 20").format(n=q.position + 1)] = [round(20 * (x.mean(q.id) or 0)) for x in r.rows]
        png = await asyncio.to_thread(charts.bar_chart, f"{r.survey.ref} · {survey_messages.title(r.survey, loc)}",
                                      [x.building.label(loc) for x in r.rows], series, ymax=100)
        await query.bot.send_photo(query.from_user.id, BufferedInputFile(png, filename=f"{r.survey.ref}.png"))


def _answer_words(survey: Survey, q: SurveyQuestion, value: object) -> str:
    if value is None:
        return ""
    if q.kind == "single" and isinstance(value, int) and value < len(q.options):
        return q.options[value]
    if q.kind == "multi" and isinstance(value, list):
        return "; ".join(q.options[i] for i in value if isinstance(i, int) and i < len(q.options))
    return str(value)


@staff.callback_query(ComposeCB.filter(F.step == "csv"))
async def on_csv(query: CallbackQuery, callback_data: ComposeCB, session: AsyncSession, actor: Actor,
                 clock: Clock, settings: Settings) -> None:
    """One row per answer in the staff member's area: when, building, unit, who answered (resident or
    volunteer, never a name), each question. UTF-8 with a BOM so spreadsheet programs read Chinese."""
    try:
        r = await surveys.results(session, actor, int(callback_data.value) if callback_data.value.isdigit() else 0)
    except DomainError as e:
        await query.answer(refusal(e.code, **e.params), show_alert=True)
        return
    loc = get_i18n().current_locale
    tz = await _timezone(session, r.survey.community_id, settings)
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow([_("Answered at"), _("Building"), _("Unit"), _("Answered by")]
               + [f"Q{q.position + 1}. {survey_messages.question_text(r.survey, q, loc)}" for q in r.questions])
    for resp in r.responses:
        household = await session.get(Household, resp.household_id) if resp.household_id else None
        building = await session.get(Building, resp.building_id) if resp.building_id else None
        w.writerow([f"{local_date(resp.at, tz)} {local_time(resp.at, tz)}", building.label(loc) if building else "",
                    household.unit if household else "", _("a volunteer") if resp.by_volunteer else _("a resident")]
                   + [_answer_words(r.survey, q, resp.answers.get(str(q.id))) for q in r.questions])
    audit(session, actor_id=actor.person_id, action="survey_export", at=clock.now(), survey=r.survey.id,
          rows=len(r.responses))
    await session.commit()
    await query.answer()
    await query.bot.send_document(query.from_user.id, BufferedInputFile(
        ("\ufeff" + out.getvalue()).encode("utf-8"), filename=f"{r.survey.ref}.csv"))


@staff.callback_query(ComposeCB.filter())
async def stale_compose(query: CallbackQuery) -> None:
    await query.answer(_("This button is no longer active."), show_alert=True)


@staff.message(StateFilter(Sv.kind, Sv.audience, Sv.per, Sv.preview), NotCommand())
async def press_a_button(message: Message) -> None:
    await message.answer(_("Please press one of the buttons above. (Type /cancel to stop.)"))


# ---- residents (and volunteers following up): answering -----------------------------------------------------

async def _ask_question(bot, chat_id: int, state: FSMContext, session: AsyncSession) -> None:
    data = await state.get_data()
    survey = await session.get(Survey, data["survey"])
    qs = await surveys.questions(session, survey.id)
    i = data["q"]
    q = qs[i]
    loc = get_i18n().current_locale
    text = f"{i + 1}/{len(qs)} " + survey_messages.question_text(survey, q, loc)
    await bot.send_message(chat_id, text, reply_markup=_answer_kb(survey.id, i, q, data.get("ticks", [])))


def _answer_kb(survey_id: int, i: int, q: SurveyQuestion, ticks: list[int]) -> InlineKeyboardMarkup | None:
    def button(text: str, action: str, v: int = 0) -> InlineKeyboardButton:
        return InlineKeyboardButton(text=text, callback_data=SurveyCB(action=action, id=survey_id, q=i, v=v).pack())

    if q.kind == "single":
        rows = [[button(opt, "ans", v)] for v, opt in enumerate(q.options)]
    elif q.kind == "multi":
        rows = [[button(("✅ " if v in ticks else "⬜ ") + opt, "tog", v)] for v, opt in enumerate(q.options)]
        rows.append([button(_("➡️ Done"), "done")])
    elif q.kind == "scale":
        rows = [[button(str(v), "ans", v) for v in surveys.SCALE]]
    else:
        rows = [[button(_("Skip"), "skip")]]
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def _begin(query: CallbackQuery, state: FSMContext, session: AsyncSession, person: Person | None, clock: Clock,
                 survey_id: int, for_household: int | None) -> None:
    try:
        a = await surveys.open_for(session, person, survey_id, clock.now(), for_household=for_household)
    except DomainError as e:
        await query.answer(refusal(e.code, **e.params), show_alert=True)
        return
    await query.answer()
    await state.set_state(Ans.answering)
    await state.set_data({"survey": a.survey.id, "hh": for_household or 0, "q": 0, "answers": {}, "ticks": []})
    loc = get_i18n().current_locale
    intro = (_("Answering for the household you reached: {title}") if for_household
             else _("Thank you for taking part: {title}")).format(title=survey_messages.title(a.survey, loc))
    await query.bot.send_message(query.from_user.id, intro)
    await _ask_question(query.bot, query.from_user.id, state, session)


@router.callback_query(SurveyCB.filter(F.action == "start"))
async def on_start(query: CallbackQuery, callback_data: SurveyCB, state: FSMContext, session: AsyncSession,
                   person: Person | None, clock: Clock) -> None:
    await _begin(query, state, session, person, clock, callback_data.id, None)


@router.callback_query(SurveyCB.filter(F.action == "for"))
async def on_for_household(query: CallbackQuery, callback_data: SurveyCB, state: FSMContext, session: AsyncSession,
                           person: Person | None, clock: Clock) -> None:
    """A volunteer records the answers of a household they reached (checked: they hold its follow-up)."""
    await _begin(query, state, session, person, clock, callback_data.id, callback_data.hh or None)


async def _current(query: CallbackQuery, callback_data: SurveyCB, state: FSMContext,
                   session: AsyncSession) -> tuple[dict, SurveyQuestion] | None:
    """The question this press answers, if it is the one being asked (else a stale or forged button)."""
    data = await state.get_data()
    if data.get("survey") != callback_data.id or data.get("q") != callback_data.q:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return None
    qs = await surveys.questions(session, callback_data.id)
    return data, qs[callback_data.q]


async def _answered(query_or_message, state: FSMContext, session: AsyncSession, person: Person | None, clock: Clock,
                    data: dict, q: SurveyQuestion, value: object) -> None:
    """Keep the answer; ask the next question, or (the last) store them all at once."""
    bot = query_or_message.bot
    chat_id = query_or_message.from_user.id
    answers = dict(data.get("answers", {}))
    answers[str(q.id)] = value
    qs = await surveys.questions(session, data["survey"])
    if data["q"] + 1 < len(qs):
        await state.update_data(answers=answers, q=data["q"] + 1, ticks=[])
        await _ask_question(bot, chat_id, state, session)
        return
    try:
        await surveys.submit(session, person, data["survey"], answers, clock.now(),
                             for_household=data.get("hh") or None)
    except DomainError as e:
        await state.clear()
        await bot.send_message(chat_id, refusal(e.code, **e.params))
        return
    await session.commit()
    await state.clear()
    await bot.send_message(chat_id, _("✅ Thank you! Your answers have been sent to the community."))


@router.callback_query(SurveyCB.filter(F.action == "ans"), StateFilter(Ans.answering))
async def on_answer(query: CallbackQuery, callback_data: SurveyCB, state: FSMContext, session: AsyncSession,
                    person: Person | None, clock: Clock) -> None:
    current = await _current(query, callback_data, state, session)
    if current is None:
        return
    data, q = current
    try:
        value = surveys.check_answer(q, callback_data.v)
    except DomainError as e:
        await query.answer(refusal(e.code), show_alert=True)
        return
    await query.answer()
    await edit_markup(query.message, None)
    await _answered(query, state, session, person, clock, data, q, value)


@router.callback_query(SurveyCB.filter(F.action == "tog"), StateFilter(Ans.answering))
async def on_tick(query: CallbackQuery, callback_data: SurveyCB, state: FSMContext, session: AsyncSession) -> None:
    current = await _current(query, callback_data, state, session)
    if current is None:
        return
    data, q = current
    if q.kind != "multi" or not 0 <= callback_data.v < len(q.options):
        await query.answer(refusal("bad_step"), show_alert=True)
        return
    ticks = set(data.get("ticks", []))
    ticks ^= {callback_data.v}
    await state.update_data(ticks=sorted(ticks))
    await query.answer()
    await edit_markup(query.message, _answer_kb(callback_data.id, callback_data.q, q, sorted(ticks)))


@router.callback_query(SurveyCB.filter(F.action.in_(("done", "skip"))), StateFilter(Ans.answering))
async def on_done(query: CallbackQuery, callback_data: SurveyCB, state: FSMContext, session: AsyncSession,
                  person: Person | None, clock: Clock) -> None:
    current = await _current(query, callback_data, state, session)
    if current is None:
        return
    data, q = current
    try:
        if callback_data.action == "skip" and q.kind != "text":
            raise DomainError("bad_step")
        value = surveys.check_answer(q, data.get("ticks", [])) if callback_data.action == "done" else None
    except DomainError as e:
        await query.answer(refusal(e.code), show_alert=True)
        return
    await query.answer()
    await edit_markup(query.message, None)
    await _answered(query, state, session, person, clock, data, q, value)


@router.message(StateFilter(Ans.answering), NotCommand())
async def on_typed(message: Message, state: FSMContext, session: AsyncSession, person: Person | None,
                   clock: Clock) -> None:
    data = await state.get_data()
    q = (await surveys.questions(session, data["survey"]))[data["q"]]
    if q.kind != "text":
        await message.answer(_("Please press one of the buttons above. (Type /cancel to stop.)"))
        return
    try:
        value = surveys.clean_text_answer(message.text)
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params))
        return
    await _answered(message, state, session, person, clock, data, q, value)


@router.callback_query(SurveyCB.filter())
async def stale_answer(query: CallbackQuery) -> None:
    await query.answer(_("This button is no longer active."), show_alert=True)

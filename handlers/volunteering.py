"""Volunteering: /volunteer to apply; community workers and admins approve or decline (the role is granted only
then) and suspend (/volunteers).

```mermaid
stateDiagram-v2
    [*] --> name: /volunteer (registered residents)
    name --> phone: a name typed (or "use my Telegram name")
    phone --> skills: a number typed (skipped when the bot has one)
    skills --> languages: ticks, then Continue (at least one)
    languages --> availability: ticks, then Continue
    availability --> [*]: "📤 Send": the grid's staff are asked to approve or decline
```
"""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.kernel.errors import DomainError
from bot.kernel.permissions import Actor, Role
from bot.ledger.rules import area_buildings, parse_phone
from bot.platform.clock import Clock
from bot.platform.i18n import N_, _, duration, get_i18n
from bot.registration.rules import dialable, validate_member_name
from bot.tasks import workflow as tasks_workflow
from bot.tasks.messages import skill_label
from bot.tasks.rules import SKILLS
from bot.telegram.commands import CommandEntry
from bot.telegram.filters import NotCommand, Private
from bot.telegram.routing import RouterTemplate, gated
from bot.telegram.routing import refusals as refusals_router
from bot.telegram.ui import (
    act_on_press,
    edit_markup,
    edit_text,
    finish_pressed_step,
    finish_typed_step,
    refusal,
    send_long,
)
from bot.volunteering import messages as vol_messages
from bot.volunteering import rules as volunteering
from bot.volunteering.callbacks import ApplyCB, LeadCB, VolCB
from models import Person

router = RouterTemplate("volunteering")
router.message.filter(Private())
staff = gated("volunteering-staff", volunteering.may_approve)
refusals = refusals_router("volunteering-others", commands=("volunteers", "leaders"), buttons=(VolCB, LeadCB))

COMMANDS = (CommandEntry("volunteer", N_("Apply to volunteer")),
            CommandEntry("volunteers", N_("Volunteer applications and volunteers in my area"),
                         volunteering.APPROVER_ROLES),
            CommandEntry("leaders", N_("Building leaders in my area"), volunteering.APPROVER_ROLES),
            CommandEntry("mybuilding", N_("My building, for building leaders")),
            CommandEntry("profile", N_("My volunteer profile"), (Role.VOLUNTEER,)))


class Ap(StatesGroup):
    name = State()
    phone = State()
    skills = State()
    languages = State()
    availability = State()


def _kb(rows: list[list[tuple[str, str, str]]]) -> InlineKeyboardMarkup:
    out = [[InlineKeyboardButton(text=t, callback_data=ApplyCB(step=s, value=v).pack()) for t, s, v in row]
           for row in rows]
    out.append([InlineKeyboardButton(text=_("✖️ Cancel"), callback_data=ApplyCB(step="cancel").pack())])
    return InlineKeyboardMarkup(inline_keyboard=out)


def _ticks(step: str, codes: tuple[str, ...], chosen: list[str], label, done: str) -> InlineKeyboardMarkup:
    loc = get_i18n().current_locale
    rows = [[(("✅ " if c in chosen else "⬜ ") + label(loc, c), step, c)] for c in codes]
    rows.append([(done, "next" if step != "avail" else "send", "")])
    return _kb(rows)


def _skill(loc: str, c: str) -> str:
    return skill_label(loc, c)


def _language(loc: str, c: str) -> str:
    return vol_messages.labels(loc, [c], vol_messages.LANGUAGE_LABELS)


def _availability(loc: str, c: str) -> str:
    return vol_messages.labels(loc, [c], vol_messages.AVAILABILITY_LABELS)


@router.message(Command("volunteer"))
async def cmd_volunteer(message: Message, state: FSMContext, session: AsyncSession, person: Person | None) -> None:
    try:
        await volunteering.may_apply(session, person)
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params))
        return
    await state.set_state(Ap.name)
    await state.set_data({"skills": [], "languages": [], "availability": []})
    await message.answer(_("🙋 Thank you for offering to help! The community staff approve every volunteer, because "
                           "volunteers see the names and addresses of the residents they help.\nWhat is your name, as "
                           "the community should know it?"),
                         reply_markup=_kb([[(_("Use “{name}”").format(name=message.from_user.full_name), "name",
                                             "")]]))


async def _after_name(bot, chat_id: int, state: FSMContext, person: Person) -> None:
    if person.phone:
        await state.update_data(phone=person.phone)
        await _ask_skills(bot, chat_id, state)
        return
    await state.set_state(Ap.phone)
    await bot.send_message(chat_id, _("Your phone number, so the staff can call you (for example 138 1234 5678)."))


@router.message(StateFilter(Ap.name), NotCommand())
async def on_name(message: Message, state: FSMContext, person: Person | None) -> None:
    try:
        name = validate_member_name(message.text)
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params))
        return
    await state.update_data(name=name)
    await _after_name(message.bot, message.chat.id, state, person)


@router.callback_query(ApplyCB.filter(F.step == "name"), StateFilter(Ap.name))
async def on_telegram_name(query: CallbackQuery, state: FSMContext, person: Person | None) -> None:
    await query.answer()
    await edit_markup(query.message, None)
    await state.update_data(name=query.from_user.full_name[:64])
    await _after_name(query.bot, query.from_user.id, state, person)


@router.message(StateFilter(Ap.phone), NotCommand())
async def on_phone(message: Message, state: FSMContext, settings: Settings) -> None:
    try:
        phone = parse_phone(message.text or "", settings.phone_region)
    except DomainError:
        await message.answer(refusal("phone_typed"))
        return
    if phone is None:
        await message.answer(refusal("phone_typed"))
        return
    await state.update_data(phone=phone)
    await _ask_skills(message.bot, message.chat.id, state)


async def _ask_skills(bot, chat_id: int, state: FSMContext) -> None:
    await state.set_state(Ap.skills)
    await bot.send_message(chat_id, _("How can you help? Tick all that fit."),
                           reply_markup=_ticks("skill", SKILLS, (await state.get_data()).get("skills", []), _skill,
                                               _("➡️ Continue")))


@router.callback_query(ApplyCB.filter(F.step.in_(("skill", "lang", "avail"))),
                       StateFilter(Ap.skills, Ap.languages, Ap.availability))
async def on_tick(query: CallbackQuery, callback_data: ApplyCB, state: FSMContext) -> None:
    step = callback_data.step
    current = await state.get_state()
    expected = {"skill": Ap.skills.state, "lang": Ap.languages.state, "avail": Ap.availability.state}[step]
    key, codes, label = {"skill": ("skills", SKILLS, _skill),
                         "lang": ("languages", volunteering.LANGUAGES, _language),
                         "avail": ("availability", volunteering.AVAILABILITY, _availability)}[step]
    if current != expected:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    try:
        chosen = volunteering.toggle((await state.get_data()).get(key, []), callback_data.value, codes)
    except DomainError as e:
        await query.answer(refusal(e.code), show_alert=True)
        return
    await state.update_data(**{key: chosen})
    await query.answer()
    done = _("📤 Send my application") if step == "avail" else _("➡️ Continue")
    await edit_markup(query.message, _ticks(step, codes, chosen, label, done))


@router.callback_query(ApplyCB.filter(F.step == "next"), StateFilter(Ap.skills, Ap.languages))
async def on_next(query: CallbackQuery, state: FSMContext) -> None:
    data = await state.get_data()
    if await state.get_state() == Ap.skills.state:
        if not data.get("skills"):
            await query.answer(refusal("skills_missing"), show_alert=True)
            return
        await query.answer()
        await edit_markup(query.message, None)
        await state.set_state(Ap.languages)
        await query.bot.send_message(query.from_user.id, _("Which languages do you speak?"), reply_markup=_ticks(
            "lang", volunteering.LANGUAGES, data.get("languages", []), _language, _("➡️ Continue")))
        return
    await query.answer()
    await edit_markup(query.message, None)
    await state.set_state(Ap.availability)
    await query.bot.send_message(query.from_user.id, _("When can you usually help?"), reply_markup=_ticks(
        "avail", volunteering.AVAILABILITY, data.get("availability", []), _availability,
        _("📤 Send my application")))


@router.callback_query(ApplyCB.filter(F.step == "send"), StateFilter(Ap.availability))
async def on_send(query: CallbackQuery, state: FSMContext, session: AsyncSession, person: Person | None,
                  clock: Clock) -> None:
    data = await state.get_data()

    async def act() -> None:
        application = await volunteering.apply(session, person, volunteering.Draft(
            name=data.get("name", ""), phone=data.get("phone"), skills=data.get("skills"),
            languages=data.get("languages"), availability=data.get("availability")), clock.now())
        await vol_messages.ask_approvers(session, application, await volunteering.approvers(session, application),
                                         clock.now())

    if not await finish_pressed_step(query, state, session, act,
                                     ends_on=("already_volunteer", "application_pending", "not_registered")):
        return
    await query.bot.send_message(query.from_user.id, _(
        "📤 Sent. The community staff will look at your application and you will hear from them here. Until then "
        "you are not offered any tasks."))


@router.callback_query(ApplyCB.filter(F.step == "cancel"), StateFilter(Ap))
async def on_cancel(query: CallbackQuery, state: FSMContext) -> None:
    await query.answer()
    await state.clear()
    await edit_markup(query.message, None)
    await query.bot.send_message(query.from_user.id, _("Cancelled. Nothing was sent."))


@router.callback_query(ApplyCB.filter())
async def stale(query: CallbackQuery) -> None:
    await query.answer(_("This button is no longer active."), show_alert=True)


# ---- staff ---------------------------------------------------------------------------------------------------

@staff.callback_query(VolCB.filter(F.action.in_(("approve", "decline"))))
async def on_decide(query: CallbackQuery, callback_data: VolCB, session: AsyncSession, actor: Actor,
                    clock: Clock) -> None:
    async def act():
        a = await volunteering.decide(session, actor, callback_data.id, callback_data.action == "approve",
                                      clock.now())
        await vol_messages.tell_applicant(session, a, clock.now())
        return a

    a = await act_on_press(query, session, act)
    if a is None:
        return
    await query.answer()
    await edit_text(query.message, (_("✅ {name} is a volunteer now.") if a.status == "approved"
                                    else _("❌ {name}'s application was declined.")).format(name=a.name or "—"))


@staff.message(Command("volunteers"))
async def cmd_volunteers(message: Message, session: AsyncSession, actor: Actor) -> None:
    loc = get_i18n().current_locale
    pending = await volunteering.pending_in_area(session, actor)
    for a in pending[:20]:
        await message.answer(await vol_messages.application_text(session, a, loc), reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text=_("✅ Approve"), callback_data=VolCB(
                action="approve", id=a.id).pack()), InlineKeyboardButton(text=_("❌ Decline"), callback_data=VolCB(
                    action="decline", id=a.id).pack())]]))
    active = await volunteering.volunteers_in_area(session, actor)
    me = await message.bot.me()
    lines = [_("Applications waiting: {n}. Volunteers in your area: {m}.").format(n=len(pending), m=len(active)),
             _("A link residents can use to apply (post it in your groups): {link}").format(
                 link=f"https://t.me/{me.username}?start=volunteer")]
    lines += [f"• {p.full_name or '—'} {dialable(p.phone) or ''}".rstrip() for _g, p in active]
    buttons = [[InlineKeyboardButton(text=_("📇 {name}").format(name=p.full_name or "—"),
                                     callback_data=VolCB(action="profile", id=g.id).pack()),
                InlineKeyboardButton(text=_("🚫 Suspend {name}").format(name=p.full_name or "—"),
                                     callback_data=VolCB(action="suspend", id=g.id).pack())] for g, p in active[:40]]
    await send_long(message.bot, message.chat.id, "\n".join(lines),
                    reply_markup=InlineKeyboardMarkup(inline_keyboard=buttons) if buttons else None)


@staff.callback_query(VolCB.filter(F.action == "suspend"))
async def on_suspend(query: CallbackQuery, callback_data: VolCB, session: AsyncSession, actor: Actor, clock: Clock,
                     settings: Settings) -> None:
    """At once: the role revoked, off duty, the tasks they held offered to the others."""
    async def act():
        s = await volunteering.suspend(session, actor, callback_data.id, clock.now())
        for task in s.tasks:
            await tasks_workflow.offered(session, task, settings, clock.now(), exclude={s.person.id})
        vol_messages.tell_suspended(session, s.person, clock.now())
        return s

    s = await act_on_press(query, session, act)
    if s is None:
        return
    await query.answer(_("{name} is suspended; {n} tasks they held are offered to others.").format(
        name=s.person.full_name or "—", n=len(s.tasks)), show_alert=True)
    await edit_markup(query.message, None)


class Rec(StatesGroup):
    what = State()
    day = State()


@staff.callback_query(VolCB.filter(F.action == "profile"))
async def on_profile(query: CallbackQuery, callback_data: VolCB, session: AsyncSession, actor: Actor,
                     clock: Clock) -> None:
    try:
        profile = await volunteering.profile_for_staff(session, actor, callback_data.id, clock.now())
    except DomainError as e:
        await query.answer(refusal(e.code), show_alert=True)
        return
    await session.commit()
    await query.answer()
    loc = get_i18n().current_locale
    rows = [[InlineKeyboardButton(text="➕ " + _(vol_messages.RECORD_LABELS[k]),
                                  callback_data=VolCB(action=k, id=callback_data.id).pack())]
            for k in volunteering.RECORD_KINDS]
    await query.bot.send_message(query.from_user.id, vol_messages.profile_text(profile, loc),
                                 reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


@staff.callback_query(VolCB.filter(F.action.in_(volunteering.RECORD_KINDS)))
async def on_record(query: CallbackQuery, callback_data: VolCB, state: FSMContext) -> None:
    await query.answer()
    await state.set_state(Rec.what)
    await state.set_data({"grant": callback_data.id, "kind": callback_data.action})
    await query.bot.send_message(query.from_user.id,
                                 _("What was it? (For example: first aid, 2 hours; N95 masks ×20.)"))


@staff.message(StateFilter(Rec.what), NotCommand())
async def on_record_what(message: Message, state: FSMContext) -> None:
    what = (message.text or "").strip()
    if not what or len(what) > volunteering.RECORD_MAX:
        await message.answer(refusal("record_empty" if not what else "record_too_long",
                                     max=volunteering.RECORD_MAX))
        return
    await state.update_data(what=what)
    await state.set_state(Rec.day)
    await message.answer(_("On which day? (2026-11-20, 11-20, or “today”)"))


@staff.message(StateFilter(Rec.day), NotCommand())
async def on_record_day(message: Message, state: FSMContext, session: AsyncSession, actor: Actor,
                        clock: Clock, settings: Settings) -> None:
    data = await state.get_data()

    async def act() -> str:
        today = clock.now().astimezone(settings.tz).date()
        record = await volunteering.add_record(session, actor, data.get("grant", 0), data.get("kind", ""),
                                               data.get("what"), volunteering.parse_day(message.text, today),
                                               clock.now())
        return _("Recorded: {what} ({day}).").format(what=record.what, day=record.day.isoformat())

    await finish_typed_step(message, state, session, act, again=("day_format", "day_future"))


@router.message(Command("profile"))
async def cmd_profile(message: Message, session: AsyncSession, person: Person | None, actor: Actor,
                      clock: Clock) -> None:
    """A volunteer's own profile: what they do, what they gave, what the community recorded."""
    try:
        profile = await volunteering.own_profile(session, person, actor, clock.now())
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params))
        return
    await message.answer(vol_messages.profile_text(profile, get_i18n().current_locale))


@staff.callback_query(VolCB.filter())
async def stale_staff(query: CallbackQuery) -> None:
    await query.answer(_("This button is no longer active."), show_alert=True)


# ---- building leaders ----------------------------------------------------------------------------------------

@staff.message(Command("leaders"))
async def cmd_leaders(message: Message, session: AsyncSession, actor: Actor) -> None:
    loc = get_i18n().current_locale
    rows = await volunteering.leaders_in_area(session, actor)
    lines = [_("🏢 Building leaders in your area: {n}").format(n=len(rows))]
    lines += [f"• {b.label(loc)}: {p.full_name or '—'}" for _l, b, p in rows]
    buttons = [[InlineKeyboardButton(text=_("End: {name} ({building})").format(name=p.full_name or "—",
                                                                             building=b.label(loc)),
                                     callback_data=LeadCB(action="end", id=lead.id).pack())] for lead, b, p in rows]
    buttons.append([InlineKeyboardButton(text=_("➕ Appoint a building leader"),
                                         callback_data=LeadCB(action="add").pack())])
    await message.answer("\n".join(lines), reply_markup=InlineKeyboardMarkup(inline_keyboard=buttons))


@staff.callback_query(LeadCB.filter(F.action == "add"))
async def on_leader_add(query: CallbackQuery, session: AsyncSession, actor: Actor) -> None:
    loc = get_i18n().current_locale
    communities = sorted({s.community_id for s in actor.scopes_for(volunteering.APPROVER_ROLES)})
    buildings = [b for c in communities for b in await area_buildings(session, actor, c)][:60]
    await query.answer()
    rows = [[InlineKeyboardButton(text=b.label(loc), callback_data=LeadCB(action="bld", id=b.id).pack())
             for b in buildings[i:i + 3]] for i in range(0, len(buildings), 3)]
    await query.bot.send_message(query.from_user.id, _("Which building?"),
                                 reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


@staff.callback_query(LeadCB.filter(F.action == "bld"))
async def on_leader_building(query: CallbackQuery, callback_data: LeadCB, session: AsyncSession,
                             actor: Actor) -> None:
    try:
        building, people = await volunteering.leader_candidates(session, actor, callback_data.id)
    except DomainError as e:
        await query.answer(refusal(e.code), show_alert=True)
        return
    if not people:
        await query.answer(_("Nobody in this building is registered in the bot yet."), show_alert=True)
        return
    await query.answer()
    rows = [[InlineKeyboardButton(text=p.full_name or "—", callback_data=LeadCB(
        action="who", id=building.id, p=p.id).pack())] for p in people[:40]]
    await query.bot.send_message(query.from_user.id, _("Who will lead {building}? (Residents of the building on "
                                                       "Telegram.)").format(building=building.label(
                                                           get_i18n().current_locale)),
                                 reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


@staff.callback_query(LeadCB.filter(F.action == "who"))
async def on_leader_who(query: CallbackQuery, callback_data: LeadCB, session: AsyncSession, actor: Actor,
                        clock: Clock) -> None:
    async def act():
        building, person = await volunteering.appoint(session, actor, callback_data.id, callback_data.p,
                                                      clock.now())
        vol_messages.tell_leader(session, person, building, clock.now())
        return building, person

    done = await act_on_press(query, session, act)
    if done is None:
        return
    building, person = done
    await query.answer()
    await edit_text(query.message, _("✅ {name} leads {building} now; they have been told.").format(
        name=person.full_name or "—", building=building.label(get_i18n().current_locale)))


@staff.callback_query(LeadCB.filter(F.action == "end"))
async def on_leader_end(query: CallbackQuery, callback_data: LeadCB, session: AsyncSession, actor: Actor,
                        clock: Clock) -> None:
    person = await act_on_press(query, session, lambda: volunteering.end_leadership(session, actor, callback_data.id,
                                                                                     clock.now()))
    if person is None:
        return
    await query.answer(_("{name} no longer leads the building.").format(name=person.full_name or "—"),
                       show_alert=True)
    await edit_markup(query.message, None)


@router.message(Command("mybuilding"))
async def cmd_my_building(message: Message, session: AsyncSession, person: Person | None, clock: Clock) -> None:
    """A building leader's building: who lives where, who the bot reaches, the vulnerable ones and when they were
    last heard from — names and units only."""
    buildings = await volunteering.led_buildings(session, person)
    if not buildings:
        await message.answer(refusal("not_leader"))
        return
    loc, now = get_i18n().current_locale, clock.now()
    for b in buildings:
        building, households = await volunteering.building_view(session, person, b.id, now)
        reached = sum(1 for h in households if h.reachable)
        lines = [_("🏢 {building}: {n} households; {reached} with someone on Telegram, {nobody} with nobody.").format(
            building=building.label(loc), n=len(households), reached=reached, nobody=len(households) - reached)]
        for h in households:
            mark = "" if h.reachable else "📵 "
            line = f"{mark}{h.unit}: {', '.join(h.names) or '—'}"
            if h.grade is not None:
                heard = _("{duration} ago").format(duration=duration(loc, now - h.heard_at)) if h.heard_at \
                    else _("never")
                line += " · " + _("care register, grade {grade}; last heard: {heard}").format(grade=h.grade,
                                                                                           heard=heard)
            lines.append(line)
        await send_long(message.bot, message.chat.id, "\n".join(lines))
    await session.commit()

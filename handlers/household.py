"""“My household”: see it, add a member without Telegram, remove one, update care needs.

```mermaid
stateDiagram-v2
    [*] --> overview: "My household"
    overview --> member_name: Add a member
    member_name --> overview: valid name
    overview --> care: Update care needs
    care --> overview: Done
```
"""

from __future__ import annotations

from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.kernel.audit import audit
from bot.kernel.errors import DomainError
from bot.kernel.permissions import Actor
from bot.platform.clock import Clock
from bot.platform.i18n import _
from bot.registration import messages as registration_messages
from bot.registration import rules as reg
from bot.registration.callbacks import JoinCB
from bot.registration.keyboards import care_kb
from bot.registration.messages import care_need_label
from bot.telegram.filters import ButtonText, NotCommand, Private
from bot.telegram.keyboards.callbacks import CareCB, HouseholdCB
from bot.telegram.routing import RouterTemplate
from bot.telegram.ui import address_label, edit_markup, edit_text, refusal
from models import Household, Person

router = RouterTemplate("household")
router.message.filter(Private())


class HH(StatesGroup):
    member_name = State()
    care = State()


async def overview(session: AsyncSession, person: Person) -> tuple[str, InlineKeyboardMarkup]:
    hh = await session.get(Household, person.household_id)
    members = await reg.household_members(session, person.household_id)
    lines = [_("Your household: {address}").format(address=await address_label(session, hh.id, person.locale)),
             _("People living there: {n}").format(n=hh.size),
             _("Care needs: {value}").format(value=", ".join(care_need_label(c) for c in hh.care_needs) or "—"),
             "", _("Members in the bot:")]
    rows: list[list[InlineKeyboardButton]] = []
    for m in members:
        if m.id == person.id:
            lines.append("• " + _("you"))
        elif m.tg_user_id is None:
            lines.append("• " + _("{name} (no Telegram; others in the household can report for them)").format(
                name=m.full_name))
            rows.append([InlineKeyboardButton(text=_("Remove {name}").format(name=m.full_name),
                                              callback_data=HouseholdCB(action="remove", id=m.id).pack())])
        else:
            lines.append("• " + _("another member with Telegram"))
    rows.insert(0, [InlineKeyboardButton(text=_("➕ Add a member without Telegram"),
                                         callback_data=HouseholdCB(action="add").pack())])
    rows.insert(1, [InlineKeyboardButton(text=_("✏️ Update care needs"),
                                         callback_data=HouseholdCB(action="care").pack())])
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows)


@router.message(ButtonText("household"))
async def on_household(message: Message, session: AsyncSession, person: Person | None) -> None:
    if person is None or person.household_id is None:
        await message.answer(refusal("not_registered"))
        return
    text, markup = await overview(session, person)
    await message.answer(text, reply_markup=markup)


@router.callback_query(HouseholdCB.filter())
async def on_household_action(query: CallbackQuery, callback_data: HouseholdCB, state: FSMContext,
                              session: AsyncSession, person: Person | None, clock: Clock) -> None:
    if person is None or person.household_id is None:
        await query.answer(refusal("not_registered"), show_alert=True)
        return
    if callback_data.action == "add":
        await query.answer()
        await state.set_state(HH.member_name)
        await query.bot.send_message(query.from_user.id, _(
            "Type the name of the household member who does not use Telegram (for example an elderly "
            "parent). You will be able to report for them."))
    elif callback_data.action == "remove":
        try:
            await reg.remove_member(session, person, callback_data.id, clock.now())
        except DomainError as e:
            await query.answer(refusal(e.code), show_alert=True)
            return
        await query.answer(_("Removed."))
        text, markup = await overview(session, person)
        await query.bot.send_message(query.from_user.id, text, reply_markup=markup)
    elif callback_data.action == "care":
        await query.answer()
        hh = await session.get(Household, person.household_id)
        await state.set_state(HH.care)
        await state.update_data(care=list(hh.care_needs))
        await query.bot.send_message(query.from_user.id, _("Tap all that apply, then press Done."),
                                     reply_markup=care_kb(hh.care_needs))
    else:
        await query.answer(_("This button is no longer active."), show_alert=True)


@router.message(StateFilter(HH.member_name), NotCommand())
async def on_member_name(message: Message, state: FSMContext, session: AsyncSession, person: Person | None,
                         clock: Clock) -> None:
    try:
        member = await reg.add_member(session, person, message.text or "", clock.now())
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params))
        if e.code not in ("name_empty", "name_too_long", "name_invalid"):
            await state.set_state(None)
        return
    await state.set_state(None)
    await message.answer(_("{name} has been added to your household.").format(name=member.full_name))
    text, markup = await overview(session, person)
    await message.answer(text, reply_markup=markup)


@router.callback_query(StateFilter(HH.care), CareCB.filter())
async def on_care_edit(query: CallbackQuery, callback_data: CareCB, state: FSMContext, session: AsyncSession,
                       person: Person | None, clock: Clock) -> None:
    data = await state.get_data()
    selected: list[str] = data.get("care", [])
    if callback_data.code in ("none", "done"):
        if callback_data.code == "none":
            selected = []
        hh = await session.get(Household, person.household_id) if person and person.household_id else None
        if hh is None:
            await query.answer(refusal("not_registered"), show_alert=True)
            return
        await reg.update_household(session, hh, care_needs=selected, now=clock.now())
        await state.set_state(None)
        await query.answer(_("Saved."))
        await edit_markup(query.message, None)
        text, markup = await overview(session, person)
        await query.bot.send_message(query.from_user.id, text, reply_markup=markup)
        return
    try:
        selected = reg.toggle_care_need(selected, callback_data.code)
    except DomainError as e:
        await query.answer(refusal(e.code), show_alert=True)
        return
    await state.update_data(care=selected)
    await query.answer()
    await edit_markup(query.message, care_kb(selected))


@router.callback_query(JoinCB.filter())
async def on_join(query: CallbackQuery, callback_data: JoinCB, session: AsyncSession, person: Person | None,
                  actor: Actor, clock: Clock) -> None:
    """A member confirms (or not) that a newcomer lives in the household (or, for a household with nobody on
    Telegram, a community worker of its grid)."""
    if person is None:
        await query.answer(refusal("forbidden"), show_alert=True)
        return
    now = clock.now()
    asking = await session.get(Person, callback_data.person_id)
    own = asking is not None and person.household_id is not None and person.household_id == asking.pending_household_id
    try:
        requester = await reg.decide_join(session, person, callback_data.person_id, callback_data.accept, now,
                                          actor=actor)
    except DomainError as e:
        await query.answer(refusal(e.code), show_alert=True)
        if e.code == "already_done":
            await edit_markup(query.message, None)
        return
    registration_messages.join_decided(session, requester, callback_data.accept, now)
    audit(session, actor_id=person.id, action="household_join_confirmed" if callback_data.accept
          else "household_join_declined", at=now, subject_id=requester.id)
    await session.commit()
    await query.answer()
    if own:
        text = (_("✅ {name} is now a member of your household.") if callback_data.accept
                else _("❌ {name} was not added to your household."))
    else:  # a community worker, for a household with nobody on Telegram
        text = (_("✅ {name} is now a member of that household.") if callback_data.accept
                else _("❌ {name} was not added to that household."))
    await edit_text(query.message, text.format(name=requester.full_name or "—"))

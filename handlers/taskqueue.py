"""/requests for residents (status, cancel) and /queue for staff (counts, cancel with reason, return to pool)."""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.kernel.audit import audit
from bot.kernel.errors import DomainError, PermissionDenied
from bot.kernel.permissions import Actor
from bot.platform.clock import Clock
from bot.platform.delivery.outbox import Recipient, enqueue
from bot.platform.i18n import _, translate
from bot.supplies import stock
from bot.tasks import messages as tasks_messages
from bot.tasks import rules as dispatch
from bot.tasks import workflow as escalation
from bot.tasks.callbacks import StaffTaskCB, TaskCB
from bot.telegram.filters import NotCommand, Private
from bot.telegram.routing import RouterTemplate
from bot.telegram.ui import edit_markup, refusal, send_long
from models import Person, Task
from models.delivery import HIGH

router = RouterTemplate("taskqueue")
router.message.filter(Private())


class Staff(StatesGroup):
    reason = State()


def status_label(status: str) -> str:
    return {"open": _("waiting for a volunteer"), "claimed": _("a volunteer has taken it"),
            "picked_up": _("on its way"), "delivered": _("delivered"), "confirmed": _("received"),
            "cancelled": _("cancelled")}.get(status, status)


@router.message(Command("requests"))
async def cmd_requests(message: Message, session: AsyncSession, person: Person | None) -> None:
    if person is None or person.household_id is None:
        await message.answer(refusal("not_registered"))
        return
    tasks = (await session.exec(select(Task).where(Task.household_id == person.household_id, Task.kind == "supply")
                                .order_by(Task.id.desc()).limit(10))).all()
    if not tasks:
        await message.answer(_("You have no requests yet."))
        return
    for t in tasks:
        text = await tasks_messages.describe_request(session, t, person.locale) + "\n" + _("Status: {status}").format(
            status=status_label(t.status))
        markup = None
        if t.status in ("open", "claimed"):
            markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(
                text=_("✖️ Cancel this request"), callback_data=TaskCB(action="cancel", id=t.id).pack())]])
        await message.answer(text, reply_markup=markup)


@router.callback_query(TaskCB.filter(F.action == "cancel"))
async def on_resident_cancel(query: CallbackQuery, callback_data: TaskCB, session: AsyncSession,
                             person: Person | None, clock: Clock) -> None:
    now = clock.now()
    try:
        task = await session.get(Task, callback_data.id)
        volunteer_id = task.claimed_by_id if task else None
        task = await dispatch.cancel(session, callback_data.id, by_resident=person, now=now)
    except DomainError as e:
        await query.answer(refusal(e.code, **e.params), show_alert=True)
        await edit_markup(query.message, None)
        return
    await _tell_volunteer(session, volunteer_id, task, "cancelled_by_resident", now)
    await tasks_messages.withdraw_offers(session, task, await dispatch.withdraw_open_offers(session, task.id), now,
                                 cancelled=True)
    await session.commit()
    await query.answer()
    await edit_markup(query.message, None)
    await query.bot.send_message(query.from_user.id, _("{ref} has been cancelled.").format(ref=task.ref))


async def _tell_volunteer(session: AsyncSession, volunteer_id: int | None, task: Task, why: str, now) -> None:
    volunteer = await session.get(Person, volunteer_id) if volunteer_id else None
    if volunteer is None or volunteer.tg_user_id is None:
        return
    if why == "cancelled_by_resident":
        text = translate(volunteer.locale, "{ref} was cancelled by the resident. You do not need to deliver it.",
                         ref=task.ref)
    elif why == "cancelled_by_staff":
        text = translate(volunteer.locale, "{ref} was cancelled by the community staff. You do not need to "
                                           "deliver it.", ref=task.ref)
    else:
        text = translate(volunteer.locale, "The community staff have passed {ref} to another volunteer. "
                                           "Thank you!", ref=task.ref)
    enqueue(session, [Recipient(chat_id=volunteer.tg_user_id, person_id=volunteer.id)], text, now=now,
            cause=f"task:{task.id}", priority=HIGH)


@router.message(Command("queue"))
async def cmd_queue(message: Message, session: AsyncSession, person: Person | None, actor: Actor,
                    clock: Clock) -> None:
    try:
        queue = await dispatch.staff_queue(session, actor)
    except DomainError as e:
        await message.answer(refusal(e.code))
        return
    audit(session, actor_id=actor.person_id, action="read_task_queue", at=clock.now(), count=len(queue.tasks))
    await session.commit()
    counts = ", ".join(f"{status_label(s)}: {n}" for s, n in sorted(queue.counts.items())) or "—"
    await message.answer(_("Requests in your area — {counts}").format(counts=counts))
    if not queue.tasks:
        await message.answer(_("Nothing is waiting. Thank you!"))
        return
    locale = person.locale if person else "en"
    for t in queue.tasks:
        rows = [[InlineKeyboardButton(text=_("✖️ Cancel with a reason"),
                                      callback_data=StaffTaskCB(action="cancel", id=t.id).pack())]]
        rows.append([InlineKeyboardButton(text=_("📦 From community stock"),
                                          callback_data=StaffTaskCB(action="stock", id=t.id).pack())])
        if t.status in dispatch.ACTIVE:
            rows.append([InlineKeyboardButton(text=_("🔁 Give to another volunteer"),
                                              callback_data=StaffTaskCB(action="reassign", id=t.id).pack())])
        text = await tasks_messages.describe_request(session, t, locale) + "\n" + _("Status: {status}").format(
            status=status_label(t.status))
        await message.answer(text, reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


@router.callback_query(StaffTaskCB.filter())
async def on_staff_task(query: CallbackQuery, callback_data: StaffTaskCB, state: FSMContext, session: AsyncSession,
                        actor: Actor) -> None:
    if callback_data.action == "stock":
        try:
            await stock.mark_from_stock(session, actor, callback_data.id)
        except DomainError as e:
            await query.answer(refusal(e.code), show_alert=True)
            return
        await session.commit()
        await query.answer(_("Marked: the items will be taken from community stock when delivered."),
                           show_alert=True)
        return
    task = await session.get(Task, callback_data.id)
    if task is None or callback_data.action not in ("cancel", "reassign"):
        await query.answer(refusal("not_found"), show_alert=True)
        return
    if not actor.covering(dispatch.CASEWORK, task.community_id, task.grid_id):
        await query.answer(refusal("forbidden"), show_alert=True)
        return
    await query.answer()
    await state.set_state(Staff.reason)
    await state.update_data(task_id=task.id, action=callback_data.action)
    await query.bot.send_message(query.from_user.id, _(
        "Type the reason for {ref} (the resident and the volunteer will be told).").format(ref=task.ref))


@router.message(StateFilter(Staff.reason), NotCommand())
async def on_staff_reason(message: Message, state: FSMContext, session: AsyncSession, actor: Actor, clock: Clock,
                          settings: Settings) -> None:
    data = await state.get_data()
    now = clock.now()
    try:
        if data.get("action") == "cancel":
            task = await session.get(Task, data.get("task_id", 0))
            volunteer_id = task.claimed_by_id if task else None
            task = await dispatch.cancel(session, data.get("task_id", 0), by_staff=actor, reason=message.text,
                                         now=now)
            await tasks_messages.tell_requester(session, task, "cancelled", now)
            await _tell_volunteer(session, volunteer_id, task, "cancelled_by_staff", now)
            withdrawn = await dispatch.withdraw_open_offers(session, task.id)
            await tasks_messages.withdraw_offers(session, task, withdrawn, now, cancelled=True)
            done = _("{ref} has been cancelled; the resident has been told why.").format(ref=task.ref)
        else:
            task, previous = await dispatch.staff_return_to_pool(session, data.get("task_id", 0), actor,
                                                                 message.text or "", now)
            await _tell_volunteer(session, previous, task, "reassigned", now)
            others = await dispatch.eligible_volunteers(session, task, exclude={previous} if previous else None,
                                                        community_wide=True)
            await tasks_messages.offer_task(session, task, others, now)
            escalation.after_submit(session, task, settings, now)
            done = _("{ref} is back in the pool and has been offered to {n} volunteers.").format(
                ref=task.ref, n=len(others))
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params))
        if e.code not in ("reason_empty", "reason_too_long"):
            await state.clear()
        return
    audit(session, actor_id=actor.person_id, action=f"task_{data.get('action')}", at=now, task_id=task.id)
    await session.commit()
    await state.clear()
    await message.answer(done)


@router.message(Command("stock"))
async def cmd_stock(message: Message, command: CommandObject, session: AsyncSession, actor: Actor,
                    clock: Clock) -> None:
    """/stock lists the community stock; /stock masks 500 50 sets masks to 500, alert at 50."""
    try:
        if command.args:
            name, qty, low = stock.parse_stock_line(command.args)
            communities = sorted({s.community_id for s in actor.scopes_for(dispatch.CASEWORK)})
            if not communities:
                raise PermissionDenied()
            item = await stock.set_item(session, actor, communities[0], name, qty, low, clock.now())
            audit(session, actor_id=actor.person_id, action="stock_set", at=clock.now(), item=item.name, qty=qty)
            await session.commit()
            await message.answer(_("Saved: {name} {qty} (alert at {low}).").format(
                name=item.name, qty=item.quantity, low=item.low_threshold))
            return
        items = await stock.list_items(session, actor)
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params))
        return
    if not items:
        await message.answer(_("No stock recorded yet. Add an item like this: /stock masks 500 50"))
        return
    lines = [_("Community stock:")] + [
        ("⚠️ " if i.low_threshold and i.quantity <= i.low_threshold else "• ")
        + _("{name}: {qty} (alert at {low})").format(name=i.name, qty=i.quantity, low=i.low_threshold)
        for i in items]
    await send_long(message.bot, message.chat.id, "\n".join(lines))

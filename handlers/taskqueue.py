"""Community workers and admins: /queue (what waits in their area: cancel with a reason, give to another
volunteer, take from community stock) and /stock. The router is gated as a whole (`may_work_cases`); anyone
else meets `refusals`. Every action on a task is checked again by the rules for the task's own area.

```mermaid
stateDiagram-v2
    [*] --> queue: /queue
    queue --> reason: "Cancel with a reason" / "Give to another volunteer"
    queue --> queue: "From community stock" (marked at once)
    reason --> [*]: reason typed (resident and volunteer told; audited)
```
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
from bot.platform.clock import Clock
from bot.platform.i18n import N_, _, get_i18n
from bot.supplies import stock
from bot.tasks import messages as tasks_messages
from bot.tasks import rules as dispatch
from bot.tasks import workflow
from bot.tasks.callbacks import StaffTaskCB
from bot.telegram.commands import CommandEntry
from bot.telegram.filters import NotCommand
from bot.telegram.routing import gated
from bot.telegram.routing import refusals as refusals_router
from bot.telegram.ui import finish_typed_step, refusal, send_long
from models import Person, Task

router = gated("taskqueue", dispatch.may_work_cases)
refusals = refusals_router("taskqueue-others", commands=("queue", "stock"), buttons=(StaffTaskCB,))

COMMANDS = (
    CommandEntry("queue", N_("Requests waiting in my area"), dispatch.CASEWORK),
    CommandEntry("stock", N_("Community stock"), dispatch.CASEWORK),
)


class Staff(StatesGroup):
    reason = State()


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
    loc = get_i18n().current_locale
    counts = ", ".join(f"{tasks_messages.status_words(loc, s)}: {n}" for s, n in sorted(queue.counts.items())) or "—"
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
            status=tasks_messages.status_words(loc, t.status))
        await message.answer(text, reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


@router.callback_query(StaffTaskCB.filter(F.action == "stock"))
async def on_from_stock(query: CallbackQuery, callback_data: StaffTaskCB, session: AsyncSession,
                        actor: Actor) -> None:
    try:
        await stock.mark_from_stock(session, actor, callback_data.id)
    except DomainError as e:
        await query.answer(refusal(e.code), show_alert=True)
        return
    await session.commit()
    await query.answer(_("Marked: the items will be taken from community stock when delivered."), show_alert=True)


@router.callback_query(StaffTaskCB.filter(F.action.in_(("cancel", "reassign"))))
async def on_ask_reason(query: CallbackQuery, callback_data: StaffTaskCB, state: FSMContext, session: AsyncSession,
                        actor: Actor) -> None:
    """Cancelling and giving to another volunteer both need a reason, which the resident or volunteer is told."""
    task = await session.get(Task, callback_data.id)
    if task is None:
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


@router.callback_query(StaffTaskCB.filter())
async def stale_staff_button(query: CallbackQuery) -> None:
    await query.answer(refusal("not_found"), show_alert=True)


@router.message(StateFilter(Staff.reason), NotCommand())
async def on_staff_reason(message: Message, state: FSMContext, session: AsyncSession, actor: Actor, clock: Clock,
                          settings: Settings) -> None:
    data = await state.get_data()
    task_id, now = data.get("task_id", 0), clock.now()

    async def act() -> str:
        if data.get("action") == "cancel":
            task = await workflow.cancelled_by_staff(session, task_id, actor, message.text, now)
            return _("{ref} has been cancelled; the resident has been told why.").format(ref=task.ref)
        task, n = await workflow.returned_to_pool(session, task_id, actor, message.text or "", settings, now)
        return _("{ref} is back in the pool and has been offered to {n} volunteers.").format(ref=task.ref, n=n)

    await finish_typed_step(message, state, session, act)


@router.message(Command("stock"))
async def cmd_stock(message: Message, command: CommandObject, session: AsyncSession, actor: Actor,
                    clock: Clock) -> None:
    """/stock lists the community stock; /stock masks 500 50 sets masks to 500, alert at 50."""
    try:
        if command.args:
            item = await stock.set_from_line(session, actor, command.args, clock.now())
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

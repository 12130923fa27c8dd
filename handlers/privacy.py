"""/mydata (what is stored, as text and a JSON file) and /deleteme (asked once, then erased).

```mermaid
stateDiagram-v2
    [*] --> shown: /mydata
    shown --> [*]: summary + my-data.json
    [*] --> asked: /deleteme
    asked --> [*]: "No, keep it" (nothing deleted)
    asked --> erased: "Yes, delete my data"
    erased --> [*]: each capability's share erased through its hook; /start registers again
```
"""

from __future__ import annotations

import json

from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardRemove,
)
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.access.messages import role_label
from bot.platform.clock import Clock
from bot.platform.i18n import N_, _
from bot.privacy import rules as privacy
from bot.privacy.callbacks import DeleteMeCB
from bot.registration.messages import care_need_label
from bot.telegram.commands import CommandEntry
from bot.telegram.filters import Private
from bot.telegram.routing import RouterTemplate
from bot.telegram.ui import edit_markup
from models import Person

router = RouterTemplate("privacy")
router.message.filter(Private())

COMMANDS = (
    CommandEntry("mydata", N_("See what is stored about me")),
    CommandEntry("deleteme", N_("Delete my data")),
)


def render(data: dict) -> str:
    p = data["person"]
    lines = [_("This is everything we store about you:"), ""]
    lines.append(_("Name: {value}").format(value=p["name"] or "—"))
    lines.append(_("Telegram id: {value}").format(value=p["telegram_user_id"]))
    lines.append(_("Language: {value}").format(value=p["language"]))
    lines.append(_("Phone: {value}").format(value=p["phone"] or "—"))
    lines.append(_("Agreed to the privacy notice: {value}").format(value=(p["consent_at"] or "—")[:16]))
    hh = data["household"]
    if hh:
        lines.append(_("Address: {building}, unit/room {unit}").format(building=hh["building"], unit=hh["unit"]))
        lines.append(_("Household size: {n}").format(n=hh["size"]))
        needs = ", ".join(care_need_label(c) for c in hh["care_needs"]) or "—"
        lines.append(_("Care needs: {value}").format(value=needs))
    if data["members_you_added"]:
        names = ", ".join(m["name"] for m in data["members_you_added"])
        lines.append(_("Members you registered: {value}").format(value=names))
    active = [r for r in data["roles"] if not r["revoked_at"]]
    if active:
        lines.append(_("Roles: {value}").format(value=", ".join(role_label(r["role"]) for r in active)))
    if data["health_reports"]:
        lines.append(_("Health reports kept (deleted after the retention period): {n}").format(
            n=len(data["health_reports"])))
    for m in data["home_monitoring"]:
        lines.append(_("Home monitoring: {start} to {end} ({reason})").format(
            start=m["from"][:10], end=m["until"][:10], reason=m["reason"]))
    lines.append(_("Times staff opened your data: {n}").format(
        n=sum(1 for e in data["access_log"] if e["action"].startswith("read"))))
    lines += ["", _("The attached file has the same in full. /deleteme erases it.")]
    return "\n".join(lines)


@router.message(Command("mydata"))
async def cmd_mydata(message: Message, session: AsyncSession, person: Person | None, clock: Clock) -> None:
    if person is None:
        await message.answer(_("We store nothing about you."))
        return
    data = await privacy.export_person(session, person, clock.now())
    await message.answer(render(data))
    blob = json.dumps(data, ensure_ascii=False, indent=2).encode()
    await message.answer_document(BufferedInputFile(blob, filename="my-data.json"))


@router.message(Command("deleteme"))
async def cmd_deleteme(message: Message, person: Person | None) -> None:
    if person is None:
        await message.answer(_("We store nothing about you."))
        return
    await message.answer(
        _("This erases your name, phone, address, roles and health reports from the bot, and cancels your "
          "open requests. Members you registered for your household are erased too unless someone else in "
          "the household uses the bot. Anonymous counts stay. This cannot be undone. Delete your data?"),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[
            [InlineKeyboardButton(text=_("🗑 Yes, delete my data"),
                                  callback_data=DeleteMeCB(confirm=True).pack())],
            [InlineKeyboardButton(text=_("No, keep it"), callback_data=DeleteMeCB(confirm=False).pack())],
        ]))


@router.callback_query(DeleteMeCB.filter())
async def on_deleteme(query: CallbackQuery, callback_data: DeleteMeCB, state: FSMContext,
                      session: AsyncSession, person: Person | None, clock: Clock) -> None:
    await edit_markup(query.message, None)
    if person is None:
        await query.answer(_("This has already been handled."), show_alert=True)
        return
    await query.answer()
    if not callback_data.confirm:
        await query.bot.send_message(query.from_user.id, _("Nothing was deleted."))
        return
    await privacy.erase_person(session, person, clock.now())
    await state.clear()
    await query.bot.send_message(query.from_user.id, _(
        "Your data has been erased. Thank you for having been part of the community's network. "
        "Press /start if you ever want to register again."), reply_markup=ReplyKeyboardRemove())

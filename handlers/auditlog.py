"""/audit (admins): the latest staff actions of their community — who did what to which case, reads of personal
data, exports, role changes — filtered by kind, by the last 1, 7 or 30 days, by person (👤 one of those on the
page), a page at a time. Reading it is audited."""

from __future__ import annotations

from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.auditlog import rules as auditlog
from bot.auditlog.callbacks import AuditCB
from bot.config import Settings
from bot.kernel.errors import DomainError
from bot.kernel.permissions import Actor, Role
from bot.platform.clock import Clock
from bot.platform.i18n import N_, _
from bot.telegram.commands import CommandEntry
from bot.telegram.routing import gated
from bot.telegram.routing import refusals as refusals_router
from bot.telegram.ui import edit_text, refusal

router = gated("auditlog", auditlog.may_read)
refusals = refusals_router("auditlog-others", commands=("audit",), buttons=(AuditCB,))

COMMANDS = (CommandEntry("audit", N_("Audit: the latest staff actions"), (Role.ADMIN,)),)
KIND_LABELS = {"all": N_("All"), "reads": N_("Reads"), "exports": N_("Exports"), "roles": N_("Roles"),
               "cases": N_("Cases")}


async def _render(session: AsyncSession, actor: Actor, f: AuditCB, clock: Clock,
                  settings: Settings) -> tuple[str, InlineKeyboardMarkup]:
    p = await auditlog.page(session, actor, kind=f.kind, days=f.days, person_id=f.person, page_no=f.page,
                            now=clock.now())
    await session.commit()
    lines = [_("🔎 Staff actions, last {days} days — {kind}, page {page}").format(
        days=f.days, kind=_(KIND_LABELS[f.kind]), page=f.page + 1)]
    for e, who, whom in p.entries:
        at = e.at.astimezone(settings.tz).strftime("%m-%d %H:%M")
        ids = ", ".join(f"{k}={v}" for k, v in sorted(e.detail.items()) if isinstance(v, int | str) and k != "file")
        line = f"{at} · {who or '—'} · {e.action}" + (f" · {whom}" if whom else "")
        lines.append(line + (f" · {ids}" if ids else ""))
    if not p.entries:
        lines.append(_("Nothing in this view."))

    def b(text: str, **changes: object) -> InlineKeyboardButton:
        data = {"kind": f.kind, "days": f.days, "page": 0, "person": f.person, **changes}
        return InlineKeyboardButton(text=text, callback_data=AuditCB(**data).pack())

    rows = [[b(("▪️ " if f.kind == k else "") + _(label), kind=k) for k, label in KIND_LABELS.items()],
            [b(("▪️ " if f.days == d else "") + _("{n} d").format(n=d), days=d) for d in auditlog.DAYS]]
    people = {e.actor_person_id: who for e, who, _whom in p.entries if e.actor_person_id and who}
    if f.person:
        rows.append([b(_("👥 Everyone"), person=0)])
    elif people:
        rows += [[b("👤 " + name, person=pid) for pid, name in list(people.items())[i:i + 3]]
                 for i in range(0, min(len(people), 9), 3)]
    nav = ([b(_("◀️ Newer"), page=f.page - 1)] if f.page else []) + ([b(_("Older ▶️"), page=f.page + 1)]
                                                                      if p.more else [])
    if nav:
        rows.append(nav)
    return "\n".join(lines)[:4000], InlineKeyboardMarkup(inline_keyboard=rows)


@router.message(Command("audit"))
async def cmd_audit(message: Message, session: AsyncSession, actor: Actor, clock: Clock, settings: Settings) -> None:
    text, markup = await _render(session, actor, AuditCB(), clock, settings)
    await message.answer(text, reply_markup=markup)


@router.callback_query(AuditCB.filter())
async def on_filter(query: CallbackQuery, callback_data: AuditCB, session: AsyncSession, actor: Actor,
                    clock: Clock, settings: Settings) -> None:
    try:
        text, markup = await _render(session, actor, callback_data, clock, settings)
    except DomainError as e:
        await query.answer(refusal(e.code, **e.params), show_alert=True)
        return
    await query.answer()
    await edit_text(query.message, text, markup)

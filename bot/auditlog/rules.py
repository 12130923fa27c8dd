"""Reading the audit log, Telegram-free: admins see the latest staff actions of their community (who did what
to which case, reads of personal data, exports, role changes), filtered by person, kind and date, a page at a
time. The bot's own administrators see every community's. Reading it is itself audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.kernel.audit import audit
from bot.kernel.errors import DomainError, PermissionDenied
from bot.kernel.permissions import Actor, Role
from models import AuditEntry, Person, RoleGrant

PER_PAGE = 15
# Kinds an admin filters by: the start of the actions' names.
KINDS = {"reads": ("read_",), "exports": ("survey_export", "ledger_import"), "roles": ("role_", "volunteer_",
                                                                                      "building_leader_"),
         "cases": ("case_",)}
DAYS = (1, 7, 30)


def may_read(actor: Actor) -> bool:
    return actor.superadmin or actor.has_role(Role.ADMIN)


@dataclass
class Page:
    entries: list[tuple[AuditEntry, str | None, str | None]]  # entry, actor's name, subject's name
    page: int
    more: bool


async def page(session: AsyncSession, actor: Actor, *, kind: str = "all", days: int = 7, person_id: int = 0,
               page_no: int = 0, now: datetime) -> Page:
    if not may_read(actor):
        raise PermissionDenied()
    if (kind != "all" and kind not in KINDS) or days not in DAYS or page_no < 0:
        raise DomainError("bad_step")
    q = select(AuditEntry).where(AuditEntry.at >= now - timedelta(days=days)).order_by(AuditEntry.at.desc(),
                                                                                     AuditEntry.id.desc())
    if not actor.superadmin:
        communities = [s.community_id for s in actor.scopes_for([Role.ADMIN])]
        staff = select(RoleGrant.person_id).where(RoleGrant.community_id.in_(communities))
        q = q.where(AuditEntry.actor_person_id.in_(staff))
    if person_id:
        q = q.where(AuditEntry.actor_person_id == person_id)
    rows = list((await session.exec(q)).all())
    if kind != "all":
        rows = [e for e in rows if e.action.startswith(KINDS[kind])]
    chunk = rows[page_no * PER_PAGE:(page_no + 1) * PER_PAGE]
    names: dict[int, str | None] = {}
    for e in chunk:
        for pid in (e.actor_person_id, e.subject_person_id):
            if pid is not None and pid not in names:
                p = await session.get(Person, pid)
                names[pid] = p.full_name if p else None
    audit(session, actor_id=actor.person_id, action="read_audit", at=now, kind=kind, days=days, page=page_no)
    return Page([(e, names.get(e.actor_person_id), names.get(e.subject_person_id)) for e in chunk], page_no,
                len(rows) > (page_no + 1) * PER_PAGE)

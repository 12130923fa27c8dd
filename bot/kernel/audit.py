from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from models import AuditEntry


def audit(session: AsyncSession, *, actor_id: int | None, action: str, at: datetime,
          subject_id: int | None = None, **detail: object) -> AuditEntry:
    """Add an audit row to the caller's transaction. `detail` carries ids and counts only."""
    entry = AuditEntry(actor_person_id=actor_id, action=action, subject_person_id=subject_id,
                       detail=dict(detail), at=at)
    session.add(entry)
    return entry


def audit_reads(session: AsyncSession, *, actor_id: int | None, action: str, at: datetime,
                subject_ids: list[int | None]) -> int:
    """One row per person whose data a staff member or volunteer was shown, so each resident's /mydata counts
    every time someone opened their details. Returns how many were written."""
    seen = {s for s in subject_ids if s is not None}
    for subject_id in sorted(seen):
        audit(session, actor_id=actor_id, action=action, at=at, subject_id=subject_id)
    return len(seen)

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

"""The update ledger: every update the bot was given, and whether it has been handled.

- Polling writes each fetched batch here (status ``received``, with the update itself) in one commit before
  it confirms the batch to Telegram, so an update is never confirmed before it is durably recorded; after a
  crash the ``received`` ones are handled on the next start.
- An update is marked ``done`` in the same transaction as the first change its handling commits (or, when it
  changes nothing, as its handling ends), so a crash can never leave a change committed with the update
  still ``received``: a redelivered or recovered update that already changed something is a no-op.
- An update whose handler failed is marked ``failed`` (the person was told; it is not run again).
- The update's own content is dropped when it is marked; rows are kept for `KEEP`, then pruned.

The marking is done by `LedgerSession`, the session class of the per-update session
(`bot.telegram.middlewares.db.UpdateSessionMiddleware`), from SQLAlchemy's commit events; nothing else writes here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, event, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.platform.clock import Clock
from bot.platform.db import WROTE
from models import ProcessedUpdate

RECEIVED, DONE, FAILED = "received", "done", "failed"
KEEP = timedelta(days=2)

# Keys in Session.info of the per-update session.
UPDATE_ID = "ledger_update_id"
CLOCK = "ledger_clock"
_MARKING = "ledger_marking"  # the mark is part of the transaction being committed
_MARKED = "ledger_marked"  # a committed transaction carried the mark
ON_ROLLBACK = "on_rollback"  # callables to run if the current transaction is rolled back (caches to forget)


def _insert(dialect: str):
    return pg_insert if dialect == "postgresql" else sqlite_insert


def _mark_statement(dialect: str):
    """The upsert that marks an update, built once per dialect (it runs for every update)."""
    if dialect not in _MARKS:
        ins = _insert(dialect)(ProcessedUpdate).values(update_id=bindparam("uid"), status=bindparam("status"),
                                                       at=bindparam("at"), payload=None)
        _MARKS[dialect] = ins.on_conflict_do_update(index_elements=["update_id"], set_={
            "status": ins.excluded.status, "at": ins.excluded.at, "payload": None})
    return _MARKS[dialect]


_MARKS: dict[str, Any] = {}


def _mark(session, status: str) -> tuple[Any, dict[str, Any]]:
    return (_mark_statement(session.get_bind().dialect.name),
            {"uid": session.info[UPDATE_ID], "status": status, "at": session.info[CLOCK].now()})


async def record(session: AsyncSession, updates: Iterable[tuple[int, dict[str, Any]]], now: datetime) -> set[int]:
    """Record a fetched batch and commit; return the ids in it that still need handling."""
    rows = [{"update_id": uid, "status": RECEIVED, "at": now, "payload": payload} for uid, payload in updates]
    if not rows:
        return set()
    dialect = session.get_bind().dialect.name
    await session.exec(_insert(dialect)(ProcessedUpdate).values(rows).on_conflict_do_nothing(
        index_elements=["update_id"]))
    ids = [r["update_id"] for r in rows]
    todo = set((await session.exec(select(ProcessedUpdate.update_id).where(
        ProcessedUpdate.update_id.in_(ids), ProcessedUpdate.status == RECEIVED))).scalars().all())
    await session.commit()
    return todo


async def pending(session: AsyncSession) -> list[tuple[int, dict[str, Any]]]:
    """Updates recorded but not handled (left by a crash or a stop), oldest first."""
    rows = (await session.exec(select(ProcessedUpdate.update_id, ProcessedUpdate.payload).where(
        ProcessedUpdate.status == RECEIVED).order_by(ProcessedUpdate.update_id))).all()
    return [(uid, payload) for uid, payload in rows if payload]


async def handled(session: AsyncSession, update_id: int) -> bool:
    status = (await session.exec(select(ProcessedUpdate.status).where(
        ProcessedUpdate.update_id == update_id))).scalars().first()
    return status in (DONE, FAILED)


async def finish(session: AsyncSession, status: str = DONE) -> None:
    """End the update's handling: mark it (unless a commit already did) and commit."""
    if not session.info.get(_MARKED) or status == FAILED:
        statement, params = _mark(session, status)
        await session.exec(statement, params=params)
        session.info[_MARKING] = True
    await session.commit()


async def prune(session: AsyncSession, now: datetime) -> int:
    res = await session.exec(delete(ProcessedUpdate).where(ProcessedUpdate.status != RECEIVED,
                                                           ProcessedUpdate.at < now - KEEP))
    await session.commit()
    return res.rowcount or 0


def begin_update(session: AsyncSession, update_id: int, clock: Clock) -> None:
    session.info[UPDATE_ID] = update_id
    session.info[CLOCK] = clock


class LedgerSession(Session):
    """The sync session class behind each update's AsyncSession: its first commit that changes anything
    also marks the update done."""


@event.listens_for(LedgerSession, "before_commit")
def _mark_with_first_change(session: Session) -> None:
    info = session.info
    if info.get(UPDATE_ID) is None or info.get(_MARKED) or info.get(_MARKING):
        return
    if not (info.get(WROTE) or session.new or session.dirty or session.deleted):
        return
    statement, params = _mark(session, DONE)
    session.execute(statement, params)
    info[_MARKING] = True


@event.listens_for(LedgerSession, "after_commit")
def _committed(session: Session) -> None:
    if session.info.pop(_MARKING, False):
        session.info[_MARKED] = True
    session.info.pop(ON_ROLLBACK, None)


@event.listens_for(LedgerSession, "after_soft_rollback")
def _rolled_back(session: Session, _previous) -> None:
    session.info.pop(_MARKING, None)
    for forget in session.info.pop(ON_ROLLBACK, []):
        forget()

"""One press of a one-tap button acts once.

A button that does its whole job in one press (✅ I'm well today) has no conversation state to tell a second
press from a first; a double tap on a slow network delivers both before the keyboard is gone from the screen.
The first press of such a button on a message is recorded in the transaction that does the work; a later
press of the same button on the same message finds it and is told the work is already done. Rows are kept
for two days (a press on an older message is a new report, which is what the person means).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from models import ButtonUse

KEEP = timedelta(days=2)

_FIRST = {name: insert(ButtonUse).values(chat_id=bindparam("chat"), message_id=bindparam("message"),
                                          action=bindparam("action"), at=bindparam("at"))
          .on_conflict_do_nothing().returning(ButtonUse.action)
          for name, insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))}


async def first_press(session, chat_id: int, message_id: int, action: str, now: datetime) -> bool:
    """Record this press; False if the same button on the same message was pressed before."""
    statement = _FIRST[session.get_bind().dialect.name]
    result = await session.exec(statement, params={"chat": chat_id, "message": message_id, "action": action,
                                                   "at": now})
    return result.first() is not None  # nothing returned: the row was there already


async def prune(session, now: datetime) -> int:
    result = await session.exec(delete(ButtonUse).where(ButtonUse.at < now - KEEP))
    await session.commit()
    return result.rowcount or 0

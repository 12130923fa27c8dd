"""Writing to the outbox (in the caller's transaction) and reading progress. Telegram-free."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.platform import wake
from models.delivery import ROUTINE, OutboxFile, OutboxMessage

MAX_TEXT = 4096
MAX_CAPTION = 1024
FILE_PREFIX = "file:"


@dataclass(frozen=True)
class Recipient:
    chat_id: int
    person_id: int | None = None


async def attach(session: AsyncSession, name: str, data: bytes) -> str:
    """Keep a file the bot made (a chart, an export) with the caller's transaction, for a photo or document
    row: returns the row's `media`."""
    f = OutboxFile(name=name, data=data)
    session.add(f)
    await session.flush()
    return f"{FILE_PREFIX}{f.id}"


def enqueue(session: AsyncSession, recipients: Iterable[Recipient], text: str, *, now: datetime,
            cause: str = "", priority: int = ROUTINE, reply_markup: dict | None = None,
            method: str = "text", media: str | None = None, valid_until: datetime | None = None,
            not_before: datetime | None = None, edit_of: int | None = None) -> list[OutboxMessage]:
    """Add one row per recipient to the caller's transaction: the push exists iff the change commits."""
    limit = MAX_TEXT if method == "text" else MAX_CAPTION
    if len(text) > limit:
        raise ValueError(f"message text longer than {limit} characters")
    if method not in ("text", "photo", "document", "edit"):
        raise ValueError(f"unknown method {method!r}")
    rows = [OutboxMessage(chat_id=r.chat_id, person_id=r.person_id, text=text, reply_markup=reply_markup,
                          method=method, media=media, priority=priority, cause=cause, valid_until=valid_until,
                          not_before=not_before or now, created_at=now, edit_of=edit_of) for r in recipients]
    session.add_all(rows)
    if rows:
        wake.mark(session, wake.SEND, not_before, now)
    return rows


@dataclass(frozen=True)
class Progress:
    total: int
    sent: int
    failed: int  # failed + blocked + expired + unknown
    pending: int  # not yet final
    by_status: dict[str, int]
    people: int = 0  # of `total`, rows to a person ...
    groups: int = 0  # ... and to a group chat: counted apart wherever they are shown

    @property
    def done(self) -> bool:
        return self.pending == 0


FINAL_FAILED = ("failed", "blocked", "expired", "unknown")


async def progress(session: AsyncSession, cause: str) -> Progress:
    to_group = OutboxMessage.person_id.is_(None)
    rows = (await session.exec(select(OutboxMessage.status, to_group, func.count()).where(
        OutboxMessage.cause == cause).group_by(OutboxMessage.status, to_group))).all()
    by: dict[str, int] = {}
    groups = 0
    for status, group, n in rows:
        by[status] = by.get(status, 0) + n
        groups += n if group else 0
    sent = by.get("sent", 0)
    failed = sum(by.get(s, 0) for s in FINAL_FAILED)
    total = sum(by.values())
    return Progress(total=total, sent=sent, failed=failed, pending=total - sent - failed, by_status=by,
                    people=total - groups, groups=groups)


def enqueue_edit(session: AsyncSession, target: OutboxMessage, text: str, *, now: datetime, cause: str = "",
                 priority: int = ROUTINE, reply_markup: dict | None = None) -> OutboxMessage:
    """Replace the text (and buttons) of a message sent earlier through the outbox, e.g. a task offer that
    someone else took. If the original has not gone out yet, it is dropped instead."""
    return enqueue(session, [Recipient(chat_id=target.chat_id, person_id=target.person_id)], text, now=now,
                   cause=cause, priority=priority, reply_markup=reply_markup, method="edit", edit_of=target.id)[0]

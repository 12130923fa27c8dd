"""Plumbing tables: the update ledger (bot/telegram/ledger.py) and conversation state when Redis is not set."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import JSON, Field, SQLModel

from models.base import UTCDateTime, utcnow


class ProcessedUpdate(SQLModel, table=True):
    update_id: int = Field(sa_type=sa.BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False})
    status: str = Field(default="received", max_length=12)  # received | done | failed
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    # The update itself while it waits to be handled (polling); dropped when it is marked.
    payload: dict | None = Field(default=None, sa_type=JSON)


class FsmRecord(SQLModel, table=True):
    key: str = Field(primary_key=True, max_length=200)
    state: str | None = Field(default=None, max_length=200)
    data: dict = Field(default_factory=dict, sa_type=JSON)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ButtonUse(SQLModel, table=True):
    """A button that acts once per message (a one-tap report): its first press, so that a double tap — the
    second press arrives before the keyboard is gone from the screen — is told "already done"."""

    chat_id: int = Field(sa_type=sa.BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False})
    message_id: int = Field(sa_type=sa.BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False})
    action: str = Field(primary_key=True, max_length=32)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)

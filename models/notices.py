"""Notices and alerts from staff, their sends (a repeating notice sends many times), acknowledgements,
and the group chats bound to a building or grid."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import JSON, Field, SQLModel

from models.base import UTCDateTime, utcnow


class Notice(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    created_by_id: int | None = Field(default=None, foreign_key="person.id")
    text: str = Field(sa_type=sa.Text)
    translations: dict[str, str] = Field(default_factory=dict, sa_type=JSON)  # locale -> text
    media_kind: str | None = Field(default=None, max_length=10)  # photo | document
    media: str | None = Field(default=None, max_length=300)  # Telegram file_id
    level: str = Field(default="info", max_length=8)  # info | blue | yellow | orange | red
    ack_required: bool = Field(default=False)
    # {"grids": [ids], "buildings": [ids], "roles": [codes], "care": bool, "groups": bool, "residents": bool}
    audience: dict = Field(default_factory=dict, sa_type=JSON)
    # none | daily | weekly; first_at is the first send, repeat_until the last day (inclusive, local)
    repeat: str = Field(default="none", max_length=8)
    first_at: datetime = Field(sa_type=UTCDateTime)
    repeat_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    timezone: str = Field(max_length=64)
    # Copied from settings / the community when confirmed (the due work acts on the row alone)
    quiet_hours: str = Field(default="22:00-07:00", max_length=11)
    ack_remind_minutes: int = Field(default=30)  # red and orange: remind who has not acknowledged
    doorknock_minutes: int = Field(default=60)  # red: door-knock for care-needs households still silent
    doorknock_escalate_minutes: int = Field(default=10)  # a door-knock nobody took goes community-wide
    status: str = Field(default="scheduled", max_length=10)  # scheduled | done | cancelled
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class NoticeSend(SQLModel, table=True):
    """One sending of a notice (the only one, or one day of a repeating one). Outbox rows carry
    cause `notice:<send id>`, so its progress is counted from the outbox."""

    __table_args__ = (sa.UniqueConstraint("notice_id", "due_at", name="uq_notice_send_time"),)
    id: int | None = Field(default=None, primary_key=True)
    notice_id: int = Field(foreign_key="notice.id", index=True)
    due_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When its messages may go: later than `sent_at` for an information or blue notice that falls in the
    # quiet hours. Residents see the notice in 📢 Notices only from then on.
    goes_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    recipients: int = Field(default=0)
    progress_outbox_id: int | None = Field(default=None)  # the staff member's live progress message
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class NoticeDelivery(SQLModel, table=True):
    """Who a send went to (a person or a group chat) and whether they acknowledged it."""

    __table_args__ = (sa.UniqueConstraint("send_id", "person_id", name="uq_notice_delivery_person"),
                      sa.Index("ix_notice_delivery_ack", "send_id", "acked_at"),
                      # when a household, or a member of it, last acknowledged something
                      sa.Index("ix_notice_delivery_household", "household_id", "acked_at"),
                      sa.Index("ix_notice_delivery_person", "person_id", "acked_at"))
    id: int | None = Field(default=None, primary_key=True)
    send_id: int = Field(foreign_key="noticesend.id")
    person_id: int | None = Field(default=None, foreign_key="person.id")
    group_chat_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    building_id: int | None = Field(default=None, foreign_key="building.id")
    household_id: int | None = Field(default=None, foreign_key="household.id")
    outbox_id: int | None = Field(default=None)
    acked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class GroupChat(SQLModel, table=True):
    """A Telegram group bound to a building or a grid (`/bind`); notices for that scope go there too."""

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_type=sa.BigInteger, unique=True, index=True)
    title: str = Field(default="", max_length=128)
    community_id: int = Field(foreign_key="community.id", index=True)
    grid_id: int | None = Field(default=None, foreign_key="grid.id")
    building_id: int | None = Field(default=None, foreign_key="building.id")
    bound_by_id: int | None = Field(default=None, foreign_key="person.id")
    active: bool = Field(default=True)
    bound_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    locale: str = Field(default="zh_Hans", max_length=8)

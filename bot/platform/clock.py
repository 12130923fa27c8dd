"""One source of time for the whole bot; tests use a controllable clock instead of sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock(Clock):
    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 3, 1, 0, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, **kwargs: float) -> datetime:
        self._now += timedelta(**kwargs)
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when


def local_time(at: datetime, timezone: str) -> str:
    """HH:MM where the community is."""
    return at.astimezone(ZoneInfo(timezone)).strftime("%H:%M")


def local_date(at: datetime, timezone: str) -> str:
    return at.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d")


def local_midnight(at: datetime, timezone: str) -> datetime:
    """The start of `at`'s day where the community is, in UTC: "today", locally."""
    local = at.astimezone(ZoneInfo(timezone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)

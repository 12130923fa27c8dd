"""Home-monitoring rules without Telegram: reminder slots in the community's time zone, the stages of a
silent slot (and what a restart after an outage does), input checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.kernel.errors import DomainError
from bot.monitoring.rules import (
    Plan,
    next_daily,
    parse_slot_ref,
    slot_step,
    slots_between,
    validate_days,
    validate_reason,
)

SH = "Asia/Shanghai"  # UTC+8, no daylight saving
T0 = datetime(2026, 3, 1, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai


def test_slots_are_local_times_after_the_start_and_before_the_end() -> None:
    slots = slots_between(T0, T0 + timedelta(days=2), ("08:00", "20:00"), SH)
    local = [s.astimezone(ZoneInfo(SH)).strftime("%d %H:%M") for s in slots]
    assert local == ["01 20:00", "02 08:00", "02 20:00", "03 08:00"]
    assert all(s.tzinfo is not None for s in slots)


def test_fourteen_days_twice_a_day_is_twenty_eight_slots() -> None:
    assert len(slots_between(T0, T0 + timedelta(days=14), ("08:00", "20:00"), SH)) == 28


def test_a_slot_exactly_at_the_start_is_not_counted() -> None:
    start = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)  # 08:00 Shanghai
    assert slots_between(start, start + timedelta(hours=13), ("08:00", "20:00"), SH) == [
        datetime(2026, 3, 1, 12, 0, tzinfo=UTC)]


def test_daylight_saving_time_zones_keep_the_local_clock() -> None:
    start = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)  # Europe/London moves to summer time on 29 March
    slots = slots_between(start, start + timedelta(days=2), ("08:00",), "Europe/London")
    assert [s.hour for s in slots] == [8, 7]  # 08:00 GMT, then 08:00 BST = 07:00 UTC


PLAN = Plan(remind_again_minutes=120, followup_minutes=60)
SLOT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("stage", "minutes_late", "action", "next_stage", "next_in"), [
    (0, 0, "remind", 1, 120),
    (0, 119, "remind", 1, 120),
    (0, 120, "skip", 1, 120),  # the second reminder is due: the first would be stale
    (1, 0, "remind_again", 2, 60),
    (1, 59, "remind_again", 2, 60),
    (1, 60, "skip", 2, 60),  # the follow-up is due: no stale reminder first
    (2, 0, "followup", None, 0),
    (2, 600, "followup", None, -600),  # hours late after an outage: the follow-up still comes
])
def test_slot_stages(stage: int, minutes_late: int, action: str, next_stage: int | None, next_in: int) -> None:
    due = SLOT if stage == 0 else SLOT + timedelta(minutes=120 if stage == 1 else 180)
    now = due + timedelta(minutes=minutes_late)
    got_action, got_next, next_at = slot_step(stage, SLOT, now, PLAN)
    assert (got_action, got_next) == (action, next_stage)
    if next_stage is not None:
        assert next_at == now + timedelta(minutes=next_in - minutes_late)


def test_an_outage_over_a_whole_slot_ends_in_one_follow_up_and_no_reminder() -> None:
    now = SLOT + timedelta(hours=5)
    actions, stage = [], 0
    while stage is not None:
        action, stage, _at = slot_step(stage, SLOT, now, PLAN)
        actions.append(action)
    assert actions == ["skip", "skip", "followup"]


def test_slot_refs_round_trip() -> None:
    assert parse_slot_ref(f"7:{SLOT.isoformat()}:2") == (7, SLOT, 2)


@pytest.mark.parametrize(("raw", "days"), [("14", 14), (" 7 ", 7), (1, 1), ("60", 60)])
def test_days(raw: object, days: int) -> None:
    assert validate_days(raw) == days


@pytest.mark.parametrize(("raw", "code"), [("0", "days_range"), ("-3", "days_range"), ("61", "days_range"),
                                           ("two weeks", "days_not_number"), ("", "days_not_number"),
                                           (None, "days_not_number")])
def test_bad_days(raw: object, code: str) -> None:
    with pytest.raises(DomainError) as e:
        validate_days(raw)
    assert e.value.code == code


@pytest.mark.parametrize(("raw", "code"), [("   ", "reason_empty"), ("x" * 301, "reason_too_long"),
                                           ("/start", "reason_invalid")])
def test_bad_reasons(raw: str, code: str) -> None:
    with pytest.raises(DomainError) as e:
        validate_reason(raw)
    assert e.value.code == code


def test_next_daily_is_strictly_later_in_local_time() -> None:
    before = datetime(2026, 3, 1, 0, 30, tzinfo=UTC)  # 08:30 Shanghai
    assert next_daily(before, "09:00", SH) == datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
    assert next_daily(datetime(2026, 3, 1, 1, 0, tzinfo=UTC), "09:00", SH) == datetime(2026, 3, 2, 1, 0, tzinfo=UTC)

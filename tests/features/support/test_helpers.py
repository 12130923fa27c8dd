"""Help for the helpers: the monthly well-being check (recurring due work, across a restart), a helper's own
load, rest suggested after repeated high scores, and admins' anonymous counts per role."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.kernel.permissions import Actor, Grant, Role, Scope
from bot.platform.scheduling.due import DueWorkRunner
from bot.platform.scheduling.registry import HANDLERS, RECURRING
from bot.support import rules as support
from models import Person, Task
from models.support import Screening
from tests.features.support.test_flow import helpers_world, screen
from tests.flows.helpers import ADMIN_ID, consent, deliver, make_invite, register, texts_to

SHANGHAI = ZoneInfo("Asia/Shanghai")
HIGH = ("Nearly every day", "Nearly every day", "Not at all", "Not at all")  # PHQ-2 6
LOW = ("Not at all", "Several days", "Not at all", "Not at all")


@pytest.mark.parametrize(("now", "expected"), [
    (datetime(2026, 12, 3, 4, 0, tzinfo=UTC), datetime(2027, 1, 1, 2, 0, tzinfo=UTC)),  # 10:00 in Shanghai
    (datetime(2027, 1, 1, 1, 59, tzinfo=UTC), datetime(2027, 1, 1, 2, 0, tzinfo=UTC)),  # the same morning
    (datetime(2027, 1, 1, 2, 0, tzinfo=UTC), datetime(2027, 2, 1, 2, 0, tzinfo=UTC)),  # strictly after now
    (datetime(2027, 1, 31, 20, 0, tzinfo=UTC), datetime(2027, 2, 1, 2, 0, tzinfo=UTC)),  # already Feb 1 locally
])
def test_the_monthly_check_is_the_1st_of_each_month_at_ten_local(now, expected) -> None:
    assert support.next_monthly_check(now, SHANGHAI) == expected


def test_small_counts_are_never_shown_and_a_check_counts_under_one_role() -> None:
    assert [support.shown(n) for n in (0, 1, 2, 3, 10)] == ["0", "<3", "<3", "3", "10"]
    both = Actor(person_id=1, grants=(Grant(Role.VOLUNTEER, Scope(1)), Grant(Role.STAFF, Scope(1, 2))))
    assert support.helper_role(both) == "staff"
    assert support.helper_role(Actor(person_id=2)) is None  # a resident
    assert support.helper_role(Actor(person_id=3, superadmin=True)) == "admin"


def _runner(bot) -> DueWorkRunner:
    """A fresh runner, as after a restart: only the rows in the database carry the schedule."""
    return DueWorkRunner(bot.app.sessionmaker, bot.app.clock, HANDLERS,
                         recurring={"helpers_check": RECURRING["helpers_check"]}, tz=SHANGHAI)


async def test_helpers_are_offered_the_check_once_a_month_and_can_turn_it_off(bot, user_factory, tg, clock):
    counsellor, worker, other = await helpers_world(user_factory)
    vol = user_factory(first_name="Vol")
    await consent(vol, await make_invite(user_factory(user_id=ADMIN_ID), "volunteer", "Grid 1"))
    mei = user_factory(first_name="Mei")
    await register(mei)
    clock.set(datetime(2026, 12, 31, 16, 0, tzinfo=UTC))  # midnight in Shanghai
    await _runner(bot).sweep()  # books Jan 1, sends nothing yet
    await deliver(bot)
    assert not any("Once a month" in t for t in texts_to(tg, vol))
    clock.set(datetime(2027, 1, 1, 2, 0, 5, tzinfo=UTC))
    report = await _runner(bot).sweep()
    assert report.done == 1, report
    await _runner(bot).sweep()  # another process, or a restart: not twice
    await deliver(bot)
    for helper in (counsellor, worker, other, vol):  # everyone holding a role (not the bot's own administrators)
        assert sum("Once a month, for those who help" in t for t in texts_to(tg, helper)) == 1
    assert not any("Once a month" in t for t in texts_to(tg, mei))  # residents are not asked
    r = await vol.press("No more monthly checks")
    assert "no more monthly checks" in r.alert.lower()
    clock.set(datetime(2027, 2, 1, 2, 0, 5, tzinfo=UTC))
    await _runner(bot).sweep()  # February's was booked when January's ran
    await deliver(bot)
    assert sum("Once a month" in t for t in texts_to(tg, vol)) == 1
    assert sum("Once a month" in t for t in texts_to(tg, worker)) == 2
    r = await vol.send("💬 Someone to talk to")
    r = await vol.press("My last 7 days")
    assert "The monthly well-being check is off." in r.text
    r = await vol.press("Offer me the monthly check")
    assert "1st of each month" in r.alert


async def test_a_helper_sees_their_own_week_and_residents_cannot(bot, user_factory, tg, clock, session):
    _counsellor, _worker, _other = await helpers_world(user_factory)
    vol = user_factory(first_name="Vol")
    await consent(vol, await make_invite(user_factory(user_id=ADMIN_ID), "volunteer", "Grid 1"))
    me = (await session.exec(select(Person).where(Person.tg_user_id == vol.id))).one()
    now = clock.now()
    community_id = 1
    for claimed_h, done_h, status in ((30, 28, "confirmed"), (10, 7.5, "delivered"),
                                      (24 * 8, 24 * 8 - 1, "confirmed"), (2, None, "claimed")):
        session.add(Task(kind="supply", community_id=community_id, skill="delivery", status=status,
                         claimed_by_id=me.id, claimed_at=now - timedelta(hours=claimed_h),
                         delivered_at=now - timedelta(hours=done_h) if done_h else None, created_at=now))
    await session.commit()
    await vol.send("💬 Someone to talk to")
    r = await vol.press("My last 7 days")
    # 2 h and 2.5 h for the two finished, 2 h so far for the one in hand; the 8-day-old one is out
    assert "2 tasks done, about 6.5 hours" in r.text and "1 still in hand" in r.text
    mei = user_factory(first_name="Mei")
    await register(mei)
    r = await mei.send("💬 Someone to talk to")
    assert "My last 7 days" not in " ".join(r.inline_buttons())
    r = await mei.press_data("sp:load:")  # a forged button
    assert "for volunteers and staff" in r.alert


async def test_repeated_high_scores_suggest_rest_and_admins_see_only_counts(bot, user_factory, tg, clock, session):
    counsellor, worker, _other = await helpers_world(user_factory)
    admin = user_factory(user_id=ADMIN_ID)
    vols = [user_factory(first_name=f"Vol{i}") for i in range(3)]
    for v in vols:
        await consent(v, await make_invite(admin, "volunteer", "Grid 1"))
    r = await screen(vols[0], HIGH)
    assert not any("second check in a row" in t for t in r.texts)
    clock.advance(days=30)
    r = await screen(vols[0], HIGH)
    assert any("second check in a row" in t for t in r.texts)
    for v in vols[1:]:
        await screen(v, HIGH)
    await screen(worker, LOW)
    session.expire_all()
    assert {s.as_role for s in (await session.exec(select(Screening))).all()} == {"volunteer", "staff"}
    r = await admin.send("/wellbeing")
    assert "volunteer: 3 took the check, 3 scored high, <3 scored high twice or more." in r.text
    assert "community worker: <3 took the check, 0 scored high" in r.text
    assert "Vol0" not in r.text
    mei = user_factory(first_name="Mei")
    await register(mei)
    await screen(mei, HIGH)  # a resident's check is not a helper's
    session.expire_all()
    assert (await session.exec(select(Screening).where(Screening.as_role.is_(None)))).one()
    for not_admin in (worker, counsellor, mei):
        r = await not_admin.send("/wellbeing")
        assert "3 took the check" not in r.text
    r = await worker.send("/wellbeing")
    assert "permission" in r.text

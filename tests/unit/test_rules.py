"""Domain rules without Telegram: units, sizes, locale mapping, permissions."""

from __future__ import annotations

import pytest

from bot.kernel.errors import DomainError
from bot.kernel.locale import locale_from_language_code
from bot.kernel.permissions import Actor, Grant, Role, Scope, can_grant, can_view_person_in, roles_actor_may_grant
from bot.registration.rules import normalize_unit, parse_household_size, toggle_care_need, validate_member_name


@pytest.mark.parametrize(("raw", "unit"), [
    ("2-502", "2-502"), ("2单元502室", "2-502"), ("２－５０２", "2-502"), ("2 502", "2-502"), ("502", "502"),
    ("3栋2单元1201", "3-2-1201"), ("b-1203", "B-1203"), ("2/502", "2-502"), ("Unit 2 Room 502", "2-502"),
    ("2單元502室", "2-502"), ("  7 - 101 ", "7-101"),
])
def test_units_are_normalised(raw: str, unit: str) -> None:
    assert normalize_unit(raw) == unit


@pytest.mark.parametrize(("raw", "code"), [
    ("", "unit_empty"), ("   ", "unit_empty"), ("abc", "unit_invalid"), ("x" * 5000, "unit_too_long"),
    ("1" * 21, "unit_too_long"), ("2-502!", "unit_invalid"), ("室", "unit_empty"), (None, "unit_empty"),
])
def test_bad_units_are_refused_with_a_reason(raw: str | None, code: str) -> None:
    with pytest.raises(DomainError) as e:
        normalize_unit(raw)
    assert e.value.code == code


@pytest.mark.parametrize(("raw", "n"), [("3", 3), ("３", 3), ("4人", 4), (" 20 ", 20), ("1 person", 1)])
def test_household_sizes(raw: str, n: int) -> None:
    assert parse_household_size(raw) == n


@pytest.mark.parametrize(("raw", "code"), [("0", "size_range"), ("-2", "size_range"), ("21", "size_range"),
                                           ("abc", "size_not_number"), ("2.5", "size_not_number"),
                                           ("9" * 50, "size_not_number"), ("", "size_not_number")])
def test_bad_sizes(raw: str, code: str) -> None:
    with pytest.raises(DomainError) as e:
        parse_household_size(raw)
    assert e.value.code == code


def test_care_needs_toggle_in_canonical_order() -> None:
    s = toggle_care_need([], "chronic")
    s = toggle_care_need(s, "elderly_alone")
    assert s == ["elderly_alone", "chronic"]
    assert toggle_care_need(s, "chronic") == ["elderly_alone"]
    with pytest.raises(DomainError):
        toggle_care_need(s, "forged")


def test_member_names() -> None:
    assert validate_member_name("  王  奶奶 ") == "王  奶奶"  # as typed, trimmed
    assert validate_member_name(" 王奶奶（楼下） ") == "王奶奶（楼下）"  # full-width brackets kept
    for bad, code in [("", "name_empty"), ("x" * 65, "name_too_long"), ("/start", "name_invalid")]:
        with pytest.raises(DomainError) as e:
            validate_member_name(bad)
        assert e.value.code == code


@pytest.mark.parametrize(("code", "locale"), [
    ("zh-hans", "zh_Hans"), ("zh-cn", "zh_Hans"), ("zh-sg", "zh_Hans"), ("zh", "zh_Hans"), ("zh-CN", "zh_Hans"),
    ("zh-hant", "zh_Hant"), ("zh-tw", "zh_Hant"), ("zh-hk", "zh_Hant"), ("zh-mo", "zh_Hant"),
    ("zh-Hant-TW", "zh_Hant"), ("en", "en"), ("en-GB", "en"), ("ru", "en"), ("de", "en"),
])
def test_language_code_by_script(code: str, locale: str) -> None:
    assert locale_from_language_code(code, "zh_Hans") == locale


def test_missing_language_code_uses_the_default() -> None:
    assert locale_from_language_code(None, "zh_Hant") == "zh_Hant"
    assert locale_from_language_code("", "en") == "en"


G1, G2 = Scope(1, 10), Scope(1, 20)


def actor(*grants: tuple[Role, Scope], superadmin: bool = False) -> Actor:
    return Actor(person_id=1, grants=tuple(Grant(r, s) for r, s in grants), superadmin=superadmin)


def test_scope_covers() -> None:
    assert Scope(1).covers(1, 10) and Scope(1).covers(1, None)
    assert G1.covers(1, 10) and not G1.covers(1, 20) and not G1.covers(1, None) and not G1.covers(2, 10)


def test_who_may_grant_what_where() -> None:
    admin = actor((Role.ADMIN, Scope(1)))
    grid_staff = actor((Role.STAFF, G1))
    doctor = actor((Role.DOCTOR, Scope(1)))
    assert can_grant(admin, Role.ADMIN, Scope(1)) and can_grant(admin, Role.DOCTOR, G2)
    assert not can_grant(admin, Role.STAFF, Scope(2))  # another community
    assert not can_grant(admin, Role.ADMIN, G1)  # admins are community-wide
    assert can_grant(grid_staff, Role.VOLUNTEER, G1) and can_grant(grid_staff, Role.STAFF, G1)
    assert not can_grant(grid_staff, Role.VOLUNTEER, G2)
    assert not can_grant(grid_staff, Role.VOLUNTEER, Scope(1))  # wider than their own scope
    assert not can_grant(grid_staff, Role.DOCTOR, G1) and not can_grant(grid_staff, Role.ADMIN, Scope(1))
    assert not can_grant(doctor, Role.VOLUNTEER, G1)
    assert not can_grant(actor(), Role.VOLUNTEER, G1)
    assert not can_grant(admin, Role.RESIDENT, Scope(1))
    root = actor(superadmin=True)
    assert can_grant(root, Role.ADMIN, Scope(99))
    assert roles_actor_may_grant(grid_staff) == [Role.VOLUNTEER, Role.STAFF]
    assert roles_actor_may_grant(doctor) == []


def test_who_sees_residents_of_a_grid() -> None:
    assert can_view_person_in(actor((Role.STAFF, G1)), 1, 10)
    assert not can_view_person_in(actor((Role.STAFF, G1)), 1, 20)
    assert can_view_person_in(actor((Role.DOCTOR, Scope(1))), 1, 20)
    assert not can_view_person_in(actor((Role.VOLUNTEER, Scope(1))), 1, 10)
    assert not can_view_person_in(actor((Role.COUNSELLOR, Scope(1))), 1, 10)
    assert not can_view_person_in(actor((Role.STAFF, Scope(2))), 1, 10)


def test_each_person_s_command_menu_lists_what_their_roles_allow() -> None:
    import bot.features  # noqa: F401  (installs every capability's commands)
    from bot.telegram.commands import commands_for

    def names(actor):
        return {c.command for c in commands_for("en", actor)}

    scope = Scope(1, 2)
    resident = names(None)
    volunteer = names(Actor(person_id=1, grants=(Grant(Role.VOLUNTEER, scope),)))
    doctor = names(Actor(person_id=1, grants=(Grant(Role.DOCTOR, scope),)))
    admin = names(Actor(person_id=1, superadmin=True))
    assert {"start", "mydata", "deleteme"} <= resident and "duty" not in resident
    assert volunteer - resident == {"duty", "tasks", "profile"}
    assert {"health", "monitor", "notice", "tasks"} <= doctor and not {"queue", "roles", "duty"} & doctor
    assert {"roles", "addbuilding", "queue", "checkin"} <= admin


def test_long_listings_are_split_for_telegram() -> None:
    from bot.telegram.ui import split_text

    text = "\n".join(f"line {i} " + "x" * 90 for i in range(200))
    parts = split_text(text)
    assert len(parts) > 1 and all(len(p) <= 4000 for p in parts)
    assert "\n".join(parts) == text  # nothing lost, cut only between lines
    assert split_text("short") == ["short"]
    assert len(split_text("y" * 5000)[0]) == 4000  # one over-long line is cut, not refused by Telegram

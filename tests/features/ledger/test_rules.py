"""The ledger's rules, Telegram-free: what a ledger's cells say, read the way neighbourhood committees write."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.kernel.errors import DomainError
from bot.ledger import rules as ledger

NOW = datetime(2026, 12, 3, tzinfo=UTC)


@pytest.mark.parametrize(("text", "year"), [("1948", 1948), ("1948-03", 1948), ("1948年3月", 1948),
                                            ("１９４８", 1948), ("", None)])
def test_a_year_of_birth_as_ledgers_write_it(text, year) -> None:
    assert ledger.parse_birth_year(text, NOW) == year


@pytest.mark.parametrize("text", ["19x8", "1850", "2030", "48"])
def test_what_is_not_a_year_of_birth(text) -> None:
    with pytest.raises(DomainError) as e:
        ledger.parse_birth_year(text, NOW)
    assert e.value.code == "row_birth_year" and e.value.params == {"value": text}


@pytest.mark.parametrize(("text", "e164"), [("138 1234 5678", "+8613812345678"), ("+852 6123 4987", "+85261234987"),
                                            ("021-5555 1234", "+862155551234"), ("", None)])
def test_phone_numbers_without_a_country_code_are_the_region_s(text, e164) -> None:
    assert ledger.parse_phone(text, "CN") == e164


def test_a_typo_is_not_a_phone_number() -> None:
    with pytest.raises(DomainError):
        ledger.parse_phone("12345", "CN")


@pytest.mark.parametrize(("text", "codes"), [("独居老人", {"elderly_alone"}), ("慢病、残疾", {"chronic", "disability"}),
                                             ("獨居 慢性病", {"elderly_alone", "chronic"}), ("孕妇", {"pregnancy"}),
                                             ("living alone", {"elderly_alone"}), ("无", set()), ("", set())])
def test_care_needs_in_the_words_of_a_ledger(text, codes) -> None:
    assert ledger.parse_care(text) == codes


def test_a_care_need_the_bot_does_not_know_is_named() -> None:
    with pytest.raises(DomainError) as e:
        ledger.parse_care("独居、需要帮忙")
    assert e.value.params == {"value": "需要帮忙"}


@pytest.mark.parametrize(("a", "b"), [("1号楼", "1"), ("1號樓", "1"), ("Building 1", "1"), ("1栋", "1"),
                                      ("7号楼（老年公寓）", "7号楼(老年公寓)")])
def test_buildings_are_found_by_number_in_either_script(a, b) -> None:
    assert ledger._building_key(a) == ledger._building_key(b)

"""Hazard reports, Telegram-free: the categories, which are urgent, and how long each may stay unresolved.
Everything else about a report (joining, states, followers, figures) is the case engine's (`bot/cases`)."""

from __future__ import annotations

from datetime import timedelta

from bot.kernel.errors import DomainError

KIND = "hazard"
# In the order the menu shows them; the first six are what the case studies saw most.
CATEGORIES = ("passage", "clutter", "garbage", "lift", "lights", "door", "water", "danger", "gathering", "other")
URGENT = frozenset({"danger"})  # fire, gas or electrical: acknowledged within minutes, always urgent


def category(code: str) -> str:
    if code not in CATEGORIES:
        raise DomainError("bad_category")
    return code


def is_urgent(code: str) -> bool:
    return code in URGENT


def resolve_within(settings: object, code: str) -> timedelta:
    hours = getattr(settings, "hazard_resolve_hours", {}).get(code, 72)
    return timedelta(hours=hours)

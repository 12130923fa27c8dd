"""Feedback and complaints, Telegram-free: the kinds of message, who handles each, and whom a complaint about a
person must never reach. Everything else (states, the answer, "Did it help?", figures) is the case engine's.

A suggestion, a question or a complaint about the community's services is handled like a hazard report: by the
community workers of the resident's grid. A complaint about a staff member or a volunteer goes one level above
the grid: only the community's admins are told of it and may handle it (never a grid's workers), and anyone the
resident names in it is hidden from it altogether (not alerted, not in any list, not passed to); when that
leaves the community with nobody, the bot's own administrators are told.
"""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.access.rules import role_holders
from bot.cases.kinds import default_handles
from bot.kernel.errors import DomainError
from bot.kernel.permissions import Role, Scope
from bot.kernel.text import clean_line, matching_key
from models import Person
from models.cases import Case

KIND = "feedback"
CATEGORIES = ("suggestion", "question", "complaint", "about_staff", "about_volunteer")
ABOUT_PEOPLE = frozenset({"about_staff", "about_volunteer"})
ANSWER_WITHIN = timedelta(hours=72)  # flagged to whoever handles it when not answered by then
SUBJECT_MAX = 100
NAME_MIN = 2  # a name shorter than this (one character) would match too much


def category(code: str) -> str:
    if code not in CATEGORIES:
        raise DomainError("bad_category")
    return code


def about_a_person(code: str) -> bool:
    return code in ABOUT_PEOPLE


def clean_subject(text: str | None) -> str:
    """Who the complaint is about, as typed (a name, a role, "the volunteer with the red armband")."""
    return clean_line(text, max_len=SUBJECT_MAX, code="subject")


def resolve_within(_settings: object, _code: str) -> timedelta:
    return ANSWER_WITHIN


def handles(role: Role, scope: Scope, case: Case) -> bool:
    """A complaint about a person: the community's admins only. Anything else: as the engine's default."""
    if case.category in ABOUT_PEOPLE:
        return role == Role.ADMIN and scope.grid_id is None and scope.community_id == case.community_id
    return default_handles(role, scope, case)


async def routes(session: AsyncSession, case: Case, _purpose: str) -> list[Person] | None:
    """A complaint about a person goes to the community's admins, whatever the purpose; the rest as usual."""
    if case.category not in ABOUT_PEOPLE:
        return None
    rows = await role_holders(session, case.community_id, (Role.ADMIN,))
    return list({p.id: p for g, p in rows if g.grid_id is None}.values())


def names_it(full_name: str | None, words: str | None) -> bool:
    """Does what the resident wrote name this person? Their whole name anywhere in it ("王丽", "Boss Li"), a
    Chinese given name ("丽丽" of "王丽丽"), or one part of a name written in letters as a word of its own ("boss",
    not the "li" in "delivery"). Compared normalised: spaces, case and full-width letters do not matter. It errs
    towards naming: hiding a complaint from one more person only sends it one level further up."""
    whole, typed = matching_key(full_name or ""), matching_key(words or "")
    if len(whole) < NAME_MIN or not typed:
        return False
    if whole in typed:
        return True
    if len(whole) == 3 and all("\u4e00" <= ch <= "\u9fff" for ch in whole) and whole[1:] in typed:
        return True
    typed_words = {matching_key(w) for w in re.split(r"\W+", words or "") if w}
    return any(len(part) >= 3 and matching_key(part) in typed_words for part in (full_name or "").split())


async def named_in(session: AsyncSession, community_id: int, words: str | None) -> tuple[int, ...]:
    """The people holding a role in the community whom what the resident wrote names."""
    if not (words or "").strip():
        return ()
    rows = await role_holders(session, community_id, tuple(Role))
    return tuple(sorted({p.id for _g, p in rows if names_it(p.full_name, words)}))

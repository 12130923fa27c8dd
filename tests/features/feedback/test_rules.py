"""Feedback's rules, Telegram-free: who may handle a complaint about a person, and whom a complaint names."""

from __future__ import annotations

import pytest

from bot.feedback import rules as feedback
from bot.kernel.permissions import Role, Scope
from models.cases import Case


@pytest.mark.parametrize(("name", "typed", "named"), [
    ("王丽丽", "网格员王丽丽态度很差", True),
    ("王丽丽", "丽丽在门口骂人", True),  # the given name
    ("王丽", "王丽", True),
    ("Boss Li", "boss", True),
    ("Boss Li", "ＢＯＳＳ　ＬＩ", True),  # full-width, as some keyboards type
    ("Boss Li", "the delivery man", False),  # "li" inside a word is not a name
    ("Lin Li", "Lin, the grid worker", True),
    ("Lin Li", "Linda from Building 2", False),
    ("王", "王", False),  # one character names nobody
    (None, "anything", False),
    ("王丽", "", False),
])
def test_a_complaint_names_a_person_by_their_name_or_part_of_it(name, typed, named) -> None:
    assert feedback.names_it(name, typed) is named


def test_a_complaint_about_a_person_is_handled_by_the_community_s_admins_only() -> None:
    about = Case(id=1, kind="feedback", category="about_staff", community_id=1, grid_id=2)
    other = Case(id=2, kind="feedback", category="complaint", community_id=1, grid_id=2)
    grid_worker, whole_worker = Scope(1, 2), Scope(1, None)
    assert not feedback.handles(Role.STAFF, grid_worker, about)
    assert not feedback.handles(Role.STAFF, whole_worker, about)
    assert feedback.handles(Role.ADMIN, whole_worker, about)
    assert not feedback.handles(Role.ADMIN, Scope(9, None), about)  # another community's admin
    assert not feedback.handles(Role.VOLUNTEER, whole_worker, about)
    assert feedback.handles(Role.STAFF, grid_worker, other)
    assert not feedback.handles(Role.STAFF, Scope(1, 3), other)  # another grid


def test_only_the_five_kinds_of_feedback_are_accepted() -> None:
    assert feedback.category("question") == "question"
    with pytest.raises(Exception) as e:
        feedback.category("about_everyone")
    assert e.value.code == "bad_category"
    with pytest.raises(Exception) as e:
        feedback.clean_subject("/start")
    assert e.value.code == "subject_invalid"

"""The messages-per-second budget shared by the sender and direct replies (no Telegram, explicit times)."""

from __future__ import annotations

from bot.platform.delivery.budget import SendBudget


def fill(b: SendBudget, at: float) -> int:
    """The sender pushes while it may; each push is answered at once."""
    n = 0
    while b.wait(at) == 0:
        b.take(at).open = False
        n += 1
    return n


def test_the_sender_alone_uses_all_but_one_of_telegrams_thirty_in_any_second() -> None:
    b = SendBudget()
    assert fill(b, 10.0) == 29
    assert 0.99 < b.wait(10.0) <= 1.002  # the oldest leaves the window a second later
    assert b.wait(10.5) > 0
    assert fill(b, 11.0) == 29  # a new second


def test_replies_take_their_place_and_as_much_again_is_left_for_the_next_ones() -> None:
    b = SendBudget()
    for i in range(5):
        b.note(10.0 + i * 0.1).open = False
    assert fill(b, 10.5) == 29 - 10  # 5 sent, 5 more expected: the sender leaves them 10
    assert b.direct == 5
    assert fill(b, 10.9) == 0
    assert fill(b, 11.45) == 10  # the replies left the window (the sender's 19 have not): room for 10 more


def test_replies_never_wait() -> None:
    b = SendBudget()
    fill(b, 10.0)
    b.note(10.0).open = False  # the window is full: the reply goes anyway, the sender waits longer
    assert b.wait(10.9) > 0 and len(b.slots) == 30


def test_a_message_counts_from_when_it_went_on_the_wire_and_while_unanswered() -> None:
    b = SendBudget()
    late = b.take(10.0)  # decided at 10.0, held back by a busy event loop ...
    late.at = 10.3  # ... on the wire at 10.3 (the trace hook's stamp)
    assert fill(b, 10.3) == 28
    late.open = False
    assert b.wait(11.2) > 0  # at Telegram's end it is in this second still
    assert fill(b, 11.31) == 29  # it and the 28 of 10.3 have left
    slow = b.take(12.0)  # no answer for over a second: still counted
    assert b._live(13.5) == [slow]


def test_refused_pushes_are_no_messages() -> None:
    b = SendBudget()
    fill(b, 10.0)
    b.forget(b.slots[0])  # a 403: nothing was delivered
    assert b.wait(10.0) == 0

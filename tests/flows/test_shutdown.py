"""Graceful stop: the update in hand is finished and confirmed; the ones after it wait for the next run."""

from __future__ import annotations

import asyncio


async def test_stop_finishes_the_update_in_hand(start_bot, structure, user_factory, tg):
    running = await start_bot()
    mei = user_factory()
    await mei.send("/start")  # warm up: the person exists
    tg.delays["sendmessage"] = 0.5  # Telegram is slow: the next reply takes half a second
    first = tg.push(mei.message_update("/help"))
    second = tg.push(mei.message_update("/menu"))
    await asyncio.sleep(0.2)  # the bot is now inside the /help handler, waiting for Telegram
    await running.stop()  # SIGTERM in production
    tg.delays.clear()
    helps = [c for c in tg.method_calls("sendMessage") if "How to use this bot" in c.text]
    assert len(helps) == 1 and helps[0].result != "failed"  # finished, not cut off
    assert tg.confirmed >= first  # confirmed on the way out, so not delivered again
    assert tg.confirmed < second  # not handled yet: it stays with Telegram

    await start_bot()  # the next run handles what was left, once
    await tg.wait_handled(second)
    assert len([c for c in tg.method_calls("sendMessage") if "How to use this bot" in c.text]) == 1

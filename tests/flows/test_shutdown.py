"""Graceful stop: the update in hand is finished; the ones queued behind it are recorded, confirmed to Telegram,
and handled once on the next start."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from models import ProcessedUpdate


async def test_stop_finishes_the_update_in_hand(start_bot, structure, user_factory, tg, sessionmaker):
    running = await start_bot()
    mei = user_factory()
    await mei.send("/start")  # warm up: the person exists
    tg.delays["sendmessage"] = 0.5  # Telegram is slow: the next reply takes half a second
    first = tg.push(mei.message_update("/help"))
    second = tg.push(mei.message_update("/menu"))  # the same person: waits behind the first
    await asyncio.sleep(0.2)  # the bot is now inside the /help handler, waiting for Telegram
    await running.stop()  # SIGTERM in production
    tg.delays.clear()
    helps = [c for c in tg.method_calls("sendMessage") if "How to use this bot" in c.text]
    assert len(helps) == 1 and helps[0].result != "failed"  # finished, not cut off
    assert tg.confirmed >= second  # both recorded, so confirmed: Telegram will not send them again
    assert second not in tg.handled
    async with sessionmaker() as s:
        statuses = dict((await s.exec(select(ProcessedUpdate.update_id, ProcessedUpdate.status))).all())
    assert statuses[first] == "done" and statuses[second] == "received"

    await start_bot()  # the next run handles what was left, once
    await tg.wait_handled(second)
    assert len([c for c in tg.method_calls("sendMessage") if "How to use this bot" in c.text]) == 1
    assert "Please press /start" in tg.calls_to(mei.id)[-1].text  # the answer to /menu, given after the restart

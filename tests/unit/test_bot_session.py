"""The lean request body is the same bytes aiogram's FormData sends; uploads still go as multipart."""

from __future__ import annotations

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import SendDocument, SendMessage
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from aiohttp import FormData
from aiohttp.payload import BytesPayload

from bot.telegram.bot_session import FORM, LeanFormSession

TOKEN = "123456789:lean-form-test-token"


def _bytes(body: object) -> bytes:
    if isinstance(body, FormData):
        body = body()
    assert isinstance(body, BytesPayload)
    return body._value


async def test_a_request_without_a_file_is_the_same_urlencoded_body():
    lean, stock = LeanFormSession(), AiohttpSession()
    bot = Bot(TOKEN, session=lean)
    button = InlineKeyboardButton(text="✅ 我今天很好 & well", callback_data="h:1")
    markup = InlineKeyboardMarkup(inline_keyboard=[[button]])
    method = SendMessage(chat_id=-100123, text="体温 36.6 °C\n& more = yes?", reply_markup=markup,
                         disable_notification=True)
    body = lean.build_form_data(bot, method)
    assert isinstance(body, BytesPayload) and body.content_type == FORM
    assert _bytes(body) == _bytes(stock.build_form_data(bot, method))
    await bot.session.close()
    await stock.close()


async def test_an_upload_is_multipart_as_aiogram_builds_it():
    lean = LeanFormSession()
    bot = Bot(TOKEN, session=lean)
    method = SendDocument(chat_id=5, document=BufferedInputFile(b"a,b\n1,2\n", filename="ledger.csv"))
    body = lean.build_form_data(bot, method)
    assert isinstance(body, FormData) and body.is_multipart
    await bot.session.close()

"""aiogram's aiohttp session with a cheaper request body.

aiogram builds every request as an aiohttp `FormData`, which sets up a multipart writer even for the common
request without a file, then encodes the fields as `application/x-www-form-urlencoded`. Here a request
without a file is encoded straight to those same bytes (same fields, same encoding, same content type); a
request that uploads a file is built by aiogram as before. The form-building machinery was about 5% of the
bot's CPU per update in the inbound burst bench (bench/RESULTS.md).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import TelegramMethod
from aiogram.types import InputFile
from aiohttp.payload import BytesPayload

FORM = "application/x-www-form-urlencoded"


class LeanFormSession(AiohttpSession):
    def build_form_data(self, bot: Bot, method: TelegramMethod[Any]) -> Any:
        files: dict[str, InputFile] = {}
        fields: list[tuple[str, Any]] = []
        for key, value in method.model_dump(warnings=False).items():
            value = self.prepare_value(value, bot=bot, files=files)
            if value:
                fields.append((key, value))
        if files:  # an upload: multipart, as aiogram builds it
            return super().build_form_data(bot, method)
        return BytesPayload(urlencode(fields, doseq=True).encode(), content_type=FORM)

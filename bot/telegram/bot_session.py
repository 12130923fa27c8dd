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
from aiogram.__meta__ import __version__
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import TelegramMethod
from aiogram.types import InputFile
from aiohttp import ClientSession
from aiohttp.hdrs import USER_AGENT
from aiohttp.http import SERVER_SOFTWARE
from aiohttp.payload import BytesPayload

from bot.platform.delivery.budget import wire_trace

FORM = "application/x-www-form-urlencoded"


class LeanFormSession(AiohttpSession):
    async def create_session(self) -> ClientSession:
        """aiogram's session, with the trace hook that stamps a message's send-budget slot as it leaves."""
        if self._should_reset_connector:
            await self.close()
        if self._session is None or self._session.closed:
            self._session = ClientSession(connector=self._connector_type(**self._connector_init),
                                          headers={USER_AGENT: f"{SERVER_SOFTWARE} aiogram/{__version__}"},
                                          trace_configs=[wire_trace()])
            self._should_reset_connector = False
        return self._session

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

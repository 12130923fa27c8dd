"""Drive the bot as people do: type text, press the buttons they can see, share a contact."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

from tests.fakes.telegram import Call, FakeTelegram

_query_ids = itertools.count(1)


@dataclass
class Reply:
    calls: list[Call]
    alerts: list[Call]

    @property
    def texts(self) -> list[str]:
        return [c.text for c in self.calls if c.text]

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    @property
    def alert(self) -> str:
        return "\n".join(c.params.get("text", "") for c in self.alerts if c.params.get("text"))

    @property
    def last(self) -> Call:
        return [c for c in self.calls if c.text or c.markup][-1]

    def reply_buttons(self) -> list[str]:
        for c in reversed(self.calls):
            if c.markup and "keyboard" in c.markup:
                return c.reply_buttons()
        return []

    def inline_buttons(self) -> list[str]:
        for c in reversed(self.calls):
            if c.markup and "inline_keyboard" in c.markup:
                return [b["text"] for b in c.inline_buttons()]
        return []

    def __contains__(self, needle: str) -> bool:
        return needle in self.text or needle in self.alert


class TgUser:
    def __init__(self, tg: FakeTelegram, user_id: int, first_name: str = "Mei", language_code: str | None = "en",
                 last_name: str | None = "Li") -> None:
        self.tg = tg
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.language_code = language_code
        self._message_ids = itertools.count(1)

    def as_user(self) -> dict:
        u = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            u["last_name"] = self.last_name
        if self.language_code:
            u["language_code"] = self.language_code
        return u

    def _message(self, chat: dict, **content: object) -> dict:
        return {"message_id": next(self._message_ids), "date": int(time.time()), "chat": chat,
                "from": self.as_user(), **content}

    def private_chat(self) -> dict:
        return {"id": self.id, "type": "private", "first_name": self.first_name}

    async def _run(self, payload: dict, query_id: str | None = None) -> Reply:
        since = len(self.tg.calls)
        update_id = self.tg.push(payload)
        await self.tg.wait_handled(update_id)
        return self._collect(since, query_id)

    def _collect(self, since: int, query_id: str | None) -> Reply:
        new = self.tg.calls[since:]
        mine = [c for c in new if c.chat_id == self.id]
        alerts = [c for c in new if c.method.lower() == "answercallbackquery" and c.result != "failed"  # seen
                  and (query_id is None or c.params.get("callback_query_id") == query_id)]
        return Reply(mine, alerts)

    def message_update(self, text: str, chat: dict | None = None) -> dict:
        content: dict = {"text": text}
        if text.startswith("/"):
            cmd = text.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(cmd)}]
        return {"message": self._message(chat or self.private_chat(), **content)}

    async def send(self, text: str) -> Reply:
        return await self._run(self.message_update(text))

    async def send_in_group(self, group_id: int, text: str, title: str = "Building 1") -> Reply:
        chat = {"id": group_id, "type": "supergroup", "title": title}
        since = len(self.tg.calls)
        update_id = self.tg.push(self.message_update(text, chat))
        await self.tg.wait_handled(update_id)
        return Reply([c for c in self.tg.calls[since:] if c.chat_id == group_id], [])

    async def send_sticker(self) -> Reply:
        sticker = {"file_id": "s", "file_unique_id": "s", "type": "regular", "width": 1, "height": 1,
                   "is_animated": False, "is_video": False}
        return await self._run({"message": self._message(self.private_chat(), sticker=sticker)})

    async def send_photo(self, caption: str = "", file_id: str = "photo-1") -> Reply:
        photo = [{"file_id": file_id, "file_unique_id": file_id, "width": 800, "height": 600}]
        return await self._run({"message": self._message(self.private_chat(), photo=photo, caption=caption)})

    async def send_document(self, data: bytes, file_name: str, caption: str = "") -> Reply:
        """A file sent to the bot (a spreadsheet): the fake serves its bytes to getFile and the download."""
        file_id = f"doc-{self.id}-{len(self.tg.user_files) + 1}"
        self.tg.user_files[file_id] = data
        content: dict = {"document": {"file_id": file_id, "file_unique_id": file_id, "file_name": file_name,
                                      "file_size": len(data)}}
        if caption:
            content["caption"] = caption
        return await self._run({"message": self._message(self.private_chat(), **content)})

    async def send_location(self, latitude: float, longitude: float) -> Reply:
        location = {"latitude": latitude, "longitude": longitude}
        return await self._run({"message": self._message(self.private_chat(), location=location)})

    async def share_contact(self, phone: str, user_id: int | None = None) -> Reply:
        contact = {"phone_number": phone, "first_name": self.first_name, "user_id": user_id or self.id}
        return await self._run({"message": self._message(self.private_chat(), contact=contact)})

    def find_button(self, label: str) -> tuple[int, str]:
        """The newest message on screen with an inline button whose text contains `label`."""
        for (chat_id, message_id), screen in sorted(self.tg.screens.items(), key=lambda kv: -kv[0][1]):
            if chat_id != self.id or not screen["markup"]:
                continue
            for row in screen["markup"]["inline_keyboard"]:
                for b in row:
                    if label in b["text"] and "callback_data" in b:
                        return message_id, b["callback_data"]
        raise AssertionError(f"no button {label!r} on screen for user {self.id}")

    def buttons_on_screen(self) -> list[str]:
        out = []
        for (chat_id, _mid), screen in sorted(self.tg.screens.items(), key=lambda kv: kv[0][1]):
            if chat_id == self.id and screen["markup"]:
                out += [b["text"] for row in screen["markup"]["inline_keyboard"] for b in row]
        return out

    async def press(self, label: str) -> Reply:
        message_id, data = self.find_button(label)
        return await self.press_data(data, message_id)

    async def press_in_group(self, group_id: int, label: str, title: str = "Building 1") -> Reply:
        """Press an inline button on a message the bot posted in a group."""
        for (chat_id, message_id), screen in sorted(self.tg.screens.items(), key=lambda kv: -kv[0][1]):
            if chat_id != group_id or not screen["markup"]:
                continue
            for row in screen["markup"]["inline_keyboard"]:
                for b in row:
                    if label in b["text"] and "callback_data" in b:
                        return await self.press_data(b["callback_data"], message_id,
                                                     chat={"id": group_id, "type": "supergroup", "title": title})
        raise AssertionError(f"no button {label!r} in group {group_id}")

    def press_update(self, data: str, message_id: int = 1, chat: dict | None = None) -> dict:
        """A press of a button with this callback data on this message, as Telegram sends it."""
        chat = chat or self.private_chat()
        # The message as it shows at the moment of the press: its text and its keyboard (Telegram sends both).
        screen = self.tg.screens.get((chat["id"], message_id)) or {}
        message = {"message_id": message_id, "date": int(time.time()), "chat": chat,
                   "from": {"id": 999000111, "is_bot": True, "first_name": "Community Bot"},
                   "text": screen.get("text") or "…"}
        if screen.get("markup"):
            message["reply_markup"] = screen["markup"]
        return {"callback_query": {"id": str(next(_query_ids)), "from": self.as_user(), "chat_instance": "ci",
                                   "message": message, "data": data}}

    async def press_data(self, data: str, message_id: int = 1, chat: dict | None = None) -> Reply:
        payload = self.press_update(data, message_id, chat)
        query_id = payload["callback_query"]["id"]
        if chat is None:
            return await self._run(payload, query_id)
        since = len(self.tg.calls)
        await self.tg.wait_handled(self.tg.push(payload))
        new = self.tg.calls[since:]
        return Reply([c for c in new if c.chat_id == chat["id"]],
                     [c for c in new if c.method.lower() == "answercallbackquery"
                      and c.params.get("callback_query_id") == query_id])

"""A fake Telegram Bot API server over real HTTP on 127.0.0.1.

It implements the methods the bot uses, keeps a queue of updates for getUpdates (long polling),
records every call, and can be told to fail a method (429 with retry_after, 403, 400, 5xx, or a
delay for timeouts). Tests inject updates as a person would produce them and read what the bot did.
It refuses what Telegram refuses: a second answer to one callback query, an edit that changes nothing, text
over 4,096 characters (captions over 1,024, callback answers over 200), empty text, callback data over 64
bytes, and (with `limits`) sends over the flood limits with 429.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_USER = {"id": 999000111, "is_bot": True, "first_name": "Community Bot", "username": "community_test_bot",
            "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}
JSON_FIELDS = {"reply_markup", "allowed_updates", "commands", "scope", "entities", "link_preview_options",
               "reply_parameters", "caption_entities", "media"}


class BadRequest(Exception):
    pass


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float
    result: Any = None
    error: str | None = None  # Telegram's refusal, when the fake refused the call on its own

    @property
    def chat_id(self) -> int | None:
        v = self.params.get("chat_id")
        return int(v) if v is not None and str(v).lstrip("-").isdigit() else None

    @property
    def text(self) -> str:
        return self.params.get("text") or self.params.get("caption") or ""

    @property
    def markup(self) -> dict | None:
        return self.params.get("reply_markup")

    def inline_buttons(self) -> list[dict]:
        m = self.markup or {}
        return [b for row in m.get("inline_keyboard", []) for b in row]

    def reply_buttons(self) -> list[str]:
        m = self.markup or {}
        return [b["text"] if isinstance(b, dict) else b for row in m.get("keyboard", []) for b in row]


@dataclass
class Failure:
    status: int
    description: str
    retry_after: int | None = None
    migrate_to_chat_id: int | None = None
    times: int = 1
    chat_id: int | None = None
    delay: float = 0.0


@dataclass
class Limits:
    """Telegram's flood limits, scaled down in tests for speed: a send over them gets 429."""

    per_second: float = 30.0  # whole bot, counted over a sliding second
    private_interval: float = 1.0  # seconds between two messages to one private chat
    group_count: int = 20  # per group ...
    group_window: float = 60.0  # ... per this many seconds


SEND_METHODS = {"sendmessage", "sendphoto", "senddocument"}


@dataclass
class FakeTelegram:
    token: str
    calls: list[Call] = field(default_factory=list)
    updates: list[dict] = field(default_factory=list)
    confirmed: int = 0
    failures: dict[str, list[Failure]] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)  # what the bot uploaded, by file name
    # What people sent the bot (documents), by file_id: getFile and /file/bot<token>/<path> serve them.
    user_files: dict[str, bytes] = field(default_factory=dict)
    # What each chat shows now: (chat_id, message_id) -> {"text", "markup"}; edits update it.
    screens: dict[tuple[int, int], dict] = field(default_factory=dict)
    # Seconds to wait before answering a method successfully (a slow Telegram).
    delays: dict[str, float] = field(default_factory=dict)
    limits: Limits | None = None  # None: no flood control (conversation tests)
    forbidden: set[int] = field(default_factory=set)  # chats that blocked the bot: always 403
    r429: int = 0
    # chat_id -> ids of messages that reached it ("delivered"), for duplicate/loss counting
    delivered: dict[int, list[str]] = field(default_factory=dict)
    # A round trip to Telegram: every method answers after this many seconds (tens to hundreds of ms in
    # production; 0 on loopback). Benchmarks set it; conversation tests leave it at 0.
    latency: float = 0.0
    # Called with every successful call as it is recorded (benchmarks time the bot's answers with it).
    on_call: Any = None
    # (method, chat_id, seconds): the next such call to that chat answers that much later (once each).
    slow: list[tuple[str, int, float]] = field(default_factory=list)
    # True when the bot under test runs in this process and reports each update it has handled (mark_handled).
    reports_handled: bool = False

    def __post_init__(self) -> None:
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)
        self._new_update = asyncio.Event()
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._closing = False
        self._send_times: deque[float] = deque()
        self._chat_times: dict[int, deque[float]] = {}
        self.handled: set[int] = set()
        self._handled_waiters: dict[int, asyncio.Future] = {}
        self._answered: set[str] = set()  # callback query ids already answered

    # ---- server ------------------------------------------------------------------------------
    async def start(self) -> str:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.*}", self._download)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self.base_url

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        self._closing = True
        self._new_update.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json())
            return params
        form = await request.post()
        for k, v in form.items():
            if isinstance(v, web.FileField):
                data = v.file.read()
                self.files[v.filename or k] = data
                params[k] = {"filename": v.filename, "size": len(data)}
            elif k in JSON_FIELDS:
                try:
                    params[k] = json.loads(v)
                except ValueError:
                    params[k] = v
            else:
                params[k] = v
        for k, v in list(params.items()):  # aiogram sends files as attach://<field>
            if isinstance(v, str) and v.startswith("attach://") and v[9:] in params:
                params[k] = params.pop(v[9:])
        return params

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = await self._params(request)
        if method.lower() != "getupdates":
            failure = self._take_failure(method, params)
            if failure is not None:
                self.calls.append(Call(method, params, time.monotonic(), result="failed"))
                if failure.delay:
                    await asyncio.sleep(failure.delay)
                body: dict[str, Any] = {"ok": False, "error_code": failure.status,
                                        "description": failure.description}
                extra: dict[str, Any] = {}
                if failure.retry_after is not None:
                    extra["retry_after"] = failure.retry_after
                if failure.migrate_to_chat_id is not None:
                    extra["migrate_to_chat_id"] = failure.migrate_to_chat_id
                if extra:
                    body["parameters"] = extra
                return web.json_response(body, status=failure.status)
        if method.lower() in SEND_METHODS and params.get("chat_id") is not None \
                and int(params["chat_id"]) in self.forbidden:
            self.calls.append(Call(method, params, time.monotonic(), result="failed"))
            return web.json_response({"ok": False, "error_code": 403,
                                      "description": "Forbidden: bot was blocked by the user"}, status=403)
        if self.limits is not None and method.lower() in SEND_METHODS:
            wait = self._over_limit(int(params["chat_id"]))
            if wait > 0:
                self.r429 += 1
                self.calls.append(Call(method, params, time.monotonic(), result="429"))
                return web.json_response({"ok": False, "error_code": 429,
                                          "description": f"Too Many Requests: retry after {math.ceil(wait)}",
                                          "parameters": {"retry_after": math.ceil(wait)}}, status=429)
        if self.latency:
            await asyncio.sleep(self.latency)
        for i, (m, chat, seconds) in enumerate(self.slow):
            if m == method.lower() and str(params.get("chat_id")) == str(chat):
                del self.slow[i]
                await asyncio.sleep(seconds)
                break
        if self.delays.get(method.lower()):
            await asyncio.sleep(self.delays[method.lower()])
        handler = getattr(self, "m_" + method.lower(), None)
        try:
            self._refuse_what_telegram_refuses(method.lower(), params)
            result: Any = True if handler is None else await handler(params)
        except BadRequest as e:
            self.calls.append(Call(method, params, time.monotonic(), result="failed", error=str(e)))
            return web.json_response({"ok": False, "error_code": 400, "description": str(e)}, status=400)
        if method.lower() != "getupdates":
            call = Call(method, params, time.monotonic(), result)
            self.calls.append(call)
            if self.on_call is not None:
                self.on_call(call)
            async with self._changed:
                self._changed.notify_all()
        return web.json_response({"ok": True, "result": result})

    TEXT_LIMIT, CAPTION_LIMIT, CALLBACK_DATA_LIMIT, ANSWER_LIMIT = 4096, 1024, 64, 200

    def _refuse_what_telegram_refuses(self, method: str, params: dict) -> None:
        """The Bot API's own refusals that a bot must not rely on getting away with."""
        if method in ("sendmessage", "editmessagetext"):
            text = params.get("text") or ""
            if not text.strip():
                raise BadRequest("Bad Request: message text is empty")
            if len(text) > self.TEXT_LIMIT:
                raise BadRequest("Bad Request: message is too long")
        if len(params.get("caption") or "") > self.CAPTION_LIMIT:
            raise BadRequest("Bad Request: message caption is too long")
        markup = params.get("reply_markup")
        if isinstance(markup, dict):
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    data = button.get("callback_data")
                    if data is not None and not 1 <= len(data.encode()) <= self.CALLBACK_DATA_LIMIT:
                        raise BadRequest("Bad Request: BUTTON_DATA_INVALID")
        if method == "answercallbackquery":
            query_id = str(params.get("callback_query_id"))
            if query_id in self._answered:
                raise BadRequest("Bad Request: query is too old and response timeout expired or query ID is invalid")
            if len(params.get("text") or "") > self.ANSWER_LIMIT:
                raise BadRequest("Bad Request: MESSAGE_TOO_LONG")
            self._answered.add(query_id)

    def _over_limit(self, chat_id: int) -> float:
        """Seconds until this send would be allowed; 0 records it as allowed."""
        lim = self.limits
        assert lim is not None
        now = time.monotonic()
        sends = self._send_times
        while sends and sends[0] <= now - 1.0:
            sends.popleft()
        waits = []
        if len(sends) >= lim.per_second:
            waits.append(sends[0] + 1.0 - now)
        chat = self._chat_times.setdefault(chat_id, deque())
        if chat_id > 0:
            if chat and now - chat[-1] < lim.private_interval:
                waits.append(chat[-1] + lim.private_interval - now)
        else:
            while chat and chat[0] <= now - lim.group_window:
                chat.popleft()
            if len(chat) >= lim.group_count:
                waits.append(chat[0] + lim.group_window - now)
        if waits:
            return max(max(waits), 0.001)
        sends.append(now)
        chat.append(now)
        return 0.0

    def _take_failure(self, method: str, params: dict) -> Failure | None:
        """The first failure queued for this call: one aimed at its chat, or at no chat in particular (one aimed at
        another chat waits for that chat's call, whichever order concurrent requests arrive in)."""
        queue = self.failures.get(method.lower()) or []
        for i, f in enumerate(queue):
            if f.chat_id is not None and str(params.get("chat_id")) != str(f.chat_id):
                continue
            f.times -= 1
            if f.times <= 0:
                queue.pop(i)
            return f
        return None

    def fail(self, method: str, status: int, description: str, *, times: int = 1, retry_after: int | None = None,
             migrate_to_chat_id: int | None = None, chat_id: int | None = None, delay: float = 0.0) -> None:
        self.failures.setdefault(method.lower(), []).append(
            Failure(status, description, retry_after, migrate_to_chat_id, times, chat_id, delay))

    # ---- Bot API methods ---------------------------------------------------------------------
    async def m_getme(self, params: dict) -> dict:
        return BOT_USER

    async def m_getupdates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        if offset:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            if offset - 1 > self.confirmed:
                self.confirmed = offset - 1
                async with self._changed:
                    self._changed.notify_all()
        deadline = time.monotonic() + timeout
        while not self.updates and not self._closing:
            self._new_update.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                await asyncio.wait_for(self._new_update.wait(), remaining)
            except TimeoutError:
                break
        limit = int(params.get("limit") or 100)
        return self.updates[:limit]

    def _message(self, params: dict, **extra: Any) -> dict:
        chat_id = int(params["chat_id"])
        msg = {"message_id": next(self._message_ids), "date": int(time.time()),
               "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
               "from": BOT_USER}
        msg.update(extra)
        if "reply_markup" in params and isinstance(params["reply_markup"], dict) \
                and "inline_keyboard" in params["reply_markup"]:
            msg["reply_markup"] = params["reply_markup"]
        return msg

    def _show(self, msg: dict, params: dict, *, edit: bool) -> dict:
        key = (msg["chat"]["id"], msg["message_id"])
        screen = self.screens.setdefault(key, {"text": "", "markup": None})
        if "text" in params or not edit:
            screen["text"] = params.get("text") or params.get("caption") or screen["text"]
        markup = params.get("reply_markup")
        screen["markup"] = markup if isinstance(markup, dict) and "inline_keyboard" in markup else None
        return msg

    async def m_sendmessage(self, params: dict) -> dict:
        self.delivered.setdefault(int(params["chat_id"]), []).append(params.get("text", ""))
        return self._show(self._message(params, text=params.get("text", "")), params, edit=False)

    async def m_sendphoto(self, params: dict) -> dict:
        return self._message(params, photo=[{"file_id": "p1", "file_unique_id": "p1", "width": 1, "height": 1}],
                             caption=params.get("caption"))

    async def m_getfile(self, params: dict) -> dict:
        file_id = params.get("file_id") or ""
        if file_id not in self.user_files:
            raise BadRequest("Bad Request: invalid file_id")
        return {"file_id": file_id, "file_unique_id": file_id, "file_size": len(self.user_files[file_id]),
                "file_path": f"documents/{file_id}"}

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        file_id = request.match_info["path"].rsplit("/", 1)[-1]
        if file_id not in self.user_files:
            return web.Response(status=404)
        return web.Response(body=self.user_files[file_id])

    async def m_senddocument(self, params: dict) -> dict:
        return self._message(params, document={"file_id": "d1", "file_unique_id": "d1"},
                             caption=params.get("caption"))

    async def _edit(self, params: dict) -> dict | web.Response:
        key = (int(params["chat_id"]), int(params.get("message_id", 0)))
        if key not in self.screens:
            raise BadRequest("Bad Request: message to edit not found")
        screen = self.screens[key]
        new_markup = params.get("reply_markup") if isinstance(params.get("reply_markup"), dict) else None
        if params.get("text", screen["text"]) == screen["text"] and new_markup == screen["markup"]:
            raise BadRequest("Bad Request: message is not modified")
        msg = self._message(params, text=params.get("text", screen["text"]), message_id=key[1])
        return self._show(msg, params, edit=True)

    async def m_editmessagetext(self, params: dict) -> dict:
        return await self._edit(params)

    async def m_editmessagereplymarkup(self, params: dict) -> dict:
        return await self._edit(params)

    # ---- injecting updates -------------------------------------------------------------------
    def push(self, payload: dict) -> int:
        update_id = next(self._update_ids)
        self.updates.append({"update_id": update_id, **payload})
        self._new_update.set()
        return update_id

    def redeliver(self, update_id: int, payload: dict) -> None:
        """Deliver an update again with the same id, as Telegram does after a lost confirmation."""
        self.updates.append({"update_id": update_id, **payload})
        self._new_update.set()

    async def _wait_quiet(self, update_id: int, timeout: float, quiet: float = 0.3) -> None:
        """For a bot in another process, which cannot report: the update is confirmed (recorded) and the bot
        has then made no call for `quiet` seconds."""
        async with asyncio.timeout(timeout):
            await self.wait_for(lambda: self.confirmed >= update_id, timeout)
            seen = -1
            while seen != len(self.calls):
                seen = len(self.calls)
                await asyncio.sleep(quiet)

    def mark_handled(self, update_id: int) -> None:
        """The bot under test reports each update it has finished with (its poller's `on_handled`): polling
        confirms an update once it is recorded, before it is handled, so confirmation cannot tell."""
        self.handled.add(update_id)
        waiter = self._handled_waiters.pop(update_id, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def wait_handled(self, update_id: int, timeout: float = 10.0) -> None:
        if not self.reports_handled:
            await self._wait_quiet(update_id, timeout)
            return
        if update_id in self.handled:
            return
        waiter = self._handled_waiters.setdefault(update_id, asyncio.get_running_loop().create_future())
        await asyncio.wait_for(asyncio.shield(waiter), timeout)

    async def wait_for(self, predicate, timeout: float = 5.0) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), timeout)

    def calls_to(self, chat_id: int, since: int = 0) -> list[Call]:
        return [c for c in self.calls[since:] if c.chat_id == chat_id]

    def method_calls(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method.lower() == method.lower()]

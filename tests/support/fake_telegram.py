"""A fake Telegram Bot API server on 127.0.0.1, for python-telegram-bot's real request path.

Point the bot at `fake.base_url` (TELEGRAM_BASE_URL). It answers getMe, deleteWebhook,
setMyCommands, getUpdates (scripted updates served once each, then a brief long poll),
getChatMember (scripted statuses), sendMessage (recorded; can be told to answer 429 or 403),
answerCallbackQuery and editMessageText (of a message it holds: like the real one it answers 400
"message is not modified" to the same text, "message to edit not found" once `delete` removed
it, "message can't be edited" once `make_uneditable` says so). Every call is recorded with its
decoded parameters; `message(chat, id)` is a message as it reads now, edits applied.
Another token is answered 401 Unauthorized; `unreachable = True` closes every connection unanswered.
`strict = True` enforces Telegram's limits as a server would (one message a second per private
chat, 20 a minute per group, 30 a second overall, counted at arrival) and answers 429 past them;
`jitter` delays each request's arrival by up to that many seconds; `flood()` answers every send
(or one chat's) 429 for a while. Every 429 the fake gave is in `too_many`.
Like the real one it refuses (400) text over 4096 characters and HTML it cannot parse: an
unsupported or unclosed tag, a stray `<` or `&`, a tag cut in the middle.

    with FakeTelegram() as fake:
        fake.push_message(user=42, text="/subscribe Squid Game")
        sent = await fake.wait_for_sent(lambda m: m.chat_id == "42")
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import math
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl, quote

from tests.support.http_server import LocalServer, Request, Response

TOKEN = "123:TEST"
BOT_ID = 123
BOT_USERNAME = "showbot_test"
LONG_POLL_CAP = 0.5  # seconds a getUpdates with nothing to serve is held
# parameters PTB sends JSON-encoded (strings like `text` are sent as they are)
_JSON_PARAMS = {"reply_markup", "link_preview_options", "commands", "scope", "allowed_updates", "entities",
                "reply_parameters", "offset", "timeout", "limit", "user_id", "message_id", "show_alert"}


@dataclass(frozen=True)
class Call:
    method: str
    params: dict[str, Any]
    at: float

    @property
    def chat_id(self) -> str:
        return str(self.params.get("chat_id", ""))

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback_data) of the inline keyboard, row by row."""
        markup = self.params.get("reply_markup") or {}
        return [(b["text"], b.get("callback_data", "")) for row in markup.get("inline_keyboard", []) for b in row]


def _ok(result: Any) -> Response:
    return Response(200, json.dumps({"ok": True, "result": result}).encode(), {"Content-Type": "application/json"})


def _error(code: int, description: str, **parameters: Any) -> Response:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return Response(code, json.dumps(body).encode(), {"Content-Type": "application/json"})


FORBIDDEN = "Forbidden: bot was blocked by the user"
TEXT_LIMIT = 4096  # characters of the text as shown, after entity parsing
HTML_TAGS = frozenset({"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a",
                       "tg-emoji", "code", "pre", "blockquote"})
_HTML_TOKEN = re.compile(
    r'<(?P<close>/?)(?P<tag>[a-z-]+)(?P<attrs>(?:\s+[a-z-]+="[^"<>]*")*)\s*>'
    r"|(?P<entity>&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)|(?P<stray>[<>&])"
)


def html_problem(text: str) -> str | None:
    """Why the Bot API would refuse `text` with parse_mode HTML, or None if it parses."""
    open_tags: list[str] = []
    for token in _HTML_TOKEN.finditer(text):
        if token.group("stray"):
            return f"can't parse entities: unexpected {token.group('stray')!r} at byte offset {token.start()}"
        tag = token.group("tag")
        if tag is None:
            continue
        if tag not in HTML_TAGS:
            return f"can't parse entities: unsupported start tag \"{tag}\" at byte offset {token.start()}"
        if token.group("close"):
            if not open_tags or open_tags.pop() != tag:
                return f"can't parse entities: unmatched end tag at byte offset {token.start()}"
        else:
            open_tags.append(tag)
    if open_tags:
        return f"can't parse entities: can't find end tag corresponding to start tag \"{open_tags[-1]}\""
    return None


def shown_length(text: str, parse_mode: str | None) -> int:
    """The length Telegram limits: the text as shown, in UTF-16 code units."""
    if parse_mode == "HTML":
        text = html.unescape(re.sub(r"<[^<>]*>", "", text))
    return len(text.encode("utf-16-le")) // 2


def text_problem(params: dict[str, Any]) -> Response | None:
    text = str(params.get("text", ""))
    parse_mode = params.get("parse_mode")
    if parse_mode == "HTML" and (problem := html_problem(text)):
        return _error(400, f"Bad Request: {problem}")
    if shown_length(text, parse_mode) > TEXT_LIMIT:
        return _error(400, "Bad Request: message is too long")
    if not text.strip():
        return _error(400, "Bad Request: message text is empty")
    return None


class FakeTelegram:
    def __init__(self, token: str = TOKEN, *, server: LocalServer | None = None) -> None:
        self.token = token
        self._own_server = server is None
        self.server = server or LocalServer()
        self.calls: list[Call] = []
        self.member_status: dict[tuple[str, str], str] = {}  # (chat_id, user_id) -> "administrator", …
        self._updates: list[dict[str, Any]] = []
        self._served: set[int] = set()
        self._send_failures: list[tuple[str | None, Response]] = []
        self._lock = threading.Condition()
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._messages: dict[tuple[str, int], dict[str, Any]] = {}  # what each chat shows now
        self._uneditable: set[tuple[str, int]] = set()
        self._callback_ids = itertools.count(1)
        handlers: dict[str, Callable[[dict[str, Any]], Response]] = {
            "getMe": self._get_me, "deleteWebhook": lambda p: _ok(True), "setMyCommands": lambda p: _ok(True),
            "getUpdates": self._get_updates, "getChatMember": self._get_chat_member,
            "sendMessage": self._send_message, "answerCallbackQuery": lambda p: _ok(True),
            "editMessageText": self._edit_message_text, "close": lambda p: _ok(True),
            "sendDocument": self._send_document, "getFile": self._get_file,
        }
        for method, handler in handlers.items():
            self.server.routes[f"/bot{token}/{method}"] = self._recorded(method, handler)
        self.files: dict[str, bytes] = {}  # file_id -> what a user sent (getFile, then a download)
        self.server.fallback = self._unknown
        self.unreachable = False  # True: every request's connection is closed unanswered
        self.strict = False
        self.jitter = 0.0
        self.too_many: list[Call] = []  # every send answered 429, with why in params["_429"]
        self._arrivals: dict[str, list[float]] = {}  # chat -> arrival times of its accepted messages
        self._all_arrivals: list[float] = []
        self._floods: dict[str | None, float] = {}  # chat (None: everyone) -> monotonic end of its flood wait

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """TELEGRAM_BASE_URL for the bot: PTB appends the token."""
        return f"{self.server.base}/bot"

    def __enter__(self) -> FakeTelegram:
        if self._own_server:
            self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._lock.notify_all()
        if self._own_server:
            self.server.__exit__(*exc)

    # -- scripting ---------------------------------------------------------------------------
    def push_update(self, update: dict[str, Any]) -> int:
        with self._lock:
            update = {"update_id": next(self._update_ids), **update}
            self._updates.append(update)
            self._lock.notify_all()
            return update["update_id"]

    def push_message(self, *, user: int, text: str, chat: int | None = None, chat_type: str = "private",
                     first_name: str = "Ann") -> int:
        """A user's text message; `chat` defaults to the private chat with `user`."""
        chat_obj = _chat(chat if chat is not None else user, chat_type, first_name)
        message = {"message_id": next(self._message_ids), "date": int(time.time()), "chat": chat_obj,
                   "from": _user(user, first_name), "text": text}
        if text.startswith("/"):
            length = len(text.split(maxsplit=1)[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return self.push_update({"message": message})

    def push_document(self, *, user: int, data: bytes, filename: str, caption: str = "", chat: int | None = None,
                      chat_type: str = "private", first_name: str = "Ann") -> int:
        """A user sends a file (its caption may be a command: "/feed import")."""
        file_id = f"file-{len(self.files) + 1}"
        self.files[file_id] = data
        chat_obj = _chat(chat if chat is not None else user, chat_type, first_name)
        message: dict[str, Any] = {
            "message_id": next(self._message_ids), "date": int(time.time()), "chat": chat_obj,
            "from": _user(user, first_name),
            "document": {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_name": filename,
                         "mime_type": "application/octet-stream", "file_size": len(data)},
        }
        if caption:
            message["caption"] = caption
            if caption.startswith("/"):
                message["caption_entities"] = [{"type": "bot_command", "offset": 0,
                                                "length": len(caption.split(maxsplit=1)[0])}]
        return self.push_update({"message": message})

    def push_callback(self, *, user: int, data: str, message: Call, first_name: str = "Ann") -> int:
        """A press on a button of a message the bot sent (`message` is the recorded sendMessage)."""
        return self.push_update({"callback_query": {
            "id": str(next(self._callback_ids)), "from": _user(user, first_name), "chat_instance": "1",
            "data": data, "message": message.params["_result"],
        }})

    def set_member(self, chat: int, user: int, status: str) -> None:
        self.member_status[(str(chat), str(user))] = status

    def fail_next_send(self, *, status: int, chat_id: int | str | None = None, retry_after: int = 1) -> None:
        """Answer the next sendMessage (to `chat_id`, or any chat) with 429 or 403."""
        if status == 429:
            response = _error(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)
        elif status == 403:
            response = _error(403, FORBIDDEN)
        else:
            response = _error(status, "Bad Request: message text is empty")
        with self._lock:
            self._send_failures.append((None if chat_id is None else str(chat_id), response))

    def flood(self, seconds: float, *, chat_id: int | str | None = None) -> None:
        """From now on, for `seconds`, answer every send (to `chat_id`, or to anyone) 429."""
        with self._lock:
            self._floods[None if chat_id is None else str(chat_id)] = time.monotonic() + seconds

    def delete(self, chat_id: int | str, message_id: int) -> None:
        """The user deleted the message: an edit of it is answered "message to edit not found"."""
        with self._lock:
            self._messages.pop((str(chat_id), int(message_id)), None)

    def make_uneditable(self, chat_id: int | str, message_id: int) -> None:
        """The message can no longer be edited (too old, say)."""
        with self._lock:
            self._uneditable.add((str(chat_id), int(message_id)))

    # -- what the bot did ------------------------------------------------------------------------
    def message(self, chat_id: int | str, message_id: int) -> dict[str, Any] | None:
        """The message as the chat shows it now (edits applied), or None if there is none."""
        with self._lock:
            return self._messages.get((str(chat_id), int(message_id)))

    @property
    def edits(self) -> list[Call]:
        """editMessageText calls that changed a message."""
        return [c for c in self.calls_to("editMessageText") if c.params.get("_accepted")]

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    @property
    def sent(self) -> list[Call]:
        """sendMessage calls that succeeded."""
        return [c for c in self.calls_to("sendMessage") if c.params.get("_accepted")]

    async def wait_for(self, method: str, predicate: Callable[[Call], bool] = lambda c: True, *,
                       within: float = 5.0, accepted_only: bool = True) -> Call:
        deadline = time.monotonic() + within
        while True:
            for call in self.calls_to(method):
                if accepted_only and method == "sendMessage" and not call.params.get("_accepted"):
                    continue
                if predicate(call):
                    return call
            if time.monotonic() > deadline:
                seen = [(c.method, c.params.get("chat_id"), c.params.get("text")) for c in self.calls]
                raise AssertionError(f"no matching {method} within {within}s; calls: {seen}")
            await asyncio.sleep(0.02)

    async def wait_until(self, probe: Callable[[], Any], *, within: float = 5.0) -> Any:
        """The first non-None answer of `probe`, polled until `within` seconds have passed."""
        deadline = time.monotonic() + within
        while (found := probe()) is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"nothing within {within}s; calls: {[c.method for c in self.calls]}")
            await asyncio.sleep(0.02)
        return found

    async def wait_for_sent(self, predicate: Callable[[Call], bool] = lambda c: True, *,
                            within: float = 5.0) -> Call:
        return await self.wait_for("sendMessage", predicate, within=within)

    # -- the Bot API -------------------------------------------------------------------------------
    def _unknown(self, request: Request) -> Response:
        """Another token (or a typo'd path): the Bot API answers 401 to a token it doesn't know."""
        if self.unreachable:
            return Response(drop=True)
        if request.path.startswith("/bot"):
            with self._lock:
                self.calls.append(Call("rejected", {"path": request.path}, time.time()))
            return _error(401, "Unauthorized")
        return _error(404, "Not Found")

    def _recorded(self, method: str, handler: Callable[[dict[str, Any]], Response]) -> Callable[[Request], Response]:
        def route(request: Request) -> Response:
            if self.unreachable:
                return Response(drop=True)
            if self.jitter:
                time.sleep(random.uniform(0, self.jitter))  # the request arrives a little late
            params = _decode(request)
            call = Call(method, params, time.time())
            with self._lock:
                self.calls.append(call)
            return handler(params)

        return route

    def _get_me(self, params: dict[str, Any]) -> Response:
        return _ok({"id": BOT_ID, "is_bot": True, "first_name": "ShowBot", "username": BOT_USERNAME,
                    "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False})

    def _get_updates(self, params: dict[str, Any]) -> Response:
        offset = int(params.get("offset") or 0)
        wait = min(float(params.get("timeout") or 0), LONG_POLL_CAP)
        deadline = time.monotonic() + wait
        with self._lock:
            while True:
                ready = [u for u in self._updates if u["update_id"] not in self._served and u["update_id"] >= offset]
                remaining = deadline - time.monotonic()
                if ready or remaining <= 0:
                    break
                self._lock.wait(remaining)
            self._served.update(u["update_id"] for u in ready)
        return _ok(ready)

    def _get_chat_member(self, params: dict[str, Any]) -> Response:
        key = (str(params.get("chat_id")), str(params.get("user_id")))
        status = self.member_status.get(key, "member")
        member: dict[str, Any] = {"status": status, "user": _user(int(key[1]), "Ann")}
        if status == "administrator":
            member.update({flag: True for flag in (
                "can_be_edited", "can_manage_chat", "can_delete_messages", "can_manage_video_chats",
                "can_restrict_members", "can_promote_members", "can_change_info", "can_invite_users",
                "can_post_stories", "can_edit_stories", "can_delete_stories")}, is_anonymous=False)
        elif status == "creator":
            member["is_anonymous"] = False
        return _ok(member)

    def _send_message(self, params: dict[str, Any]) -> Response:
        chat_id = str(params.get("chat_id"))
        with self._lock:
            for index, (target, response) in enumerate(self._send_failures):
                if target is None or target == chat_id:
                    del self._send_failures[index]
                    return response
        if refused := text_problem(params):
            return refused
        if limited := self._rate_limit(chat_id, params):
            return limited
        result = self._message(chat_id, params)
        params["_accepted"] = True
        params["_result"] = result
        return _ok(result)

    def _rate_limit(self, chat_id: str, params: dict[str, Any]) -> Response | None:
        """429 during a flood, or (strict) past Telegram's limits; else count the message."""
        now = time.monotonic()
        with self._lock:
            for target in (chat_id, None):
                until = self._floods.get(target, 0.0)
                if until > now:
                    return self._too_many(params, math.ceil(until - now), "flood" if target is None else "chat flood")
            if self.strict:
                arrivals = self._arrivals.setdefault(chat_id, [])
                group = chat_id.startswith("-")
                if group and len([t for t in arrivals if now - t < 60.0]) >= 20:
                    return self._too_many(params, 3, "group over 20 a minute")
                if not group and arrivals and now - arrivals[-1] < 1.0:
                    return self._too_many(params, 1, f"private chat {now - arrivals[-1]:.3f}s after the last")
                if len([t for t in self._all_arrivals if now - t < 1.0]) >= 30:
                    return self._too_many(params, 1, "over 30 a second")
            self._arrivals.setdefault(chat_id, []).append(now)
            self._all_arrivals = [t for t in self._all_arrivals if now - t < 1.0] + [now]
        return None

    def _too_many(self, params: dict[str, Any], retry_after: int, why: str) -> Response:
        params["_429"] = why
        self.too_many.append(Call("sendMessage", params, time.time()))
        return _error(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)

    def _send_document(self, params: dict[str, Any]) -> Response:
        """A file the bot sends (multipart: its bytes in `document`, their name in `_filename`)."""
        if "document" not in params:
            return _error(400, "Bad Request: there is no document in the request")
        result = self._message(str(params.get("chat_id")), {**params, "text": ""})
        result["document"] = {"file_id": "sent", "file_unique_id": "sent", "file_name": params.get("_filename", "")}
        if params.get("caption"):
            result["caption"] = params["caption"]
        params["_accepted"] = True
        params["_result"] = result
        return _ok(result)

    def _get_file(self, params: dict[str, Any]) -> Response:
        file_id = str(params.get("file_id"))
        if file_id not in self.files:
            return _error(400, "Bad Request: invalid file_id")
        path = f"documents/{file_id}.bin"
        route = f"/file/bot{self.token}/{path}"
        for served in (route, quote(route)):  # PTB percent-encodes the URL (the token's ':')
            self.server.routes[served] = Response(200, self.files[file_id])
        return _ok({"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": len(self.files[file_id]),
                    "file_path": path})

    def _edit_message_text(self, params: dict[str, Any]) -> Response:
        if refused := text_problem(params):
            return refused
        key = (str(params.get("chat_id")), int(params.get("message_id") or 0))
        with self._lock:
            current = self._messages.get(key)
            if current is None:
                return _error(400, "Bad Request: message to edit not found")
            if key in self._uneditable:
                return _error(400, "Bad Request: message can't be edited")
            if current.get("text") == params.get("text") and current.get("reply_markup") == params.get("reply_markup"):
                return _error(400, "Bad Request: message is not modified: specified new message content and reply "
                                   "markup are exactly the same as a current content and reply markup of the message")
        params["_accepted"] = True
        return _ok(self._message(key[0], params, message_id=key[1]))

    def _message(self, chat_id: str, params: dict[str, Any], *, message_id: Any = None) -> dict[str, Any]:
        chat = int(chat_id) if chat_id.lstrip("-").isdigit() else 1
        result: dict[str, Any] = {
            "message_id": int(message_id) if message_id else next(self._message_ids), "date": int(time.time()),
            "chat": _chat(chat, "private" if chat > 0 else "supergroup"), "from": _user(BOT_ID, "ShowBot", bot=True),
            "text": params.get("text", ""),
        }
        if params.get("reply_markup"):
            result["reply_markup"] = params["reply_markup"]
        if message_id:
            result["edit_date"] = int(time.time())
        with self._lock:
            self._messages[(chat_id, int(result["message_id"]))] = {**result, "params": params}
        return result


def _user(user_id: int, first_name: str, *, bot: bool = False) -> dict[str, Any]:
    return {"id": user_id, "is_bot": bot, "first_name": first_name}


def _chat(chat_id: int, chat_type: str, first_name: str = "Ann") -> dict[str, Any]:
    if chat_type == "private":
        return {"id": chat_id, "type": "private", "first_name": first_name}
    return {"id": chat_id, "type": chat_type, "title": "Show fans"}


def _decode(request: Request) -> dict[str, Any]:
    """PTB posts form data (multipart when it uploads a file); non-string values are JSON-encoded."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        return dict(request.json())
    if content_type.startswith("multipart/form-data"):
        return _multipart(content_type, request.body)
    params: dict[str, Any] = {}
    query = request.path.partition("?")[2]
    for key, value in parse_qsl(query + "&" + request.body.decode("utf-8"), keep_blank_values=True):
        if key in _JSON_PARAMS:
            try:
                params[key] = json.loads(value)
                continue
            except json.JSONDecodeError:
                pass
        params[key] = value
    return params


def _multipart(content_type: str, body: bytes) -> dict[str, Any]:
    """A multipart/form-data body: text fields as _decode gives them, a file's bytes under its field
    name (and its filename under `_filename`)."""
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    params: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        data = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename:
            params[str(name)] = data
            params["_filename"] = filename
            continue
        value = data.decode("utf-8")
        if name in _JSON_PARAMS:
            try:
                params[str(name)] = json.loads(value)
                continue
            except json.JSONDecodeError:
                pass
        params[str(name)] = value
    return params

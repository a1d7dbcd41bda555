"""A fake Discord on 127.0.0.1 that the real discord.py client logs in to and connects to.

REST answers at `fake.api_base` (discord.py's `Route.BASE`; showbot's DISCORD_API_BASE), and
`GET /gateway/bot` announces the fake's own gateway websocket, which speaks the real protocol:
HELLO, IDENTIFY -> READY + GUILD_CREATE, heartbeats and their ACKs, RESUME (with replay) on the
`resume_gateway_url`, RECONNECT / INVALID_SESSION on demand, and the `zlib-stream` transport
compression discord.py asks for (or none; `zstd-stream` when a zstd module is installed).

    with FakeDiscord() as fake:                      # serves from a thread with its own event loop
        env["DISCORD_TOKEN"], env["DISCORD_API_BASE"] = fake.token, fake.api_base
        ...start `showbot run`...
        await fake.wait_for_ready()
        asked = fake.invoke("subscribe", user=SUBSCRIBER, show="Slow Horses")
        reply = await fake.wait_for_reply(asked)     # the interaction callback, as recorded
        news = await fake.wait_for_message(lambda m: m.channel_id == NEWS_CHANNEL)

`async with FakeDiscord()` serves on the running loop instead (for an in-process client), and
`python -m tests.support.fake_discord` runs it standalone, with a small control API under `/_fake/`.

The world is one server by default (`default_guild`): #news and #general, the roles @everyone,
Fans, Mods and Admins, and members Ann, Mo (Mods) and Ada (Admins, Manage Server). Slash commands
are invoked from the schema the bot synced (an option it never declared is refused, as Discord's
client would), interaction callbacks, follow-ups and edits of the original response are kept per
interaction (3 s to answer, one acknowledgement), and channel messages are validated like
Discord does (content, embed limits, allowed_mentions, `enforce_nonce` de-duplication).
Every REST call is recorded (`calls`); an unknown route answers a Discord-shaped 404 and is kept
in `unknown_calls` and logged, so a new library call shows up at once. `fail_next` makes the next
matching request answer 429 (`retry_after`, `global`), 403 (50013, 50007), 404 or a 5xx.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import enum
import itertools
import json
import logging
import math
import re
import secrets
import threading
import time
import zlib
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from aiohttp import WSMsgType, web

_log = logging.getLogger(__name__)

T = TypeVar("T")

API_VERSIONS = (9, 10)
API_VERSION = 10
TOKEN = "MTEwMDAwMDAwMDAwMDAwMDAwMQ.FakeDc.showbot-fake-discord-token"
DISCORD_EPOCH_MS = 1_420_070_400_000

BOT_ID = 1_100_000_000_000_000_001
APPLICATION_ID = BOT_ID  # a bot's application shares its user's id
GUILD_ID = 1_200_000_000_000_000_001
NEWS_CHANNEL = 1_300_000_000_000_000_001
GENERAL_CHANNEL = 1_300_000_000_000_000_002
FANS_ROLE = 1_400_000_000_000_000_001
MODS_ROLE = 1_400_000_000_000_000_002
ADMINS_ROLE = 1_400_000_000_000_000_003
BOT_ROLE = 1_400_000_000_000_000_004
SUBSCRIBER = 1_500_000_000_000_000_001  # Ann, a plain member
MODERATOR = 1_500_000_000_000_000_002  # Mo: the Mods role, no Manage Server
ADMIN = 1_500_000_000_000_000_003  # Ada: the Admins role, with Manage Server
OWNER = 1_500_000_000_000_000_009  # owns the server and the application

HEARTBEAT_INTERVAL_MS = 41_250
INTERACTION_DEADLINE = 3.0  # seconds Discord waits for the first answer to an interaction
INTERACTION_TOKEN_TTL = 15 * 60.0  # follow-ups and edits are accepted this long
NONCE_WINDOW = 5 * 60.0  # `enforce_nonce`: a repeated nonce within this returns the first message
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024

# message flags and limits (https://discord.com/developers/docs/resources/message)
EPHEMERAL = 1 << 6
LOADING = 1 << 7
CONTENT_LIMIT = 2000
EMBEDS_LIMIT = 10
EMBED_TOTAL_LIMIT = 6000
EMBED_LIMITS = {"title": 256, "description": 4096}
FIELDS_LIMIT = 25
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
NONCE_LIMIT = 25


class Permission(enum.IntFlag):
    ADMINISTRATOR = 1 << 3
    MANAGE_GUILD = 1 << 5
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    EMBED_LINKS = 1 << 14
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_APPLICATION_COMMANDS = 1 << 31


EVERYONE_PERMISSIONS = (Permission.VIEW_CHANNEL | Permission.SEND_MESSAGES | Permission.EMBED_LINKS
                        | Permission.READ_MESSAGE_HISTORY | Permission.USE_APPLICATION_COMMANDS)
ALL_PERMISSIONS = (1 << 50) - 1


class ChannelType(enum.IntEnum):
    TEXT = 0
    DM = 1
    ANNOUNCEMENT = 5
    FORUM = 15


class Op(enum.IntEnum):
    """Gateway opcodes."""

    DISPATCH = 0
    HEARTBEAT = 1
    IDENTIFY = 2
    PRESENCE_UPDATE = 3
    VOICE_STATE_UPDATE = 4
    RESUME = 6
    RECONNECT = 7
    REQUEST_GUILD_MEMBERS = 8
    INVALID_SESSION = 9
    HELLO = 10
    HEARTBEAT_ACK = 11


class InteractionType(enum.IntEnum):
    PING = 1
    APPLICATION_COMMAND = 2
    MESSAGE_COMPONENT = 3
    AUTOCOMPLETE = 4
    MODAL_SUBMIT = 5


class CallbackType(enum.IntEnum):
    """How the bot answered an interaction (the `type` of its callback)."""

    PONG = 1
    CHANNEL_MESSAGE = 4
    DEFERRED_CHANNEL_MESSAGE = 5
    DEFERRED_UPDATE_MESSAGE = 6
    UPDATE_MESSAGE = 7
    AUTOCOMPLETE_RESULT = 8
    MODAL = 9


class ReplyKind(enum.Enum):
    CALLBACK = "callback"  # POST /interactions/{id}/{token}/callback
    FOLLOWUP = "followup"  # POST /webhooks/{application}/{token}
    EDIT_ORIGINAL = "edit_original"  # PATCH /webhooks/{application}/{token}/messages/@original


class OptionType(enum.IntEnum):
    SUB_COMMAND = 1
    SUB_COMMAND_GROUP = 2
    STRING = 3
    INTEGER = 4
    BOOLEAN = 5
    USER = 6
    CHANNEL = 7
    ROLE = 8
    MENTIONABLE = 9
    NUMBER = 10


# -- the world --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class FakeUser:
    id: int
    username: str
    bot: bool = False


@dataclass(frozen=True, slots=True)
class FakeRole:
    id: int
    name: str
    permissions: int = 0
    position: int = 1
    mentionable: bool = True


@dataclass(frozen=True, slots=True)
class FakeChannel:
    id: int
    name: str
    type: ChannelType = ChannelType.TEXT
    position: int = 0


@dataclass(frozen=True, slots=True)
class FakeMember:
    user: FakeUser
    roles: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class FakeGuild:
    id: int
    name: str
    owner_id: int
    roles: tuple[FakeRole, ...]  # the first is @everyone (its id is the guild's)
    channels: tuple[FakeChannel, ...]
    members: tuple[FakeMember, ...]

    def role(self, role_id: int) -> FakeRole | None:
        return next((r for r in self.roles if r.id == role_id), None)

    def channel(self, channel_id: int) -> FakeChannel | None:
        return next((c for c in self.channels if c.id == channel_id), None)

    def member(self, user_id: int) -> FakeMember | None:
        return next((m for m in self.members if m.user.id == user_id), None)

    def permissions_of(self, member: FakeMember) -> int:
        """Guild-level permissions as Discord computes them (no channel overwrites here)."""
        if member.user.id == self.owner_id:
            return ALL_PERMISSIONS
        value = 0
        for role in self.roles:
            if role.id == self.id or role.id in member.roles:
                value |= role.permissions
        return ALL_PERMISSIONS if value & Permission.ADMINISTRATOR else value


BOT_USER = FakeUser(BOT_ID, "ShowBot", bot=True)
USERS: tuple[FakeUser, ...] = (
    BOT_USER, FakeUser(SUBSCRIBER, "ann"), FakeUser(MODERATOR, "mo"), FakeUser(ADMIN, "ada"),
    FakeUser(OWNER, "olivia"),
)


def default_guild() -> FakeGuild:
    users = {u.id: u for u in USERS}
    return FakeGuild(
        id=GUILD_ID, name="Show Fans", owner_id=OWNER,
        roles=(FakeRole(GUILD_ID, "@everyone", int(EVERYONE_PERMISSIONS), position=0, mentionable=False),
               FakeRole(FANS_ROLE, "Fans", position=1), FakeRole(MODS_ROLE, "Mods", position=2),
               FakeRole(ADMINS_ROLE, "Admins", int(Permission.MANAGE_GUILD), position=3),
               FakeRole(BOT_ROLE, "ShowBot", int(EVERYONE_PERMISSIONS), position=4, mentionable=False)),
        channels=(FakeChannel(NEWS_CHANNEL, "news", position=0), FakeChannel(GENERAL_CHANNEL, "general", position=1)),
        members=(FakeMember(users[BOT_ID], (BOT_ROLE,)), FakeMember(users[SUBSCRIBER], (FANS_ROLE,)),
                 FakeMember(users[MODERATOR], (MODS_ROLE,)), FakeMember(users[ADMIN], (ADMINS_ROLE,)),
                 FakeMember(users[OWNER])),
    )


# -- what the bot did ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Call:
    """One REST request and the status the fake answered."""

    method: str
    path: str  # after the API base, without the query: "/channels/130…/messages"
    route: str  # the template: "/channels/{channel_id}/messages" ("" for an unknown route)
    query: Mapping[str, str]
    body: Any  # the decoded JSON (a multipart body's payload_json), else None
    status: int
    at: float


@dataclass(frozen=True, slots=True)
class Pings:
    """Who a message notifies, by Discord's rules: mentions in the content that allowed_mentions allows."""

    everyone: bool
    roles: tuple[int, ...]
    users: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Message:
    """A message as the fake holds it (edits applied; `edits` counts them)."""

    id: int
    channel_id: int
    payload: Mapping[str, Any]  # the JSON the bot sent, merged with its edits
    created_at: float
    flags: int = 0
    edits: int = 0
    interaction_id: int | None = None  # set for interaction responses and follow-ups
    deleted: bool = False

    @property
    def content(self) -> str:
        return str(self.payload.get("content") or "")

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return list(self.payload.get("embeds") or [])

    @property
    def embed(self) -> dict[str, Any]:
        (only,) = self.embeds
        return only

    @property
    def allowed_mentions(self) -> dict[str, Any] | None:
        return self.payload.get("allowed_mentions")

    @property
    def nonce(self) -> str | None:
        nonce = self.payload.get("nonce")
        return None if nonce is None else str(nonce)

    @property
    def message_reference(self) -> dict[str, Any] | None:
        return self.payload.get("message_reference")

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(label, custom_id) of the message's buttons, row by row."""
        return [(b.get("label", ""), b.get("custom_id", "")) for row in self.payload.get("components") or []
                for b in row.get("components", []) if b.get("type") == 2]

    @property
    def pings(self) -> Pings:
        return pings(self.content, self.allowed_mentions)


@dataclass(frozen=True, slots=True)
class InteractionReply:
    """One answer of the bot to an interaction: its callback, a follow-up or an edit of the original."""

    interaction_id: int
    kind: ReplyKind
    type: CallbackType | None  # the callback type; None for follow-ups and edits
    data: Mapping[str, Any]
    message_id: int | None
    latency: float  # seconds since the interaction was pushed
    at: float

    @property
    def content(self) -> str:
        return str(self.data.get("content") or "")

    @property
    def ephemeral(self) -> bool:
        return bool(int(self.data.get("flags") or 0) & EPHEMERAL)

    @property
    def allowed_mentions(self) -> dict[str, Any] | None:
        return self.data.get("allowed_mentions")

    @property
    def buttons(self) -> list[tuple[str, str]]:
        return [(b.get("label", ""), b.get("custom_id", "")) for row in self.data.get("components") or []
                for b in row.get("components", []) if b.get("type") == 2]

    @property
    def choices(self) -> list[tuple[str, Any]]:
        """An autocomplete answer's (name, value) pairs."""
        return [(c["name"], c["value"]) for c in self.data.get("choices") or []]


@dataclass(frozen=True, slots=True)
class Invocation:
    """An interaction the test pushed through the gateway."""

    id: int
    token: str
    type: InteractionType
    payload: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class GatewayFrame:
    """One gateway payload, as received from the client ("in") or sent to it ("out")."""

    direction: str
    op: int
    t: str | None
    s: int | None
    d: Any
    at: float


@dataclass(frozen=True, slots=True)
class Failure:
    """A scripted error answer (see `FakeDiscord.fail_next`)."""

    status: int
    body: Mapping[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def rate_limited(cls, retry_after: float = 1.0, *, global_: bool = False) -> Failure:
        reset_after = f"{retry_after:.3f}"
        headers = {"Retry-After": str(math.ceil(retry_after)), "X-RateLimit-Limit": "5",
                   "X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": reset_after,
                   "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
                   "X-RateLimit-Scope": "global" if global_ else "user"}
        if global_:
            headers["X-RateLimit-Global"] = "true"
        else:
            headers["X-RateLimit-Bucket"] = "fake-bucket"
        return cls(429, {"message": "You are being rate limited.", "retry_after": retry_after, "global": global_,
                         "code": 0}, headers)

    @classmethod
    def missing_permissions(cls) -> Failure:
        return cls(403, {"message": "Missing Permissions", "code": 50013})

    @classmethod
    def missing_access(cls) -> Failure:
        return cls(403, {"message": "Missing Access", "code": 50001})

    @classmethod
    def cannot_dm(cls) -> Failure:
        return cls(403, {"message": "Cannot send messages to this user", "code": 50007})

    @classmethod
    def unknown_channel(cls) -> Failure:
        return cls(404, {"message": "Unknown Channel", "code": 10003})

    @classmethod
    def server_error(cls, status: int = 500) -> Failure:
        return cls(status, {"message": f"{status}: Internal Server Error", "code": 0})


def pings(content: str, allowed: Mapping[str, Any] | None) -> Pings:
    """Discord's rule: a mention in the content notifies only if allowed_mentions allows it
    (no allowed_mentions: everything in the content notifies)."""
    user_ids = [int(u) for u in re.findall(r"<@!?(\d+)>", content)]
    role_ids = [int(r) for r in re.findall(r"<@&(\d+)>", content)]
    everyone = "@everyone" in content or "@here" in content
    if allowed is None:
        parse, allowed_roles, allowed_users = {"everyone", "roles", "users"}, set(), set()
    else:
        parse = set(allowed.get("parse") or [])
        allowed_roles = {int(r) for r in allowed.get("roles") or []}
        allowed_users = {int(u) for u in allowed.get("users") or []}
    return Pings(
        everyone=everyone and "everyone" in parse,
        roles=tuple(dict.fromkeys(r for r in role_ids if "roles" in parse or r in allowed_roles)),
        users=tuple(dict.fromkeys(u for u in user_ids if "users" in parse or u in allowed_users)),
    )


# -- internal state ----------------------------------------------------------------------------------
class _Counter:
    """Snowflakes: a timestamp above a per-fake sequence, so ids sort by creation like Discord's."""

    def __init__(self) -> None:
        self._seq = itertools.count(1)
        self._lock = threading.Lock()

    def __call__(self) -> int:
        with self._lock:
            return ((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) | (1 << 17) | (next(self._seq) & 0x1FFFF)


@dataclass(slots=True)
class _Interaction:
    invocation: Invocation
    channel_id: int | None
    pushed_at: float
    acknowledged: bool = False
    original_message_id: int | None = None


class _Encoder:
    """The transport compression the client asked for: one compression context per connection."""

    def __init__(self, compress: str | None) -> None:
        self.kind = compress or ""
        self._zlib: Any = None
        self._zstd: Callable[[bytes], bytes] | None = None
        if self.kind == "zlib-stream":
            self._zlib = zlib.compressobj()
        elif self.kind == "zstd-stream":
            self._zstd = _zstd_stream()
        elif self.kind:
            raise ValueError(f"unsupported compression {compress!r}")

    def encode(self, text: str) -> str | bytes:
        if self._zlib is not None:
            data = text.encode()
            return self._zlib.compress(data) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
        if self._zstd is not None:
            return self._zstd(text.encode())
        return text


def _zstd_stream() -> Callable[[bytes], bytes]:
    """A zstd stream flushed per message, from the stdlib (3.14+) or the zstandard package."""
    try:
        from compression.zstd import ZstdCompressor  # type: ignore[import-not-found]
    except ImportError:
        try:
            import zstandard  # type: ignore[import-not-found]
        except ImportError:
            raise ValueError("zstd-stream asked for, but no zstd module is installed") from None
        stream = zstandard.ZstdCompressor().compressobj()
        return lambda data: stream.compress(data) + stream.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
    compressor = ZstdCompressor()
    return lambda data: compressor.compress(data, mode=ZstdCompressor.FLUSH_BLOCK)


@dataclass(slots=True)
class _Connection:
    ws: web.WebSocketResponse
    encoder: _Encoder
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    session: _Session | None = None


@dataclass(slots=True)
class _Session:
    id: str
    identify: Mapping[str, Any]
    seq: int = 0
    sent: list[dict[str, Any]] = field(default_factory=list)  # dispatches, for a RESUME's replay
    connection: _Connection | None = None
    valid: bool = True


@dataclass(frozen=True, slots=True)
class _Request:
    method: str
    path: str
    params: Mapping[str, str]
    query: Mapping[str, str]
    body: Any


class HTTPError(Exception):
    """A handler's Discord-shaped error answer."""

    def __init__(self, status: int, message: str, code: int = 0, errors: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"message": message, "code": code}
        if errors:
            self.body["errors"] = dict(errors)


def _invalid_form(where: str, message: str) -> HTTPError:
    return HTTPError(400, "Invalid Form Body", 50035,
                     {where: {"_errors": [{"code": "BASE_TYPE_INVALID", "message": message}]}})


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat()


def _json_response(status: int, body: Any, headers: Mapping[str, str] | None = None) -> web.Response:
    # Discord answers through Cloudflare/Google: discord.py only trusts a 429 that carries `Via`, and
    # decodes a body only when the Content-Type is exactly "application/json" (no charset)
    all_headers = {"Via": "1.1 google", **(headers or {})}
    if status == 204:
        return web.Response(status=204, headers=all_headers)
    all_headers["Content-Type"] = "application/json"
    return web.Response(status=status, body=json.dumps(body).encode(), headers=all_headers)


Handler = Callable[[_Request], Awaitable[tuple[int, Any]]]


@dataclass(frozen=True, slots=True)
class _Route:
    method: str
    template: str
    pattern: re.Pattern[str]
    handler: Handler
    auth: bool


# -- the fake -------------------------------------------------------------------------------------
class FakeDiscord:
    def __init__(self, *, token: str = TOKEN, guilds: Sequence[FakeGuild] | None = None,
                 heartbeat_interval_ms: int = HEARTBEAT_INTERVAL_MS, interaction_deadline: float = INTERACTION_DEADLINE,
                 host: str = "127.0.0.1", port: int = 0) -> None:
        self.token = token
        self.guilds: tuple[FakeGuild, ...] = tuple(guilds) if guilds is not None else (default_guild(),)
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.interaction_deadline = interaction_deadline
        self._host, self._port = host, port
        self._lock = threading.RLock()
        self._snowflake = _Counter()
        self._users: dict[int, FakeUser] = {u.id: u for u in USERS}
        for guild in self.guilds:
            self._users.update({m.user.id: m.user for m in guild.members})
        self._dm_channels: dict[int, int] = {}  # user id -> DM channel id
        self._closed_dms: set[int] = set()
        self._commands: dict[int | None, list[dict[str, Any]]] = {}  # None: global
        self._command_ids: dict[tuple[int | None, str, int], int] = {}
        self._messages: dict[int, Message] = {}
        self._nonces: dict[str, tuple[int, float]] = {}  # nonce -> (message id, when); the bot is the only author
        self._interactions: dict[int, _Interaction] = {}
        self._failures: list[tuple[str, str, Failure, list[int]]] = []
        self._sessions: dict[str, _Session] = {}
        self._connections: list[_Connection] = []
        self.calls: list[Call] = []
        self.unknown_calls: list[Call] = []
        self.replies: list[InteractionReply] = []
        self.invocations: list[Invocation] = []
        self.frames: list[GatewayFrame] = []
        self.gateway_connects: list[tuple[str, Mapping[str, str]]] = []  # (path, query) of each websocket
        self.syncs: list[tuple[int | None, list[dict[str, Any]]]] = []  # (guild or None, the PUT body)
        self._routes = self._build_routes()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._stopped: asyncio.Event | None = None
        self._bound: tuple[str, int] | None = None

    # -- lifecycle ---------------------------------------------------------------------------------
    @property
    def base(self) -> str:
        if self._bound is None:
            raise RuntimeError("the fake Discord is not serving yet")
        return f"http://{self._bound[0]}:{self._bound[1]}"

    @property
    def api_base(self) -> str:
        """discord.py's Route.BASE for this fake (showbot's DISCORD_API_BASE)."""
        return f"{self.base}/api/v{API_VERSION}"

    @property
    def gateway_url(self) -> str:
        return "ws" + self.base.removeprefix("http") + "/gateway"

    @property
    def resume_gateway_url(self) -> str:
        return "ws" + self.base.removeprefix("http") + "/resume-gateway"

    def __enter__(self) -> FakeDiscord:
        """Serve from a thread with its own event loop (the client may run anywhere)."""
        started = threading.Event()
        failure: list[BaseException] = []

        def serve() -> None:
            async def main() -> None:
                try:
                    await self._start()
                except BaseException as exc:
                    failure.append(exc)
                    raise
                finally:
                    started.set()
                assert self._stopped is not None
                await self._stopped.wait()
                await self._shutdown()

            with contextlib.suppress(BaseException):
                asyncio.run(main())

        self._thread = threading.Thread(target=serve, name="fake-discord", daemon=True)
        self._thread.start()
        started.wait(10)
        if failure or self._bound is None:
            raise RuntimeError(f"the fake Discord did not start: {failure[:1]}")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._stopped is not None:
            self._loop.call_soon_threadsafe(self._stopped.set)
        if self._thread is not None:
            self._thread.join(10)

    async def __aenter__(self) -> FakeDiscord:
        """Serve on the running loop (for a client in this same loop)."""
        await self._start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._shutdown()

    async def _start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopped = asyncio.Event()
        app = web.Application()
        for version in API_VERSIONS:
            app.router.add_route("*", f"/api/v{version}/{{tail:.*}}", self._rest)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/resume-gateway", self._gateway)
        app.router.add_route("*", "/_fake/{action}", self._control)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self._bound = (host, port)

    async def _shutdown(self) -> None:
        for connection in list(self._connections):
            with contextlib.suppress(Exception):
                await connection.ws.close(code=1001, message=b"fake Discord stopping")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def _on_loop(self, coro: Awaitable[Any]) -> None:
        """Run `coro` on the fake's loop, in order, without waiting (safe from any thread or loop)."""
        if self._loop is None:
            raise RuntimeError("the fake Discord is not serving")
        asyncio.run_coroutine_threadsafe(coro, self._loop)  # type: ignore[arg-type]

    # -- the world, scripted -----------------------------------------------------------------------
    def guild(self, guild_id: int = GUILD_ID) -> FakeGuild:
        return next(g for g in self.guilds if g.id == guild_id)

    def close_dms(self, user_id: int) -> None:
        """This user does not accept DMs from the bot: sends to the DM answer 403 (50007)."""
        with self._lock:
            self._closed_dms.add(user_id)

    def fail_next(self, method: str, path: str, failure: Failure, *, times: int = 1) -> None:
        """The next `times` requests `method path` answer `failure`. `path` is concrete
        ("/channels/130…/messages") or a route template ("/channels/{channel_id}/messages")."""
        with self._lock:
            self._failures.append((method.upper(), path, failure, [times]))

    def dm_channel_id(self, user_id: int) -> int:
        """The DM channel between the bot and this user (created on first use, like Discord)."""
        with self._lock:
            if user_id not in self._dm_channels:
                self._dm_channels[user_id] = self._snowflake()
            return self._dm_channels[user_id]

    # -- interactions, pushed through the gateway --------------------------------------------------
    def invoke(self, command: str, *, user: int, channel: int | None = NEWS_CHANNEL, guild: int | None = GUILD_ID,
               locale: str = "en-US", **options: Any) -> Invocation:
        """A user runs a slash command the bot synced: `invoke("channel subscribe", user=MODERATOR,
        show="Slow Horses", role=FANS_ROLE)`. `guild=None` runs it in the user's DM with the bot.
        An option the command does not declare, a missing required one or a value outside its limits
        raises here, as Discord's client would refuse it."""
        data = self._command_data(command, options, guild, focused=None)
        return self._push(InteractionType.APPLICATION_COMMAND, data, user=user, channel=channel, guild=guild,
                          locale=locale)

    def autocomplete(self, command: str, *, focused: str, user: int, channel: int | None = NEWS_CHANNEL,
                     guild: int | None = GUILD_ID, locale: str = "en-US", **options: Any) -> Invocation:
        """The user is typing option `focused` (its partial value among `options`)."""
        data = self._command_data(command, options, guild, focused=focused)
        return self._push(InteractionType.AUTOCOMPLETE, data, user=user, channel=channel, guild=guild,
                          locale=locale)

    def press(self, message: Message | InteractionReply, label: str, *, user: int,
              locale: str = "en-US") -> Invocation:
        """A user presses the button labelled `label` on a message (or an interaction reply's message)."""
        if isinstance(message, InteractionReply):
            if message.message_id is None:
                raise ValueError("that reply created no message")
            message = self.message(message.message_id)
        custom_id = next((cid for text, cid in message.buttons if text == label), None)
        if custom_id is None:
            raise LookupError(f"no button {label!r} on message {message.id}; buttons: {message.buttons}")
        guild = next((g.id for g in self.guilds if g.channel(message.channel_id)), None)
        channel = message.channel_id
        if guild is None:
            owner = next((u for u, c in self._dm_channels.items() if c == channel), user)
            if owner != user:
                raise ValueError("only the DM's user can press buttons there")
            channel = None
        return self._push(InteractionType.MESSAGE_COMPONENT, {"custom_id": custom_id, "component_type": 2},
                          user=user, channel=channel, guild=guild, locale=locale, message=message)

    def _push(self, kind: InteractionType, data: dict[str, Any], *, user: int, channel: int | None,
              guild: int | None, locale: str, message: Message | None = None) -> Invocation:
        session = self._live_session()
        payload = self._interaction_payload(kind, data, user=user, channel=channel, guild=guild, locale=locale,
                                            message=message)
        invocation = Invocation(int(payload["id"]), payload["token"], kind, payload)
        channel_id = int(payload["channel_id"]) if payload.get("channel_id") else None
        with self._lock:
            self._interactions[invocation.id] = _Interaction(invocation, channel_id, time.monotonic())
            self.invocations.append(invocation)
        self._on_loop(self._dispatch(session, "INTERACTION_CREATE", payload))
        return invocation

    def _live_session(self) -> _Session:
        with self._lock:
            live = [s for s in self._sessions.values() if s.valid and s.connection is not None]
        if not live:
            raise RuntimeError("no bot is connected to the fake gateway (wait_for_ready first)")
        return live[-1]

    def _command_data(self, command: str, options: Mapping[str, Any], guild: int | None, *,
                      focused: str | None) -> dict[str, Any]:
        names = command.strip().lstrip("/").split()
        with self._lock:
            scoped = self._commands.get(guild, []) if guild is not None else []
            top = next((c for c in scoped if c["name"] == names[0] and c.get("type", 1) == 1), None)
            if top is None:
                top = next((c for c in self._commands.get(None, []) if c["name"] == names[0] and c.get("type", 1) == 1),
                           None)
            synced = sorted(c["name"] for scope in self._commands.values() for c in scope)
        if top is None:
            raise LookupError(f"/{names[0]} was never synced by the bot; synced: {synced}")
        if guild is None and (top.get("dm_permission") is False or 1 not in (top.get("contexts") or [1])):
            raise ValueError(f"/{names[0]} is not available in DMs")
        data: dict[str, Any] = {"id": top["id"], "name": top["name"], "type": 1}
        if top.get("guild_id"):
            data["guild_id"] = top["guild_id"]
        container, schema = data, list(top.get("options") or [])
        for name in names[1:]:
            sub = next((o for o in schema if o["name"] == name and o["type"] in (1, 2)), None)
            if sub is None:
                raise LookupError(f"/{command}: no subcommand {name!r}")
            node: dict[str, Any] = {"name": name, "type": sub["type"], "options": []}
            container.setdefault("options", []).append(node)
            container, schema = node, list(sub.get("options") or [])
        if any(o["type"] in (1, 2) for o in schema):
            raise ValueError(f"/{command} is a group: name one of its subcommands")
        resolved: dict[str, dict[str, Any]] = {}
        values = []
        for name, value in options.items():
            option = next((o for o in schema if o["name"] == name), None)
            if option is None:
                raise LookupError(f"/{command} has no option {name!r}; it has {[o['name'] for o in schema]}")
            values.append(self._option_value(option, value, guild, resolved, focused=name == focused))
        missing = [o["name"] for o in schema if o.get("required") and o["name"] not in options]
        if missing and focused is None:
            raise ValueError(f"/{command} needs {missing}")
        if values:
            container["options"] = values
        elif container is data:
            container.pop("options", None)
        if resolved:
            data["resolved"] = resolved
        return data

    def _option_value(self, option: Mapping[str, Any], value: Any, guild_id: int | None,
                      resolved: dict[str, dict[str, Any]], *, focused: bool) -> dict[str, Any]:
        kind = OptionType(option["type"])
        name = option["name"]
        out: dict[str, Any] = {"name": name, "type": int(kind)}
        if focused:  # a partial value as typed so far
            return {**out, "value": str(value), "focused": True}
        if kind is OptionType.STRING:
            text = str(value)
            low, high = option.get("min_length", 0), option.get("max_length", 6000)
            if not low <= len(text) <= high:
                raise ValueError(f"option {name}: {len(text)} characters, not within {low}..{high}")
            out["value"] = text
        elif kind in (OptionType.INTEGER, OptionType.NUMBER):
            number = int(value) if kind is OptionType.INTEGER else float(value)
            low, high = option.get("min_value", -math.inf), option.get("max_value", math.inf)
            if not low <= number <= high:
                raise ValueError(f"option {name}: {number} out of range")
            out["value"] = number
        elif kind is OptionType.BOOLEAN:
            out["value"] = bool(value)
        elif kind in (OptionType.ROLE, OptionType.USER, OptionType.CHANNEL, OptionType.MENTIONABLE):
            out["value"] = str(int(value))
            self._resolve(kind, int(value), guild_id, resolved)
        else:
            raise ValueError(f"option type {kind!r} is not supported by the fake")
        choices = option.get("choices")
        if choices and out["value"] not in [c["value"] for c in choices]:
            raise ValueError(f"option {name}: {out['value']!r} is not one of its choices")
        return out

    def _resolve(self, kind: OptionType, target: int, guild_id: int | None, resolved: dict[str, dict[str, Any]]) -> None:
        guild = self.guild(guild_id) if guild_id is not None else None
        role = guild.role(target) if guild is not None else None
        if kind in (OptionType.ROLE, OptionType.MENTIONABLE) and role is not None:
            resolved.setdefault("roles", {})[str(target)] = _role_payload(role)
            return
        if kind in (OptionType.USER, OptionType.MENTIONABLE) and target in self._users:
            resolved.setdefault("users", {})[str(target)] = _user_payload(self._users[target])
            member = guild.member(target) if guild is not None else None
            if member is not None and guild is not None:
                entry = _member_payload(member, guild)
                del entry["user"]
                resolved.setdefault("members", {})[str(target)] = entry
            return
        channel = guild.channel(target) if guild is not None else None
        if kind is OptionType.CHANNEL and channel is not None and guild is not None:
            resolved.setdefault("channels", {})[str(target)] = {
                **_channel_payload(channel, guild.id), "permissions": str(ALL_PERMISSIONS)}
            return
        raise LookupError(f"option value {target} is not a known {kind.name.lower()}")

    def _interaction_payload(self, kind: InteractionType, data: dict[str, Any], *, user: int, channel: int | None,
                             guild: int | None, locale: str, message: Message | None) -> dict[str, Any]:
        person = self._users.get(user)
        if person is None:
            raise LookupError(f"unknown user {user}")
        payload: dict[str, Any] = {
            "id": str(self._snowflake()), "application_id": str(APPLICATION_ID), "type": int(kind), "data": data,
            "token": "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48), "version": 1, "locale": locale,
            "entitlements": [], "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        }
        if guild is not None:
            where = self.guild(guild)
            member = where.member(user)
            if member is None:
                raise LookupError(f"user {user} is not a member of guild {guild}")
            target = where.channel(channel if channel is not None else NEWS_CHANNEL)
            if target is None:
                raise LookupError(f"no channel {channel} in guild {guild}")
            bot = where.member(BOT_ID)
            payload.update({
                "guild_id": str(guild), "guild": {"id": str(guild), "locale": "en-US", "features": []},
                "guild_locale": "en-US", "member": _member_payload(member, where, with_permissions=True),
                "channel_id": str(target.id),
                "channel": {**_channel_payload(target, guild), "permissions": str(where.permissions_of(member))},
                "app_permissions": str(where.permissions_of(bot) if bot else int(EVERYONE_PERMISSIONS)),
                "authorizing_integration_owners": {"0": str(guild)}, "context": 0,
            })
        else:
            dm = self.dm_channel_id(user)
            payload.update({
                "user": _user_payload(person), "channel_id": str(dm),
                "channel": {"id": str(dm), "type": int(ChannelType.DM), "recipients": [_user_payload(person)],
                            "last_message_id": None, "flags": 0},
                "app_permissions": str(int(EVERYONE_PERMISSIONS)),
                "authorizing_integration_owners": {"0": str(OWNER)}, "context": 1,
            })
        if message is not None:
            payload["message"] = self._message_payload(message)
        return payload

    # -- gateway controls ----------------------------------------------------------------------------
    def reconnect(self) -> None:
        """Ask the connected client to reconnect (op 7); it should RESUME on resume_gateway_url."""
        session = self._live_session()
        self._on_loop(self._send_op(session, Op.RECONNECT, None))

    def invalidate_session(self, *, resumable: bool = False) -> None:
        """op 9: the client must IDENTIFY afresh (or may RESUME when `resumable`)."""
        session = self._live_session()
        if not resumable:
            with self._lock:
                session.valid = False
        self._on_loop(self._send_op(session, Op.INVALID_SESSION, resumable))

    def close_gateway(self, code: int = 4000) -> None:
        """Close the live gateway connection with `code` (4000: resumable error; 4004: bad token)."""
        session = self._live_session()
        connection = session.connection
        assert connection is not None
        self._on_loop(connection.ws.close(code=code, message=b"closed by the test"))

    # -- what the bot did ---------------------------------------------------------------------------
    @property
    def messages(self) -> list[Message]:
        """Every message created in a channel or DM (interaction responses included), in order."""
        with self._lock:
            return sorted(self._messages.values(), key=lambda m: m.id)

    def channel_messages(self, channel_id: int) -> list[Message]:
        """Messages the bot posted in a channel by REST (not interaction responses)."""
        return [m for m in self.messages if m.channel_id == channel_id and m.interaction_id is None]

    def message(self, message_id: int) -> Message:
        with self._lock:
            return self._messages[message_id]

    def calls_to(self, method: str, route: str) -> list[Call]:
        """Calls to a route template, e.g. calls_to("POST", "/channels/{channel_id}/messages")."""
        with self._lock:
            return [c for c in self.calls if c.method == method and c.route == route]

    def replies_to(self, invocation: Invocation | int) -> list[InteractionReply]:
        wanted = invocation.id if isinstance(invocation, Invocation) else invocation
        with self._lock:
            return [r for r in self.replies if r.interaction_id == wanted]

    def commands(self, guild: int | None = None) -> list[dict[str, Any]]:
        """The application commands as Discord holds them (global by default)."""
        with self._lock:
            return [dict(c) for c in self._commands.get(guild, [])]

    def frames_in(self, op: Op) -> list[GatewayFrame]:
        with self._lock:
            return [f for f in self.frames if f.direction == "in" and f.op == op]

    def dispatched(self, event: str) -> list[GatewayFrame]:
        with self._lock:
            return [f for f in self.frames if f.direction == "out" and f.t == event]

    @property
    def identifies(self) -> list[dict[str, Any]]:
        return [f.d for f in self.frames_in(Op.IDENTIFY)]

    @property
    def connected(self) -> bool:
        with self._lock:
            return any(s.valid and s.connection is not None for s in self._sessions.values())

    async def wait_until(self, probe: Callable[[], T | None], *, within: float = 10.0, what: str = "a condition") -> T:
        """Poll `probe` until it returns something truthy; fail with what the fake saw."""
        deadline = time.monotonic() + within
        while True:
            found = probe()
            if found:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} did not happen within {within}s; {self.describe()}")
            await asyncio.sleep(0.02)

    async def wait_for_ready(self, *, within: float = 20.0) -> _SessionView:
        """The client identified and was sent READY and its guilds."""
        def probe() -> _SessionView | None:
            with self._lock:
                for session in reversed(list(self._sessions.values())):
                    if session.valid and session.connection is not None and session.seq >= 1 + len(self.guilds):
                        return _SessionView(session.id, session.identify, session.seq)
            return None

        return await self.wait_until(probe, within=within, what="a READY session")

    async def wait_for_message(self, predicate: Callable[[Message], bool] = lambda m: True, *,
                               within: float = 10.0) -> Message:
        return await self.wait_until(lambda: next((m for m in self.messages if predicate(m)), None), within=within,
                                     what="a matching message")

    async def wait_for_reply(self, invocation: Invocation | int,
                             predicate: Callable[[InteractionReply], bool] = lambda r: True, *,
                             within: float = 10.0) -> InteractionReply:
        return await self.wait_until(lambda: next((r for r in self.replies_to(invocation) if predicate(r)), None),
                                     within=within, what="a matching interaction reply")

    def describe(self) -> str:
        with self._lock:
            calls = [f"{c.method} {c.path} -> {c.status}" for c in self.calls[-15:]]
            unknown = [f"{c.method} {c.path}" for c in self.unknown_calls]
            frames = [(f.direction, f.op, f.t) for f in self.frames[-10:]]
            replies = [(r.kind.value, r.type, r.content[:60]) for r in self.replies[-5:]]
            messages = [(m.channel_id, m.content[:40], [e.get("title") for e in m.embeds]) for m in
                        sorted(self._messages.values(), key=lambda m: m.id)[-5:]]
        return (f"last calls: {calls}; unknown routes: {unknown}; last gateway frames: {frames}; "
                f"last replies: {replies}; last messages: {messages}")

    # -- REST ---------------------------------------------------------------------------------------
    def _build_routes(self) -> list[_Route]:
        table: list[tuple[str, str, Handler, bool]] = [
            ("GET", "/users/@me", self._get_me, True),
            ("GET", "/users/{user_id}", self._get_user, True),
            ("POST", "/users/@me/channels", self._open_dm, True),
            ("GET", "/oauth2/applications/@me", self._get_application, True),
            ("GET", "/applications/@me", self._get_application, True),
            ("GET", "/gateway", self._get_gateway, False),
            ("GET", "/gateway/bot", self._get_gateway_bot, True),
            ("GET", "/applications/{application_id}/commands", self._get_commands, True),
            ("PUT", "/applications/{application_id}/commands", self._put_commands, True),
            ("POST", "/applications/{application_id}/commands", self._post_command, True),
            ("DELETE", "/applications/{application_id}/commands/{command_id}", self._delete_command, True),
            ("GET", "/applications/{application_id}/guilds/{guild_id}/commands", self._get_commands, True),
            ("PUT", "/applications/{application_id}/guilds/{guild_id}/commands", self._put_commands, True),
            ("POST", "/applications/{application_id}/guilds/{guild_id}/commands", self._post_command, True),
            ("DELETE", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}",
             self._delete_command, True),
            ("GET", "/channels/{channel_id}", self._get_channel, True),
            ("POST", "/channels/{channel_id}/messages", self._post_message, True),
            ("GET", "/channels/{channel_id}/messages/{message_id}", self._get_message, True),
            ("PATCH", "/channels/{channel_id}/messages/{message_id}", self._patch_message, True),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}", self._delete_message, True),
            ("GET", "/guilds/{guild_id}", self._get_guild, True),
            ("GET", "/guilds/{guild_id}/channels", self._get_guild_channels, True),
            ("GET", "/guilds/{guild_id}/roles", self._get_guild_roles, True),
            ("GET", "/guilds/{guild_id}/members/{user_id}", self._get_guild_member, True),
            ("POST", "/interactions/{interaction_id}/{token}/callback", self._interaction_callback, False),
            ("POST", "/webhooks/{application_id}/{token}", self._followup, False),
            ("GET", "/webhooks/{application_id}/{token}/messages/{message_id}", self._get_webhook_message, False),
            ("PATCH", "/webhooks/{application_id}/{token}/messages/{message_id}", self._edit_webhook_message, False),
            ("DELETE", "/webhooks/{application_id}/{token}/messages/{message_id}", self._delete_webhook_message,
             False),
        ]
        routes = []
        for method, template, handler, auth in table:
            regex = "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", re.escape(template).replace(r"\{", "{").replace(
                r"\}", "}")) + "$"
            routes.append(_Route(method, template, re.compile(regex), handler, auth))
        # literal routes first: "/users/@me" must not be read as "/users/{user_id}"
        return sorted(routes, key=lambda r: "{" in r.template)

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        query = dict(request.query)
        body = await _read_body(request)
        route, params = self._match(request.method, path)
        status: int
        answer: Any
        headers: Mapping[str, str] = {}
        if route is None:
            status, answer = 404, {"message": "404: Not Found", "code": 0}
            _log.warning("fake discord: no route for %s %s", request.method, path)
        elif route.auth and request.headers.get("Authorization") != f"Bot {self.token}":
            status, answer = 401, {"message": "401: Unauthorized", "code": 0}
        elif (failure := self._take_failure(request.method, path, route.template)) is not None:
            status, answer, headers = failure.status, dict(failure.body), failure.headers
        else:
            try:
                status, answer = await route.handler(_Request(request.method, path, params, query, body))
            except HTTPError as exc:
                status, answer = exc.status, exc.body
        call = Call(request.method, path, route.template if route else "", query, body, status, time.time())
        with self._lock:
            self.calls.append(call)
            if route is None:
                self.unknown_calls.append(call)
        return _json_response(status, answer, headers)

    def _match(self, method: str, path: str) -> tuple[_Route | None, dict[str, str]]:
        for route in self._routes:
            if route.method == method and (found := route.pattern.match(path)):
                return route, found.groupdict()
        return None, {}

    def _take_failure(self, method: str, path: str, template: str) -> Failure | None:
        with self._lock:
            for index, (want_method, want_path, failure, left) in enumerate(self._failures):
                if want_method == method and want_path in (path, template):
                    left[0] -= 1
                    if left[0] <= 0:
                        del self._failures[index]
                    return failure
        return None

    async def _get_me(self, request: _Request) -> tuple[int, Any]:
        return 200, {**_user_payload(BOT_USER), "verified": True, "mfa_enabled": False, "flags": 0, "email": None,
                     "locale": "en-US"}

    async def _get_user(self, request: _Request) -> tuple[int, Any]:
        user = self._users.get(_id(request.params["user_id"]))
        if user is None:
            raise HTTPError(404, "Unknown User", 10013)
        return 200, _user_payload(user)

    async def _open_dm(self, request: _Request) -> tuple[int, Any]:
        recipient = _id(str((request.body or {}).get("recipient_id", "")))
        user = self._users.get(recipient)
        if user is None:
            raise HTTPError(400, "Invalid Recipient(s)", 50033)
        return 200, self._dm_payload(user)

    async def _get_application(self, request: _Request) -> tuple[int, Any]:
        return 200, {
            "id": str(APPLICATION_ID), "name": "ShowBot", "icon": None, "description": "", "summary": "",
            "type": None, "bot_public": True, "bot_require_code_grant": False, "verify_key": "0" * 64,
            "owner": _user_payload(self._users[OWNER]), "team": None, "flags": 0, "tags": [],
            "install_params": {"scopes": ["bot", "applications.commands"], "permissions": "0"},
            "interactions_endpoint_url": None, "redirect_uris": [], "approximate_guild_count": len(self.guilds),
            "bot": _user_payload(BOT_USER),
        }

    async def _get_gateway(self, request: _Request) -> tuple[int, Any]:
        return 200, {"url": self.gateway_url}

    async def _get_gateway_bot(self, request: _Request) -> tuple[int, Any]:
        return 200, {"url": self.gateway_url, "shards": 1, "session_start_limit": {
            "total": 1000, "remaining": 999, "reset_after": 86_400_000, "max_concurrency": 1}}

    # commands ----------------------------------------------------------------------------------
    def _scope(self, request: _Request) -> int | None:
        if _id(request.params["application_id"]) != APPLICATION_ID:
            raise HTTPError(403, "Missing Access", 50001)
        guild = request.params.get("guild_id")
        if guild is None:
            return None
        if not any(g.id == _id(guild) for g in self.guilds):
            raise HTTPError(403, "Missing Access", 50001)
        return _id(guild)

    def _stored_command(self, scope: int | None, command: Mapping[str, Any]) -> dict[str, Any]:
        _validate_command(command)
        kind = int(command.get("type", 1))
        key = (scope, command["name"], kind)
        with self._lock:
            command_id = self._command_ids.setdefault(key, self._snowflake())
        stored = {"id": str(command_id), "application_id": str(APPLICATION_ID), "version": str(self._snowflake()),
                  "type": kind, "description": "", "options": [], "default_member_permissions": None,
                  "nsfw": False, **command}
        stored["id"] = str(command_id)
        if scope is not None:
            stored["guild_id"] = str(scope)
        return stored

    async def _get_commands(self, request: _Request) -> tuple[int, Any]:
        scope = self._scope(request)
        with self._lock:
            return 200, list(self._commands.get(scope, []))

    async def _put_commands(self, request: _Request) -> tuple[int, Any]:
        scope = self._scope(request)
        body = request.body
        if not isinstance(body, list):
            raise _invalid_form("_root", "a list of commands")
        if len({(c.get("name"), c.get("type", 1)) for c in body}) != len(body):
            raise _invalid_form("_root", "two commands share a name")
        stored = [self._stored_command(scope, c) for c in body]
        with self._lock:
            self._commands[scope] = stored
            self.syncs.append((scope, list(body)))
        return 200, stored

    async def _post_command(self, request: _Request) -> tuple[int, Any]:
        scope = self._scope(request)
        stored = self._stored_command(scope, request.body or {})
        with self._lock:
            existing = self._commands.setdefault(scope, [])
            existing[:] = [c for c in existing if c["id"] != stored["id"]] + [stored]
        return 201, stored

    async def _delete_command(self, request: _Request) -> tuple[int, Any]:
        scope = self._scope(request)
        with self._lock:
            existing = self._commands.get(scope, [])
            kept = [c for c in existing if c["id"] != request.params["command_id"]]
            if len(kept) == len(existing):
                raise HTTPError(404, "Unknown application command", 10063)
            self._commands[scope] = kept
        return 204, None

    # channels and messages -------------------------------------------------------------------------
    def _channel(self, channel_id: int) -> tuple[FakeChannel | None, FakeGuild | None, FakeUser | None]:
        """(channel, its guild) for a guild channel, (None, None, user) for a DM channel."""
        for guild in self.guilds:
            channel = guild.channel(channel_id)
            if channel is not None:
                return channel, guild, None
        with self._lock:
            user = next((u for u, c in self._dm_channels.items() if c == channel_id), None)
        if user is None:
            raise HTTPError(404, "Unknown Channel", 10003)
        return None, None, self._users[user]

    async def _get_channel(self, request: _Request) -> tuple[int, Any]:
        channel, guild, user = self._channel(_id(request.params["channel_id"]))
        if channel is not None and guild is not None:
            return 200, _channel_payload(channel, guild.id)
        assert user is not None
        return 200, self._dm_payload(user)

    async def _post_message(self, request: _Request) -> tuple[int, Any]:
        channel_id = _id(request.params["channel_id"])
        _channel, _guild, user = self._channel(channel_id)
        with self._lock:
            if user is not None and user.id in self._closed_dms:
                raise HTTPError(403, "Cannot send messages to this user", 50007)
        body = dict(request.body or {})
        _validate_message(body, creating=True)
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            with self._lock:
                seen = self._nonces.get(str(nonce))
                if seen is not None and time.time() - seen[1] < NONCE_WINDOW:
                    return 200, self._message_payload(self._messages[seen[0]])
        message = self._create_message(channel_id, body)
        if nonce is not None:
            with self._lock:
                self._nonces[str(nonce)] = (message.id, message.created_at)
        return 200, self._message_payload(message)

    def _create_message(self, channel_id: int, body: Mapping[str, Any], *, flags: int = 0,
                        interaction_id: int | None = None) -> Message:
        flags |= int(body.get("flags") or 0)
        message = Message(self._snowflake(), channel_id, dict(body), time.time(), flags=flags,
                          interaction_id=interaction_id)
        with self._lock:
            self._messages[message.id] = message
        return message

    def _edit(self, message_id: int, body: Mapping[str, Any], *, clear_flags: int = 0) -> Message:
        _validate_message(body, creating=False)
        with self._lock:
            old = self._messages.get(message_id)
            if old is None or old.deleted:
                raise HTTPError(404, "Unknown Message", 10008)
            merged = {**old.payload, **{k: v for k, v in body.items() if k != "flags"}}
            new = Message(old.id, old.channel_id, merged, old.created_at, flags=old.flags & ~clear_flags,
                          edits=old.edits + 1,
                          interaction_id=old.interaction_id)
            self._messages[message_id] = new
            return new

    def _own_message(self, request: _Request) -> Message:
        with self._lock:
            message = self._messages.get(_id(request.params["message_id"]))
        if message is None or message.deleted or message.channel_id != _id(request.params["channel_id"]):
            raise HTTPError(404, "Unknown Message", 10008)
        return message

    async def _get_message(self, request: _Request) -> tuple[int, Any]:
        return 200, self._message_payload(self._own_message(request))

    async def _patch_message(self, request: _Request) -> tuple[int, Any]:
        message = self._own_message(request)
        return 200, self._message_payload(self._edit(message.id, dict(request.body or {})))

    async def _delete_message(self, request: _Request) -> tuple[int, Any]:
        message = self._own_message(request)
        with self._lock:
            self._messages[message.id] = Message(message.id, message.channel_id, message.payload, message.created_at,
                                                 message.flags, message.edits, message.interaction_id, deleted=True)
        return 204, None

    # guilds ----------------------------------------------------------------------------------------
    def _guild_of(self, request: _Request) -> FakeGuild:
        guild = next((g for g in self.guilds if g.id == _id(request.params["guild_id"])), None)
        if guild is None:
            raise HTTPError(404, "Unknown Guild", 10004)
        return guild

    async def _get_guild(self, request: _Request) -> tuple[int, Any]:
        guild = self._guild_of(request)
        payload = _guild_payload(guild)
        for key in ("channels", "members", "threads", "joined_at", "member_count", "large"):
            payload.pop(key, None)
        return 200, payload

    async def _get_guild_channels(self, request: _Request) -> tuple[int, Any]:
        guild = self._guild_of(request)
        return 200, [_channel_payload(c, guild.id) for c in guild.channels]

    async def _get_guild_roles(self, request: _Request) -> tuple[int, Any]:
        return 200, [_role_payload(r) for r in self._guild_of(request).roles]

    async def _get_guild_member(self, request: _Request) -> tuple[int, Any]:
        guild = self._guild_of(request)
        member = guild.member(_id(request.params["user_id"]))
        if member is None:
            raise HTTPError(404, "Unknown Member", 10007)
        return 200, _member_payload(member, guild)

    # interactions ----------------------------------------------------------------------------------
    def _interaction_by_token(self, application_id: str, token: str) -> _Interaction:
        with self._lock:
            found = next((i for i in self._interactions.values() if i.invocation.token == token), None)
        if found is None or _id(application_id) != APPLICATION_ID:
            raise HTTPError(404, "Unknown Webhook", 10015)
        if time.monotonic() - found.pushed_at > INTERACTION_TOKEN_TTL:
            raise HTTPError(401, "Invalid Webhook Token", 50027)
        return found

    def _reply(self, interaction: _Interaction, kind: ReplyKind, callback: CallbackType | None,
               data: Mapping[str, Any], message_id: int | None) -> None:
        now = time.monotonic()
        with self._lock:
            self.replies.append(InteractionReply(interaction.invocation.id, kind, callback, dict(data), message_id,
                                                 now - interaction.pushed_at, time.time()))

    async def _interaction_callback(self, request: _Request) -> tuple[int, Any]:
        with self._lock:
            interaction = self._interactions.get(_id(request.params["interaction_id"]))
        if interaction is None or interaction.invocation.token != request.params["token"]:
            raise HTTPError(404, "Unknown interaction", 10062)
        body = dict(request.body or {})
        try:
            callback = CallbackType(int(body.get("type", 0)))
        except ValueError:
            raise _invalid_form("type", f"unknown callback type {body.get('type')!r}") from None
        data = dict(body.get("data") or {})
        with self._lock:
            if interaction.acknowledged:
                raise HTTPError(400, "Interaction has already been acknowledged.", 40060)
            if time.monotonic() - interaction.pushed_at > self.interaction_deadline:
                raise HTTPError(404, "Unknown interaction", 10062)  # what Discord answers a late first reply
            interaction.acknowledged = True
        kind = interaction.invocation.type
        message: Message | None = None
        if callback in (CallbackType.CHANNEL_MESSAGE, CallbackType.DEFERRED_CHANNEL_MESSAGE):
            if kind is InteractionType.AUTOCOMPLETE:
                raise HTTPError(400, "Interaction callback type not valid for autocomplete", 50035)
            if callback is CallbackType.CHANNEL_MESSAGE:
                _validate_message(data, creating=True)
            loading = LOADING if callback is CallbackType.DEFERRED_CHANNEL_MESSAGE else 0
            message = self._create_message(interaction.channel_id or 0, data, flags=loading,
                                           interaction_id=interaction.invocation.id)
            interaction.original_message_id = message.id
        elif callback is CallbackType.UPDATE_MESSAGE:
            if kind is not InteractionType.MESSAGE_COMPONENT:
                raise HTTPError(400, "Interaction callback type not valid here", 50035)
            message = self._edit(int(interaction.invocation.payload["message"]["id"]), data)
        elif callback is CallbackType.AUTOCOMPLETE_RESULT and kind is not InteractionType.AUTOCOMPLETE:
            raise HTTPError(400, "Autocomplete results answer autocomplete interactions only", 50035)
        self._reply(interaction, ReplyKind.CALLBACK, callback, data, message.id if message else None)
        if request.query.get("with_response") not in ("1", "true", "True"):
            return 204, None
        answer: dict[str, Any] = {"interaction": {
            "id": str(interaction.invocation.id), "type": int(kind),
            "response_message_loading": callback is CallbackType.DEFERRED_CHANNEL_MESSAGE,
            "response_message_ephemeral": bool(message is not None and message.ephemeral)}}
        if message is not None:
            answer["interaction"]["response_message_id"] = str(message.id)
            answer["resource"] = {"type": int(callback), "message": self._message_payload(message)}
        else:
            answer["resource"] = {"type": int(callback)}
        return 200, answer

    async def _followup(self, request: _Request) -> tuple[int, Any]:
        interaction = self._interaction_by_token(request.params["application_id"], request.params["token"])
        if not interaction.acknowledged:
            raise HTTPError(404, "Unknown Webhook", 10015)
        data = dict(request.body or {})
        _validate_message(data, creating=True)
        message = self._create_message(interaction.channel_id or 0, data, interaction_id=interaction.invocation.id)
        self._reply(interaction, ReplyKind.FOLLOWUP, None, data, message.id)
        wait = request.query.get("wait") in ("1", "true", "True")
        return (200, self._message_payload(message)) if wait else (204, None)

    def _webhook_message_id(self, interaction: _Interaction, which: str) -> int:
        if which == "@original":
            if interaction.original_message_id is None:
                raise HTTPError(404, "Unknown Message", 10008)
            return interaction.original_message_id
        return _id(which)

    async def _get_webhook_message(self, request: _Request) -> tuple[int, Any]:
        interaction = self._interaction_by_token(request.params["application_id"], request.params["token"])
        message_id = self._webhook_message_id(interaction, request.params["message_id"])
        with self._lock:
            message = self._messages.get(message_id)
        if message is None or message.deleted:
            raise HTTPError(404, "Unknown Message", 10008)
        return 200, self._message_payload(message)

    async def _edit_webhook_message(self, request: _Request) -> tuple[int, Any]:
        interaction = self._interaction_by_token(request.params["application_id"], request.params["token"])
        message_id = self._webhook_message_id(interaction, request.params["message_id"])
        data = dict(request.body or {})
        message = self._edit(message_id, data, clear_flags=LOADING)
        self._reply(interaction, ReplyKind.EDIT_ORIGINAL, None, data, message.id)
        return 200, self._message_payload(message)

    async def _delete_webhook_message(self, request: _Request) -> tuple[int, Any]:
        interaction = self._interaction_by_token(request.params["application_id"], request.params["token"])
        message_id = self._webhook_message_id(interaction, request.params["message_id"])
        with self._lock:
            message = self._messages.get(message_id)
            if message is None or message.deleted:
                raise HTTPError(404, "Unknown Message", 10008)
            self._messages[message_id] = Message(message.id, message.channel_id, message.payload,
                                                 message.created_at, message.flags, message.edits,
                                                 message.interaction_id, deleted=True)
        return 204, None

    # payloads ---------------------------------------------------------------------------------------
    def _dm_payload(self, user: FakeUser) -> dict[str, Any]:
        return {"id": str(self.dm_channel_id(user.id)), "type": int(ChannelType.DM), "last_message_id": None,
                "flags": 0, "recipients": [_user_payload(user)]}

    def _message_payload(self, message: Message) -> dict[str, Any]:
        guild = next((g for g in self.guilds if g.channel(message.channel_id)), None)
        notified = message.pings
        payload: dict[str, Any] = {
            "id": str(message.id), "channel_id": str(message.channel_id), "type": 0,
            "author": _user_payload(BOT_USER), "content": message.content, "timestamp": _iso(message.created_at),
            "edited_timestamp": _iso(time.time()) if message.edits else None, "tts": False,
            "mention_everyone": notified.everyone,
            "mentions": [_user_payload(self._users[u]) for u in notified.users if u in self._users],
            "mention_roles": [str(r) for r in notified.roles], "attachments": [],
            "embeds": [{"type": "rich", **e} for e in message.embeds], "pinned": False, "flags": message.flags,
            "components": list(message.payload.get("components") or []),
        }
        if guild is not None:
            payload["guild_id"] = str(guild.id)
        if message.nonce is not None:
            payload["nonce"] = message.nonce
        if message.message_reference:
            payload["type"] = 19
            payload["message_reference"] = message.message_reference
        if message.interaction_id is not None:
            payload["webhook_id"] = str(APPLICATION_ID)
            payload["application_id"] = str(APPLICATION_ID)
        return payload

    # -- the gateway ----------------------------------------------------------------------------------
    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        with self._lock:
            self.gateway_connects.append((request.path, dict(request.query)))
        version = request.query.get("v", str(API_VERSION))
        encoding = request.query.get("encoding", "json")
        try:
            if encoding != "json":
                raise ValueError(f"encoding {encoding!r} is not supported by the fake")
            if int(version) not in API_VERSIONS:
                await ws.close(code=4012, message=b"Invalid API version")
                return ws
            connection = _Connection(ws, _Encoder(request.query.get("compress")))
        except ValueError as exc:
            _log.error("fake discord gateway: %s", exc)
            await ws.close(code=4000, message=str(exc).encode()[:120])
            return ws
        with self._lock:
            self._connections.append(connection)
        try:
            await self._send(connection, {"op": Op.HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms,
                                                                  "_trace": ["fake-gateway"]}})
            async for frame in ws:
                if frame.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    continue
                try:
                    payload = json.loads(frame.data)
                except ValueError:
                    await ws.close(code=4002, message=b"Error while decoding payload.")
                    break
                await self._received(connection, payload)
        finally:
            with self._lock:
                self._connections.remove(connection)
                if connection.session is not None and connection.session.connection is connection:
                    connection.session.connection = None
        return ws

    async def _received(self, connection: _Connection, payload: Mapping[str, Any]) -> None:
        op, data = payload.get("op"), payload.get("d")
        with self._lock:
            self.frames.append(GatewayFrame("in", int(op or 0), None, None, data, time.time()))
        if op == Op.HEARTBEAT:
            await self._send(connection, {"op": Op.HEARTBEAT_ACK})
        elif op == Op.IDENTIFY:
            await self._identify(connection, data or {})
        elif op == Op.RESUME:
            await self._resume(connection, data or {})
        elif op in (Op.PRESENCE_UPDATE, Op.VOICE_STATE_UPDATE, Op.REQUEST_GUILD_MEMBERS):
            return  # recorded; nothing this fake needs to answer
        else:
            await connection.ws.close(code=4001, message=b"Unknown opcode.")

    async def _identify(self, connection: _Connection, data: Mapping[str, Any]) -> None:
        if connection.session is not None:
            await connection.ws.close(code=4005, message=b"Already authenticated.")
            return
        if data.get("token") != self.token:
            await connection.ws.close(code=4004, message=b"Authentication failed.")
            return
        if "intents" not in data:
            await connection.ws.close(code=4013, message=b"Invalid intent(s).")
            return
        session = _Session(secrets.token_hex(16), dict(data), connection=connection)
        connection.session = session
        with self._lock:
            self._sessions[session.id] = session
        ready: dict[str, Any] = {
            "v": API_VERSION, "user": {**_user_payload(BOT_USER), "verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in self.guilds], "session_id": session.id,
            "session_type": "normal", "resume_gateway_url": self.resume_gateway_url,
            "application": {"id": str(APPLICATION_ID), "flags": 0}, "private_channels": [], "relationships": [],
            "presences": [], "user_settings": {}, "guild_join_requests": [], "geo_ordered_rtc_regions": [],
            "auth": {}, "_trace": ["fake-gateway"],
        }
        if "shard" in data:
            ready["shard"] = data["shard"]
        await self._dispatch(session, "READY", ready)
        for guild in self.guilds:
            await self._dispatch(session, "GUILD_CREATE", _guild_payload(guild))

    async def _resume(self, connection: _Connection, data: Mapping[str, Any]) -> None:
        with self._lock:
            session = self._sessions.get(str(data.get("session_id")))
        if data.get("token") != self.token:
            await connection.ws.close(code=4004, message=b"Authentication failed.")
            return
        seq = data.get("seq")
        if session is None or not session.valid or not isinstance(seq, int) or seq > session.seq:
            await self._send(connection, {"op": Op.INVALID_SESSION, "d": False})
            return
        old = session.connection
        connection.session = session
        session.connection = connection
        if old is not None and old is not connection:
            with contextlib.suppress(Exception):
                await old.ws.close(code=4000, message=b"resumed elsewhere")
        for missed in [p for p in session.sent if p["s"] > seq]:
            await self._send(connection, missed)
        await self._dispatch(session, "RESUMED", {"_trace": ["fake-gateway"]})

    async def _dispatch(self, session: _Session, event: str, data: Any) -> None:
        with self._lock:
            session.seq += 1
            payload = {"op": int(Op.DISPATCH), "t": event, "s": session.seq, "d": data}
            session.sent.append(payload)
            connection = session.connection
        if connection is not None:
            await self._send(connection, payload)

    async def _send_op(self, session: _Session, op: Op, data: Any) -> None:
        if session.connection is not None:
            await self._send(session.connection, {"op": int(op), "d": data})

    async def _send(self, connection: _Connection, payload: Mapping[str, Any]) -> None:
        text = json.dumps(payload)
        async with connection.lock:  # one compression stream: frames leave in the order they were compressed
            encoded = connection.encoder.encode(text)
            if connection.ws.closed:
                return
            with self._lock:
                self.frames.append(GatewayFrame("out", int(payload["op"]), payload.get("t"), payload.get("s"),
                                                payload.get("d"), time.time()))
            with contextlib.suppress(ConnectionError):
                if isinstance(encoded, bytes):
                    await connection.ws.send_bytes(encoded)
                else:
                    await connection.ws.send_str(encoded)

    # -- standalone control ----------------------------------------------------------------------------
    async def _control(self, request: web.Request) -> web.Response:
        """A small control API for the standalone fake: invoke commands, read what the bot sent."""
        action = request.match_info["action"]
        if action == "invoke" and request.method == "POST":
            spec = await request.json()
            try:
                invocation = self.invoke(spec["command"], user=int(spec.get("user", SUBSCRIBER)),
                                         channel=spec.get("channel", NEWS_CHANNEL), guild=spec.get("guild", GUILD_ID),
                                         **spec.get("options", {}))
            except (LookupError, ValueError, RuntimeError) as exc:
                return _json_response(400, {"error": str(exc)})
            return _json_response(200, {"id": str(invocation.id)})
        if action == "messages":
            return _json_response(200, [{"id": str(m.id), "channel_id": str(m.channel_id), **m.payload}
                                        for m in self.messages])
        if action == "replies":
            with self._lock:
                return _json_response(200, [{"interaction_id": str(r.interaction_id), "kind": r.kind.value,
                                             "type": r.type, "data": r.data} for r in self.replies])
        if action == "calls":
            with self._lock:
                return _json_response(200, [{"method": c.method, "path": c.path, "status": c.status}
                                            for c in self.calls])
        return _json_response(404, {"error": f"no control action {action!r}: invoke, messages, replies, calls"})


@dataclass(frozen=True, slots=True)
class _SessionView:
    id: str
    identify: Mapping[str, Any]
    seq: int


# -- validation, as Discord does it ------------------------------------------------------------------------
# the locales Discord accepts in *_localizations (https://discord.com/developers/docs/reference#locales)
LOCALES = frozenset({"id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu", "nl", "no",
                     "pl", "pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru", "uk", "hi", "th",
                     "zh-CN", "ja", "zh-TW", "ko"})


def _validate_localizations(where: str, item: Mapping[str, Any], *, name_limit: int = 32) -> None:
    """name_localizations (a choice's: 1-100 characters), description_localizations 1-100; known locales."""
    for field_name, low, high in (("name_localizations", 1, name_limit), ("description_localizations", 1, 100)):
        localized = item.get(field_name) or {}
        for locale, text in localized.items():
            if locale not in LOCALES:
                raise _invalid_form(field_name, f"{where}: unknown locale {locale!r}")
            if not isinstance(text, str) or not low <= len(text) <= high:
                raise _invalid_form(field_name, f"{where}: {locale} {field_name[:-14]} of {low}-{high} characters")


def _validate_command(command: Mapping[str, Any]) -> None:
    name = command.get("name")
    if not isinstance(name, str) or not re.fullmatch(r"[-_\w]{1,32}", name) or name != name.lower():
        raise _invalid_form("name", f"invalid command name {name!r}")
    if int(command.get("type", 1)) == 1:
        description = command.get("description")
        if not isinstance(description, str) or not 1 <= len(description) <= 100:
            raise _invalid_form("description", f"/{name}: a description of 1-100 characters")
    _validate_localizations(f"/{name}", command)
    _validate_options(name, command.get("options") or [])


def _validate_options(where: str, options: Sequence[Mapping[str, Any]]) -> None:
    if len(options) > 25:
        raise _invalid_form("options", f"/{where}: more than 25 options")
    seen_optional = False
    for option in options:
        name = option.get("name", "")
        if not re.fullmatch(r"[-_\w]{1,32}", name) or name != name.lower():
            raise _invalid_form("options", f"/{where}: invalid option name {name!r}")
        if not 1 <= len(option.get("description") or "") <= 100:
            raise _invalid_form("options", f"/{where} {name}: a description of 1-100 characters")
        _validate_localizations(f"/{where} {name}", option)
        for choice in option.get("choices") or []:
            _validate_localizations(f"/{where} {name} choice", choice, name_limit=100)
        if option.get("type") in (1, 2):
            _validate_options(f"{where} {name}", option.get("options") or [])
            continue
        if option.get("required"):
            if seen_optional:
                raise _invalid_form("options", f"/{where}: required option {name!r} after an optional one")
        else:
            seen_optional = True
        if len(option.get("choices") or []) > 25:
            raise _invalid_form("options", f"/{where} {name}: more than 25 choices")


def _validate_message(body: Mapping[str, Any], *, creating: bool) -> None:
    content = body.get("content")
    embeds = body.get("embeds")
    if creating and not content and not embeds and not body.get("components") and not body.get("sticker_ids"):
        raise HTTPError(400, "Cannot send an empty message", 50006)
    if content is not None and len(str(content)) > CONTENT_LIMIT:
        raise _invalid_form("content", f"Must be {CONTENT_LIMIT} or fewer in length.")
    if embeds:
        if len(embeds) > EMBEDS_LIMIT:
            raise _invalid_form("embeds", f"Must be {EMBEDS_LIMIT} or fewer in length.")
        total = 0
        for embed in embeds:
            for key, limit in EMBED_LIMITS.items():
                text = str(embed.get(key) or "")
                if len(text) > limit:
                    raise _invalid_form(f"embeds.{key}", f"Must be {limit} or fewer in length.")
                total += len(text)
            fields = embed.get("fields") or []
            if len(fields) > FIELDS_LIMIT:
                raise _invalid_form("embeds.fields", f"Must be {FIELDS_LIMIT} or fewer in length.")
            for item in fields:
                if not item.get("name") or not item.get("value"):
                    raise _invalid_form("embeds.fields", "This field is required")
                if len(item["name"]) > FIELD_NAME_LIMIT or len(item["value"]) > FIELD_VALUE_LIMIT:
                    raise _invalid_form("embeds.fields", "Must be 1024 or fewer in length.")
                total += len(item["name"]) + len(item["value"])
            footer = str((embed.get("footer") or {}).get("text") or "")
            if len(footer) > FOOTER_LIMIT:
                raise _invalid_form("embeds.footer.text", f"Must be {FOOTER_LIMIT} or fewer in length.")
            total += len(footer)
        if total > EMBED_TOTAL_LIMIT:
            raise _invalid_form("embeds", f"Embed size exceeds maximum size of {EMBED_TOTAL_LIMIT}")
    nonce = body.get("nonce")
    if nonce is not None and len(str(nonce)) > NONCE_LIMIT:
        raise _invalid_form("nonce", f"Must be {NONCE_LIMIT} or fewer in length.")
    allowed = body.get("allowed_mentions")
    if allowed:
        parse = allowed.get("parse") or []
        for kind in ("roles", "users"):
            if kind in parse and allowed.get(kind):
                raise _invalid_form("allowed_mentions", f'parse:["{kind}"] and {kind}: [ids] are mutually exclusive.')
            if len(allowed.get(kind) or []) > 100:
                raise _invalid_form("allowed_mentions", f"{kind}: at most 100 ids")


# -- payloads ------------------------------------------------------------------------------------------
def _id(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise _invalid_form("snowflake", f"Value {text!r} is not snowflake.") from None


def _user_payload(user: FakeUser) -> dict[str, Any]:
    return {"id": str(user.id), "username": user.username, "discriminator": "0", "global_name": None,
            "avatar": None, "bot": user.bot, "system": False, "public_flags": 0}


def _role_payload(role: FakeRole) -> dict[str, Any]:
    return {"id": str(role.id), "name": role.name, "color": 0, "colors": {"primary_color": 0}, "hoist": False,
            "icon": None, "unicode_emoji": None, "position": role.position, "permissions": str(role.permissions),
            "managed": False, "mentionable": role.mentionable, "flags": 0}


def _channel_payload(channel: FakeChannel, guild_id: int) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": str(channel.id), "type": int(channel.type), "guild_id": str(guild_id), "name": channel.name,
        "position": channel.position, "permission_overwrites": [], "topic": None, "nsfw": False,
        "last_message_id": None, "rate_limit_per_user": 0, "parent_id": None, "flags": 0,
    }
    if channel.type is ChannelType.FORUM:
        payload.update({"available_tags": [], "default_reaction_emoji": None, "default_sort_order": None,
                        "default_forum_layout": 0, "default_thread_rate_limit_per_user": 0})
    return payload


def _member_payload(member: FakeMember, guild: FakeGuild, *, with_permissions: bool = False) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "user": _user_payload(member.user), "roles": [str(r) for r in member.roles], "nick": None, "avatar": None,
        "banner": None, "joined_at": _iso(time.time() - 86_400), "premium_since": None, "deaf": False,
        "mute": False, "flags": 0, "pending": False, "communication_disabled_until": None,
    }
    if with_permissions:
        payload["permissions"] = str(guild.permissions_of(member))
    return payload


def _guild_payload(guild: FakeGuild) -> dict[str, Any]:
    bot = guild.member(BOT_ID)
    return {
        "id": str(guild.id), "name": guild.name, "icon": None, "splash": None, "discovery_splash": None,
        "banner": None, "description": None, "owner_id": str(guild.owner_id), "afk_channel_id": None,
        "afk_timeout": 300, "verification_level": 0, "default_message_notifications": 1,
        "explicit_content_filter": 0, "mfa_level": 0, "nsfw_level": 0, "premium_tier": 0,
        "premium_subscription_count": 0, "preferred_locale": "en-US", "features": [], "emojis": [],
        "stickers": [], "roles": [_role_payload(r) for r in guild.roles], "system_channel_id": None,
        "system_channel_flags": 0, "rules_channel_id": None, "public_updates_channel_id": None,
        "vanity_url_code": None, "max_members": 500_000, "application_id": None,
        "channels": [_channel_payload(c, guild.id) | {"guild_id": str(guild.id)} for c in guild.channels],
        "threads": [], "members": [_member_payload(bot, guild)] if bot else [], "voice_states": [],
        "presences": [], "stage_instances": [], "guild_scheduled_events": [], "soundboard_sounds": [],
        "member_count": len(guild.members), "large": False, "unavailable": False,
        "joined_at": _iso(time.time() - 86_400), "lazy": True,
    }


async def _read_body(request: web.Request) -> Any:
    if not request.can_read_body:
        return None
    if request.content_type == "application/json":
        return await request.json()
    if request.content_type.startswith("multipart/"):
        reader = await request.multipart()
        payload: Any = None
        async for part in reader:
            if getattr(part, "name", None) == "payload_json":
                payload = json.loads(await part.text())  # type: ignore[union-attr]
            else:
                await part.read()  # type: ignore[union-attr]  # an attachment: not kept
        return payload
    raw = await request.read()
    return json.loads(raw) if raw.strip() else None


# -- standalone ------------------------------------------------------------------------------------------
def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A fake Discord on 127.0.0.1 for showbot (or any discord.py bot).")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: any free port)")
    parser.add_argument("--token", default=TOKEN, help="the bot token it accepts")
    args = parser.parse_args(list(argv) if argv is not None else None)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    fake = FakeDiscord(token=args.token, port=args.port)

    async def serve() -> None:
        async with fake:
            print(f"DISCORD_TOKEN={fake.token}\nDISCORD_API_BASE={fake.api_base}", flush=True)
            print(f"control: POST {fake.base}/_fake/invoke {{\"command\": \"subscribe\", \"options\": "
                  f"{{\"show\": \"Slow Horses\"}}}}; GET {fake.base}/_fake/messages|replies|calls", flush=True)
            await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

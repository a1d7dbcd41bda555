"""WebSub (W3C Recommendation, 2018), the subscriber's side: news pushed by a hub instead of polled.

    links = discover(body, headers)              # the hub(s) and the topic (rel=self) a feed advertises
    answer = await hubs.request(hub, SubscriptionRequest(...))   # 202: the hub will verify our intent
    verification = Verification.from_query(q)    # the hub's GET to our callback; echo hub.challenge
    check_signature(secret, body, header)        # X-Hub-Signature on pushed content (sha1 … sha512)
    renew_at(verified_at, lease_seconds)         # when to ask again, before the lease runs out

Only the protocol lives here (bytes, headers, HTTP to the hub); which feed is subscribed, and what
a pushed body becomes, is the bot's business."""

from __future__ import annotations

import enum
import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import urljoin, urlsplit

import aiohttp

from feeds.urls import UnsafeURLError, check_url_target

_log = logging.getLogger(__name__)

DISCOVERY_SCAN_BYTES = 64 * 1024  # hub links sit in the feed's head, before the entries
DEFAULT_LEASE = 10 * 86400  # what we ask for; the hub decides
MIN_RENEW_MARGIN = 3600.0
HUB_TIMEOUT = 20.0
MAX_SECRET_BYTES = 199  # the spec: "less than 200 bytes"
SIGNATURE_HEADER = "X-Hub-Signature"
_DIGESTS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}


class Mode(enum.Enum):
    SUBSCRIBE = "subscribe"
    UNSUBSCRIBE = "unsubscribe"
    DENIED = "denied"


@dataclass(frozen=True, slots=True)
class WebSubLinks:
    """What a feed advertises: its hubs and its own canonical URL (the topic to subscribe to)."""

    hubs: tuple[str, ...]
    topic: str


# -- discovery ---------------------------------------------------------------------------------------
_LINK_VALUE = re.compile(r"<([^>]*)>\s*((?:;\s*[^;,]+)*)")
_LINK_PARAM = re.compile(r";\s*([A-Za-z*-]+)\s*=\s*(\"[^\"]*\"|[^;,\s]+)")
_LINK_TAG = re.compile(rb"<(?:[A-Za-z0-9_-]+:)?link\b([^>]*)>", re.IGNORECASE)
_ATTRIBUTE = re.compile(rb"([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*(\"[^\"]*\"|'[^']*')")
_ENTRY_START = re.compile(rb"<(?:[A-Za-z0-9_-]+:)?(?:item|entry)\b", re.IGNORECASE)


def parse_link_header(value: str) -> list[tuple[str, frozenset[str]]]:
    """RFC 8288 Link header -> [(target, rels)]; rel may hold several space-separated values."""
    out: list[tuple[str, frozenset[str]]] = []
    for match in _LINK_VALUE.finditer(value):
        target, params = match.group(1).strip(), match.group(2)
        rels: set[str] = set()
        for name, raw in _LINK_PARAM.findall(params):
            if name.lower() == "rel":
                rels.update(raw.strip('"').lower().split())
        out.append((target, frozenset(rels)))
    return out


def discover(body: bytes, headers: Mapping[str, str], *, url: str) -> WebSubLinks | None:
    """The hub and self links a fetched feed advertises: HTTP Link headers first (the spec's order),
    else <link rel="hub"> / <atom:link rel="hub"> in the document's head. None without a hub.
    `url` is the address the feed was fetched from: relative links resolve against it, and it is
    the topic when no rel=self is given."""
    hubs: list[str] = []
    topic: str | None = None
    for name, value in headers.items():
        if name.lower() != "link":
            continue
        for target, rels in parse_link_header(value):
            if "hub" in rels:
                hubs.append(urljoin(url, target))
            if "self" in rels and topic is None:
                topic = urljoin(url, target)
    if not hubs:
        head = body[:DISCOVERY_SCAN_BYTES]
        entry = _ENTRY_START.search(head)
        if entry:
            head = head[: entry.start()]
        for tag in _LINK_TAG.finditer(head):
            attributes = {k.lower(): v[1:-1] for k, v in _ATTRIBUTE.findall(tag.group(1))}
            tag_rels = frozenset(attributes.get(b"rel", b"").decode("utf-8", "replace").lower().split())
            href = _unescape(attributes.get(b"href", b"").decode("utf-8", "replace")).strip()
            if not href:
                continue
            if "hub" in tag_rels:
                hubs.append(urljoin(url, href))
            if "self" in tag_rels and topic is None:
                topic = urljoin(url, href)
    hubs = [h for h in dict.fromkeys(hubs) if urlsplit(h).scheme in ("http", "https")]
    if not hubs:
        return None
    return WebSubLinks(tuple(hubs), topic if topic and urlsplit(topic).scheme in ("http", "https") else url)


def _unescape(text: str) -> str:
    return (text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&#39;", "'").replace("&apos;", "'"))


# -- subscribing -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SubscriptionRequest:
    mode: Mode
    topic: str
    callback: str
    secret: str | None = None
    lease_seconds: int | None = DEFAULT_LEASE

    def form(self) -> dict[str, str]:
        if self.mode is Mode.DENIED:
            raise ValueError("a subscriber never sends hub.mode=denied")
        form = {"hub.mode": self.mode.value, "hub.topic": self.topic, "hub.callback": self.callback}
        if self.mode is Mode.SUBSCRIBE:
            if self.lease_seconds:
                form["hub.lease_seconds"] = str(int(self.lease_seconds))
            if self.secret:
                if len(self.secret.encode()) > MAX_SECRET_BYTES:
                    raise ValueError("hub.secret must be shorter than 200 bytes")
                form["hub.secret"] = self.secret
        return form


@dataclass(frozen=True, slots=True)
class HubAnswer:
    accepted: bool
    status: int | None
    detail: str = ""


def new_secret() -> str:
    """A fresh hub.secret: 256 random bits, hex."""
    return secrets.token_hex(32)


def new_callback_id() -> str:
    """The unguessable last path segment of one subscription's callback URL."""
    return secrets.token_urlsafe(24)


def may_send_secret(hub: str, *, allow_private: bool) -> bool:
    """The spec: a secret SHOULD only travel over HTTPS. Plain-http hubs are used without one
    (their pushes are then taken as a ping to fetch the feed, never as content), except on a
    deployment that allows private hosts (a hub on the same machine or network)."""
    return urlsplit(hub).scheme == "https" or allow_private


class HubClient:
    """POSTs subscription requests to hubs. Every request is checked like a feed URL (no private
    hosts unless allowed), has a deadline, and never raises: the answer says what happened."""

    def __init__(self, *, allow_private: bool = False, user_agent: str = "showbot WebSub subscriber",
                 timeout: float = HUB_TIMEOUT) -> None:
        self.allow_private = allow_private
        self._timeout = timeout
        self._user_agent = user_agent
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> HubClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self._timeout), trust_env=False,
                headers={"User-Agent": self._user_agent})
        return self._session

    async def request(self, hub: str, request: SubscriptionRequest) -> HubAnswer:
        try:
            await check_url_target(hub, allow_private=self.allow_private)
            async with self._open().post(hub, data=request.form(), allow_redirects=False) as response:
                detail = (await response.content.read(2000)).decode("utf-8", "replace").strip()
                # 202 Accepted is the spec's answer; some hubs verify synchronously and say 204/200
                accepted = 200 <= response.status < 300
                return HubAnswer(accepted, response.status, detail if not accepted else "")
        except UnsafeURLError as exc:
            return HubAnswer(False, None, f"hub refused: {exc}")
        except TimeoutError:
            return HubAnswer(False, None, f"hub did not answer within {self._timeout:g}s")
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            return HubAnswer(False, None, f"{type(exc).__name__}: {exc}")


# -- the hub calls us back ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Verification:
    """The hub's GET to the callback: verify intent (subscribe/unsubscribe) or say it denied us."""

    mode: Mode
    topic: str
    challenge: str = ""
    lease_seconds: int | None = None
    reason: str = ""

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> Verification:
        """Raise ValueError when the query is not a verification request."""
        try:
            mode = Mode(query.get("hub.mode", ""))
        except ValueError:
            raise ValueError("hub.mode must be subscribe, unsubscribe or denied") from None
        topic = query.get("hub.topic", "")
        if not topic:
            raise ValueError("hub.topic is missing")
        challenge = query.get("hub.challenge", "")
        if mode is not Mode.DENIED and not challenge:
            raise ValueError("hub.challenge is missing")
        lease: int | None = None
        raw_lease = query.get("hub.lease_seconds", "")
        if mode is Mode.SUBSCRIBE and raw_lease:
            if not raw_lease.isdigit():
                raise ValueError("hub.lease_seconds must be a whole number")
            lease = int(raw_lease)
        return cls(mode, topic, challenge, lease, query.get("hub.reason", "")[:500])


def sign(secret: str, body: bytes, method: str = "sha256") -> str:
    """The X-Hub-Signature value a hub would send (used by tests and the benchmark's hub)."""
    return f"{method}={hmac.new(secret.encode(), body, _DIGESTS[method]).hexdigest()}"


def check_signature(secret: str, body: bytes, header: str | None) -> bool:
    """True when `header` is `method=hex` with a supported method and the HMAC of `body` under
    `secret` matches (compared in constant time)."""
    if not header:
        return False
    method, _, signature = header.strip().partition("=")
    digest = _DIGESTS.get(method.strip().lower())
    if digest is None or not signature:
        return False
    expected = hmac.new(secret.encode(), body, digest).hexdigest()
    return hmac.compare_digest(expected, signature.strip().lower())


def renew_at(verified_at: float, lease_seconds: int | None) -> float | None:
    """When to renew a lease: a tenth of it early (at least an hour, at most half of it). None for
    a lease without an end."""
    if not lease_seconds:
        return None
    margin = min(max(lease_seconds * 0.1, MIN_RENEW_MARGIN), lease_seconds * 0.5)
    return verified_at + lease_seconds - margin

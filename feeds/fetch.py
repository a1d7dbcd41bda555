"""Fetching feeds: async HTTP with conditional GET, a total timeout, a body-size cap, bounded
concurrency, redirects followed by hand (each hop checked), and no exception escapes.

The HTTP client is behind the small port in feeds/http.py (aiohttp in production)."""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from types import TracebackType
from urllib.parse import urljoin, urlsplit

import aiohttp

from feeds.http import AiohttpClient, HttpClient, RawResponse
from feeds.http_cache import SCHEDULING_HEADERS
from feeds.urls import BUNDLED_SCHEME, HostLookupError, UnsafeURLError, check_url_target

_log = logging.getLogger(__name__)

USER_AGENT = "showbot/0.1 (+https://github.com/showbot/showbot; TV news notifications)"
ACCEPT = "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"


class FetchStatus(enum.Enum):
    OK = "ok"
    NOT_MODIFIED = "not_modified"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What one fetch produced. Never raised: a failure is a result with `error` set."""

    url: str
    status: FetchStatus
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    http_status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    permanent: bool = False  # 404/410 and refused URLs: back off hard

    @property
    def ok(self) -> bool:
        return self.status is FetchStatus.OK


@dataclass(frozen=True, slots=True)
class FetchLimits:
    total_timeout: float = 30.0  # whole request, body included: a server that drips bytes is cut off
    connect_timeout: float = 10.0
    max_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5
    concurrency: int = 16


class FeedFetcher:
    """`async with FeedFetcher(...) as fetcher: await fetcher.fetch(url, etag=..., last_modified=...)`."""

    def __init__(
        self, *, limits: FetchLimits | None = None, allow_private: bool = False, client: HttpClient | None = None,
    ) -> None:
        self.limits = limits or FetchLimits()
        self.allow_private = allow_private
        self._semaphore = asyncio.Semaphore(self.limits.concurrency)
        self._client: HttpClient = client or AiohttpClient(
            connections=self.limits.concurrency, connect_timeout=self.limits.connect_timeout,
            headers={"User-Agent": USER_AGENT, "Accept": ACCEPT},
        )

    async def __aenter__(self) -> FeedFetcher:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
        async with self._semaphore:
            try:
                async with asyncio.timeout(self.limits.total_timeout):
                    return await self._fetch(url, etag=etag, last_modified=last_modified)
            except TimeoutError:
                return _error(url, f"timed out after {self.limits.total_timeout:g}s")
            except HostLookupError as exc:  # DNS may be back in a minute: not the feed's final answer
                return _error(url, str(exc))
            except UnsafeURLError as exc:
                return _error(url, f"refused: {exc}", permanent=True)
            except (aiohttp.ClientError, OSError, ValueError) as exc:
                return _error(url, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
            except Exception as exc:  # a fetch must never take the poller down
                _log.exception("unexpected error fetching %s", url)
                return _error(url, f"{type(exc).__name__}: {exc}")

    async def _fetch(self, url: str, *, etag: str | None, last_modified: str | None) -> FetchResult:
        if urlsplit(url).scheme == BUNDLED_SCHEME:
            return _read_bundled(url)
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current = url
        for _hop in range(self.limits.max_redirects + 1):
            await check_url_target(current, allow_private=self.allow_private)
            async with self._client.get(current, headers) as response:
                if response.status == 304:
                    return FetchResult(url, FetchStatus.NOT_MODIFIED, etag=etag, last_modified=last_modified,
                                       http_status=304, headers=_kept_headers(response.headers))
                if response.status in _REDIRECTS:
                    location = response.headers.get("Location")
                    if not location:
                        return _error(url, f"HTTP {response.status} redirect without a Location")
                    current = urljoin(current, location)
                    continue
                if response.status >= 400:
                    return _error(url, f"HTTP {response.status} {response.reason}".strip(),
                                  http_status=response.status, permanent=response.status in (404, 410),
                                  headers=_kept_headers(response.headers))
                body = await self._read_capped(response)
                if body is None:
                    return _error(url, f"body larger than {self.limits.max_bytes} bytes; refused",
                                  http_status=response.status)
                return FetchResult(
                    url, FetchStatus.OK, body=body, http_status=response.status,
                    etag=response.headers.get("ETag"), last_modified=response.headers.get("Last-Modified"),
                    headers=_kept_headers(response.headers),
                )
        return _error(url, f"more than {self.limits.max_redirects} redirects")

    async def _read_capped(self, response: RawResponse) -> bytes | None:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.limits.max_bytes:
            return None
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.chunks:
            size += len(chunk)
            if size > self.limits.max_bytes:
                return None
            chunks.append(chunk)
        return b"".join(chunks)


_REDIRECTS = frozenset({301, 302, 303, 307, 308})


def _error(url: str, message: str, *, http_status: int | None = None, permanent: bool = False,
           headers: dict[str, str] | None = None) -> FetchResult:
    return FetchResult(url, FetchStatus.ERROR, error=message, http_status=http_status, permanent=permanent,
                       headers=headers or {})


_KEPT_HEADERS = frozenset({"content-type", "content-location", "content-language"}) | SCHEDULING_HEADERS


def _kept_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The response headers the parser, the poll schedule and WebSub discovery read, lower-cased;
    a header sent more than once (Link) is joined with commas, as HTTP allows."""
    kept: dict[str, str] = {}
    for name, value in headers.items():
        key = name.lower()
        if key in _KEPT_HEADERS:
            kept[key] = f"{kept[key]}, {value}" if key in kept else value
    return kept


def bundled_feed_urls() -> list[str]:
    """The sample feeds shipped in the package, as `bundled:NAME.xml` URLs."""
    folder = resources.files("bot").joinpath("data", "feeds")
    return sorted(f"{BUNDLED_SCHEME}:{entry.name}" for entry in folder.iterdir() if entry.name.endswith(".xml"))


def _read_bundled(url: str) -> FetchResult:
    name = url.split(":", 1)[1].lstrip("/")
    if "/" in name or "\\" in name or not name.endswith(".xml"):
        return _error(url, "no such bundled feed", permanent=True)
    entry = resources.files("bot").joinpath("data", "feeds", name)
    if not entry.is_file():
        return _error(url, "no such bundled feed", permanent=True)
    return FetchResult(url, FetchStatus.OK, body=entry.read_bytes(), http_status=200,
                       headers={"content-type": "application/xml"})

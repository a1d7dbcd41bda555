"""The HTTP port of the fetcher, and its aiohttp implementation.

aiohttp is the client: discord.py already depends on it, and under the poller's concurrency it
is an order of magnitude faster than httpx (1,000 local feed GETs at concurrency 50: about 0.4 s
against 7–9 s, measured on the project's 2-core machine). The port is one method, so tests can
stand a fake internet in for it without sockets."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Protocol

import aiohttp


@dataclass(frozen=True, slots=True)
class RawResponse:
    """Status line and headers of a response; the body is read in chunks, so it can be capped."""

    status: int
    reason: str
    headers: Mapping[str, str]  # case-insensitive where the client provides it
    chunks: AsyncIterator[bytes]


class HttpClient(Protocol):
    def get(self, url: str, headers: Mapping[str, str]) -> AbstractAsyncContextManager[RawResponse]:
        """GET without following redirects."""
        ...

    async def aclose(self) -> None: ...


class AiohttpClient:
    """One aiohttp session with a bounded connection pool. Timeouts are the caller's (one total
    deadline around the whole fetch); the session adds a connect timeout."""

    def __init__(self, *, connections: int, connect_timeout: float, headers: Mapping[str, str]) -> None:
        self._options = (connections, connect_timeout, dict(headers))
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connections, connect_timeout, headers = self._options
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=connections, ttl_dns_cache=300),
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=connect_timeout),
                headers=headers,
                trust_env=False,
                auto_decompress=True,
            )
        return self._session

    @asynccontextmanager
    async def get(self, url: str, headers: Mapping[str, str]) -> AsyncIterator[RawResponse]:
        async with self._open().get(url, headers=dict(headers), allow_redirects=False) as response:
            yield RawResponse(response.status, response.reason or "", response.headers,
                              response.content.iter_chunked(64 * 1024))

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

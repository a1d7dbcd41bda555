"""TVmaze's public API (https://www.tvmaze.com/api), to grow the catalog: search shows by name, read a
show with its AKAs (the names it goes by in other countries and scripts, the matcher's aliases).

    async with TvmazeClient("https://api.tvmaze.com") as tvmaze:
        found = await tvmaze.search("squid game")       # [TvmazeShow(...)], best first
        show = await tvmaze.show(43687)                 # TvmazeShow with akas, or None

Every call has a timeout; any failure (network, 5xx, 429, a body that is not TVmaze's shape) raises
TvmazeUnavailable with one line to log or show, never anything else."""

from __future__ import annotations

import json
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import quote

import aiohttp

DEFAULT_URL = "https://api.tvmaze.com"
TIMEOUT = 6.0
MAX_BODY = 2 * 1024 * 1024
MAX_RESULTS = 10
USER_AGENT = "showbot (+https://github.com/showbot/showbot; catalog lookups)"


class TvmazeUnavailable(Exception):
    """TVmaze could not be asked, or did not answer in its shape."""


@dataclass(frozen=True, slots=True)
class TvmazeShow:
    id: int
    name: str
    premiered: str | None = None  # "2021-09-17"
    network: str | None = None  # the network or streaming service
    language: str | None = None
    url: str | None = None
    akas: tuple[str, ...] = ()

    @property
    def year(self) -> str | None:
        return self.premiered[:4] if self.premiered and self.premiered[:4].isdigit() else None

    @property
    def label(self) -> str:
        """'Squid Game (2021, Netflix)'"""
        details = ", ".join(d for d in (self.year, self.network) if d)
        return f"{self.name} ({details})" if details else self.name


class TvmazeClient:
    def __init__(self, base_url: str = DEFAULT_URL, *, timeout: float = TIMEOUT) -> None:
        self.base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> TvmazeClient:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def search(self, query: str, *, limit: int = MAX_RESULTS) -> list[TvmazeShow]:
        """Shows whose name is like `query`, best first."""
        data = await self._get(f"/search/shows?q={quote(query.strip())}")
        if not isinstance(data, list):
            raise TvmazeUnavailable("TVmaze answered a search with something that is not a list")
        shows = [_show(entry.get("show")) for entry in data if isinstance(entry, dict)]
        return [s for s in shows if s is not None][:limit]

    async def show(self, show_id: int) -> TvmazeShow | None:
        """The show with TVmaze id `show_id` and its AKAs, or None when TVmaze has no such show."""
        data = await self._get(f"/shows/{int(show_id)}?embed=akas", missing_ok=True)
        return None if data is None else _show(data)

    async def _get(self, path: str, *, missing_ok: bool = False) -> Any:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout, headers={"User-Agent": USER_AGENT})
        url = self.base_url + path
        try:
            async with self._session.get(url) as response:
                if response.status == 404 and missing_ok:
                    return None
                if response.status != 200:
                    raise TvmazeUnavailable(f"TVmaze answered HTTP {response.status}")
                body = await response.content.read(MAX_BODY + 1)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise TvmazeUnavailable(f"TVmaze is unreachable ({type(exc).__name__}: {exc})") from None
        if len(body) > MAX_BODY:
            raise TvmazeUnavailable("TVmaze's answer is too large")
        try:
            return json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise TvmazeUnavailable("TVmaze's answer is not JSON") from None


def _text(value: Any) -> str | None:
    return " ".join(value.split()) if isinstance(value, str) and value.strip() else None


def _show(data: Any) -> TvmazeShow | None:
    """A TvmazeShow from TVmaze's show object (None when it isn't one)."""
    if not isinstance(data, dict) or not isinstance(data.get("id"), int) or not _text(data.get("name")):
        return None
    name = _text(data["name"]) or ""
    outlet = data.get("network") if isinstance(data.get("network"), dict) else data.get("webChannel")
    network = _text(outlet.get("name")) if isinstance(outlet, dict) else None
    embedded: dict[str, Any] = data["_embedded"] if isinstance(data.get("_embedded"), dict) else {}
    akas: list[str] = []
    for aka in embedded.get("akas") or []:
        alias = _text(aka.get("name")) if isinstance(aka, dict) else None
        if alias and alias.casefold() != name.casefold() and alias not in akas:
            akas.append(alias)
    return TvmazeShow(data["id"], name, _text(data.get("premiered")), network, _text(data.get("language")),
                      _text(data.get("url")), tuple(akas))

"""A fake TVmaze API on 127.0.0.1 (SHOWBOT_TVMAZE_URL): /search/shows?q=… and /shows/<id>?embed=akas,
answered in TVmaze's shape from the shows it is given; every request is recorded.

    with FakeTvmaze([TvShow(1, "Moving", "2023-08-09", "Disney+", ("무빙",))]) as tvmaze:
        env["SHOWBOT_TVMAZE_URL"] = tvmaze.url"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.http_server import LocalServer, Request, Response


@dataclass(frozen=True)
class TvShow:
    id: int
    name: str
    premiered: str | None = None
    network: str | None = None
    akas: tuple[str, ...] = ()

    def payload(self, *, embed: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id, "url": f"https://www.tvmaze.com/shows/{self.id}/x", "name": self.name, "type": "Scripted",
            "language": "English", "premiered": self.premiered, "status": "Running",
            "network": {"id": 1, "name": self.network, "country": {"code": "US"}} if self.network else None,
            "webChannel": None,
        }
        if embed:
            data["_embedded"] = {"akas": [{"name": a, "country": None} for a in self.akas]}
        return data


class FakeTvmaze:
    def __init__(self, shows: list[TvShow]) -> None:
        self.shows = {s.id: s for s in shows}
        self.server = LocalServer()
        self.server.routes["/search/shows"] = self._search
        self.server.fallback = self._show
        self.down = False  # True: every request answers 503

    @property
    def url(self) -> str:
        return self.server.base

    @property
    def requests(self) -> list[Request]:
        return self.server.requests

    def __enter__(self) -> FakeTvmaze:
        self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)

    def _search(self, request: Request) -> Response:
        if self.down:
            return Response(503, b"busy")
        query = parse_qs(urlsplit(request.path).query).get("q", [""])[0].casefold()
        words = query.split()
        found = [s for s in self.shows.values()
                 if any(w in s.name.casefold() or any(w in a.casefold() for a in s.akas) for w in words)]
        body = [{"score": 0.9, "show": s.payload()} for s in found]
        return Response(200, json.dumps(body).encode(), {"Content-Type": "application/json"})

    def _show(self, request: Request) -> Response:
        if self.down:
            return Response(503, b"busy")
        path = urlsplit(request.path).path
        head, _sep, tail = path.rpartition("/")
        if head != "/shows" or not tail.isdigit() or int(tail) not in self.shows:
            return Response(404, b'{"name":"Not Found","status":404}', {"Content-Type": "application/json"})
        body = self.shows[int(tail)].payload(embed="embed=akas" in request.path)
        return Response(200, json.dumps(body).encode(), {"Content-Type": "application/json"})

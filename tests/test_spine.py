"""The spine end to end: a real feed over HTTP on 127.0.0.1 -> poll -> match -> fan-out -> a fake messenger.

Also the embedded default (`python -m bot run --once`, no token) as a subprocess."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import bot.poller
from bot.commands import Caller, Commands
from bot.config import load_settings
from bot.notifications import Notification, Recipient
from bot.ports import RateLimits
from bot.service import ShowBot
from feeds.model import Event
from feeds.parse import ParsedFeed
from tests.support.http_server import LocalServer, Request, Response

FEEDS = Path(__file__).parent / "data" / "feeds"
FEED_PATH = "/tv/feed.xml"
SUBSCRIBER = Caller("fake", "u1", "u1")


class FakeMessenger:
    """Records what the delivery loop sends, instead of sending it."""

    platform = "fake"
    limits = RateLimits(per_second=1000.0, private_interval=0.0, group_interval=0.0)

    def __init__(self) -> None:
        self.sent: list[tuple[Recipient, Notification]] = []

    async def send(self, recipient: Recipient, notification: Notification) -> None:
        self.sent.append((recipient, notification))

    @property
    def headlines(self) -> list[str]:
        return [n.headline for _r, n in self.sent]


@dataclass
class FeedSite:
    """One feed URL with conditional GET: ETag + Last-Modified, 304 for a matching If-None-Match."""

    body: bytes
    content_type: str = "application/rss+xml; charset=utf-8"
    last_modified: str = "Mon, 02 Mar 2026 13:00:00 GMT"
    honour_conditional: bool = True
    statuses: list[int] = field(default_factory=list)

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'

    def publish(self, body: bytes, content_type: str, last_modified: str) -> None:
        self.body, self.content_type, self.last_modified = body, content_type, last_modified

    def __call__(self, request: Request) -> Response:
        headers = {"ETag": self.etag, "Last-Modified": self.last_modified}
        if self.honour_conditional and request.headers.get("if-none-match") == self.etag:
            self.statuses.append(304)
            return Response(304, b"", headers)
        self.statuses.append(200)
        return Response(200, self.body, {**headers, "Content-Type": self.content_type})


@pytest.fixture
def site(server: LocalServer) -> FeedSite:
    feed = FeedSite((FEEDS / "spine.xml").read_bytes())
    server.routes[FEED_PATH] = feed
    return feed


@pytest.fixture
def parse_calls(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Count the poller's feed parses (the real parser still runs)."""
    calls: list[bytes] = []
    real = bot.poller.parse_feed_async

    async def counting(body: bytes, headers: Mapping[str, str] | None = None, **kwargs: object) -> ParsedFeed:
        calls.append(body)
        return await real(body, headers, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(bot.poller, "parse_feed_async", counting)
    return calls


@asynccontextmanager
async def running_bot(db_path: str, url: str) -> AsyncIterator[tuple[ShowBot, FakeMessenger]]:
    settings = load_settings(env={"SHOWBOT_FEEDS": url, "SHOWBOT_ALLOW_PRIVATE_FEEDS": "1"}, db=db_path)
    async with ShowBot.create(settings) as showbot:
        messenger = FakeMessenger()
        showbot.register(messenger)
        yield showbot, messenger


async def _subscribe(showbot: ShowBot) -> None:
    reply = await Commands(showbot).run(SUBSCRIBER, "subscribe", show="Wednesday", events="renewal release_date")
    assert reply.ok, reply.text


async def test_first_poll_delivers_exactly_the_wanted_story(
    server: LocalServer, site: FeedSite, db_path: str
) -> None:
    async with running_bot(db_path, server.url(FEED_PATH)) as (showbot, messenger):
        await _subscribe(showbot)
        report = await showbot.run_once()
    assert (report.poll.fetched, report.poll.new_items, report.poll.failed) == (1, 4, 0)
    # "Wednesday season 2 trailer" matches the show but not the filter; Squid Game and the weather don't match
    assert messenger.headlines == ["Netflix renews Wednesday for season 3"]
    [(recipient, note)] = messenger.sent
    assert recipient == Recipient("fake", "user", "u1", None)
    assert (note.show, note.events, note.seasons) == ("Wednesday", Event.RENEWAL, (3,))
    assert note.link == "https://news.example.test/2026/03/wednesday-renewed-season-3"
    assert note.source == "Spine Test News"
    assert report.delivery.sent == 1


async def test_second_poll_is_a_304_and_nothing_is_parsed_or_sent_again(
    server: LocalServer, site: FeedSite, db_path: str, parse_calls: list[bytes]
) -> None:
    async with running_bot(db_path, server.url(FEED_PATH)) as (showbot, messenger):
        await _subscribe(showbot)
        await showbot.run_once()
        assert len(parse_calls) == 1
        report = await showbot.run_once()
        assert report.poll.not_modified == 1 and report.poll.fetched == 0
        assert len(parse_calls) == 1
        assert messenger.headlines == ["Netflix renews Wednesday for season 3"]
        [feed] = await showbot.storage.feeds.all()
        assert feed.etag == site.etag and feed.failures == 0
    feed_requests = [r for r in server.requests if r.path == FEED_PATH]
    assert len(feed_requests) == 2
    assert "if-none-match" not in feed_requests[0].headers
    assert feed_requests[1].headers["if-none-match"] == site.etag
    assert feed_requests[1].headers["if-modified-since"] == site.last_modified
    assert site.statuses == [200, 304]


async def test_restart_sends_nothing_twice_and_a_new_story_once(
    server: LocalServer, site: FeedSite, db_path: str, parse_calls: list[bytes]
) -> None:
    url = server.url(FEED_PATH)
    async with running_bot(db_path, url) as (showbot, first):
        await _subscribe(showbot)
        await showbot.run_once()
    assert first.headlines == ["Netflix renews Wednesday for season 3"]

    site.honour_conditional = False  # the server forgets its ETags: the whole feed comes back and is parsed
    async with running_bot(db_path, url) as (showbot, second):
        report = await showbot.run_once()
        assert report.poll.fetched == 1 and report.poll.new_items == 0
        assert len(parse_calls) == 2
        assert second.sent == []

        site.honour_conditional = True
        site.publish((FEEDS / "spine-atom.xml").read_bytes(), "application/atom+xml",
                     "Tue, 03 Mar 2026 09:00:00 GMT")
        report = await showbot.run_once()
        assert report.poll.new_items == 1
        assert second.headlines == ["Wednesday season 3 release date set for August"]
        assert second.sent[0][1].events == Event.RELEASE_DATE

        await showbot.run_once()  # 304 now
        assert second.headlines == ["Wednesday season 3 release date set for August"]
        assert site.statuses[-1] == 304
        outbox = await showbot.storage.outbox.outbox_counts()
    assert outbox.get("sent") == 2


# -- the embedded default ----------------------------------------------------------------------------
def _run_default(cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISCORD_TOKEN", "TELEGRAM_TOKEN", "TELEGRAM_BASE_URL") and not k.startswith("SHOWBOT_")}
    return subprocess.run([sys.executable, "-m", "bot", "run", "--once", "--db", "X.db"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60, check=False)


def test_embedded_default_prints_notifications_once(tmp_path: Path) -> None:
    first = _run_default(tmp_path)
    assert first.returncode == 0, first.stderr
    blocks = [b for b in first.stdout.strip().split("\n\n") if b.strip()]
    assert blocks, first.stderr
    for block in blocks:  # each one a rendered notification: "[Show · event]", the headline, a link
        lines = block.splitlines()
        assert lines[0].startswith("[") and lines[0].endswith("]"), block
        assert any(line.startswith("https://news.example/") for line in lines), block
    assert (tmp_path / "X.db").exists() and not (tmp_path / "showbot.db").exists()

    second = _run_default(tmp_path)
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == ""

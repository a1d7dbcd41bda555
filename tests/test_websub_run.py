"""News by push, as a real `showbot run` process: Telegram through the fake Bot API, a feed on
127.0.0.1 that advertises a WebSub hub written for the test. The bot subscribes; a story the hub
pushes reaches the subscriber without another poll; a push with a bad signature is refused."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from email.utils import formatdate
from pathlib import Path

import pytest

from bot.poller import spread_offset
from bot.service import INITIAL_SPREAD_CAP
from tests.support.fake_telegram import FakeTelegram
from tests.support.fake_websub_hub import FakeHub
from tests.support.http_server import LocalServer, Request, Response

SUBSCRIBER = 42
OLD = "Weekend box office: a quiet week for premieres"
NEWS = "‘Slow Horses’ Renewed For Season 6 At Apple TV+"
FORGED = "‘Slow Horses’ Cancelled After Five Seasons"


def _rss(hub: str, topic: str, *titles: str) -> bytes:
    items = "".join(
        f"<item><title>{t}</title><link>https://example.com/{abs(hash(t))}</link>"
        f"<pubDate>{formatdate(time.time() - 60 * n)}</pubDate></item>" for n, t in enumerate(titles, 1))
    return (f'<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
            f'<title>TV Wire</title><atom:link rel="hub" href="{hub}"/><atom:link rel="self" href="{topic}"/>'
            f"{items}</channel></rss>").encode()


class Feed:
    def __init__(self, body: bytes) -> None:
        self.body = body
        self.fetches = 0

    def __call__(self, request: Request) -> Response:
        self.fetches += 1
        return Response(200, self.body, {"Content-Type": "application/rss+xml"})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _feed_path(server: LocalServer) -> str:
    """A path whose first poll comes within a second of start (the spread is a hash of the URL)."""
    spread = min(600.0, INITIAL_SPREAD_CAP)
    return next(p for p in (f"/tv-{n}.xml" for n in range(10_000)) if spread_offset(server.url(p), spread) < 1.0)


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as telegram:
        yield telegram


async def test_a_pushed_story_reaches_telegram_without_a_poll(fake: FakeTelegram, server: LocalServer,
                                                              tmp_path: Path) -> None:
    with FakeHub() as hub:
        path = _feed_path(server)
        topic = server.url(path)
        feed = Feed(_rss(hub.url, topic, OLD))
        server.routes[path] = feed
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SHOWBOT_", "TELEGRAM_", "DISCORD_", "PTB_"))}
        env.update({
            "TELEGRAM_TOKEN": fake.token, "TELEGRAM_BASE_URL": fake.base_url, "SHOWBOT_DB": str(tmp_path / "bot.db"),
            "SHOWBOT_FEEDS": topic, "SHOWBOT_ALLOW_PRIVATE_FEEDS": "1", "SHOWBOT_WEB": f"127.0.0.1:{port}",
            "SHOWBOT_PUBLIC_URL": f"http://127.0.0.1:{port}", "SHOWBOT_LOG_LEVEL": "INFO",
        })
        fake.push_message(user=SUBSCRIBER, text="/subscribe Slow Horses")
        log = (tmp_path / "showbot.log").open("wb")
        process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path,
                                                       stdout=log, stderr=subprocess.STDOUT)
        try:
            reply = await fake.wait_for_sent(lambda c: c.chat_id == str(SUBSCRIBER), within=20)
            assert "Slow Horses" in reply.text
            # the first poll finds the hub; the bot subscribes and the hub verifies its intent
            subscription = await asyncio.to_thread(hub.wait_for_subscription, topic, within=20)
            assert subscription.secret and subscription.callback.startswith(f"http://127.0.0.1:{port}/websub/")
            assert feed.fetches == 1

            statuses = await asyncio.to_thread(hub.publish, topic, _rss(hub.url, topic, FORGED, OLD), secret="guess")
            assert statuses == [403]
            statuses = await asyncio.to_thread(hub.publish, topic, _rss(hub.url, topic, NEWS, OLD))
            assert statuses == [202]
            news = await fake.wait_for_sent(lambda c: "Renewed For Season 6" in c.text, within=15)
            assert news.chat_id == str(SUBSCRIBER)
            await asyncio.sleep(1.0)
            assert feed.fetches == 1, "the story came by push, not by a poll"
            assert not [c for c in fake.sent if "Cancelled After Five Seasons" in c.text]
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            try:
                code = await asyncio.wait_for(process.wait(), 15)
            except TimeoutError:
                process.kill()
                await process.wait()
                raise
            finally:
                log.close()
        output = (tmp_path / "showbot.log").read_text(errors="replace")
        assert code == 0, output
        assert "WebSub on" in output and "is pushed by" in output
        assert "bad or missing signature was refused" in output

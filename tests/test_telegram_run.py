"""`showbot run` as a real process: Telegram through a fake Bot API server, a feed on 127.0.0.1.

A user subscribes by message; only then does the feed carry a matching story; the bot must tell
that user exactly once, tell nobody else, and stop cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from email.utils import formatdate
from pathlib import Path

import pytest

from bot.poller import spread_offset
from bot.service import INITIAL_SPREAD_CAP
from feeds.model import Event, NewItem, ShowMatch
from storage import open_storage
from storage.records import SubscriptionRecord
from tests.support.fake_telegram import FakeTelegram
from tests.support.http_server import LocalServer, Request, Response

SUBSCRIBER = 42
BYSTANDER = 77
POLL_INTERVAL = 30.0
HEADLINE = "‘Slow Horses’ Renewed For Season 6 At Apple TV+"


def _rss(*titles: str) -> bytes:
    items = "".join(
        f"<item><title>{title}</title><link>https://example.com/story-{n}</link>"
        f"<guid>https://example.com/story-{n}</guid><pubDate>{formatdate(time.time() - 60 * n)}</pubDate></item>"
        for n, title in enumerate(titles, 1)
    )
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>TV Wire</title>'
            f"<link>https://example.com/</link>{items}</channel></rss>").encode()


class GatedFeed:
    """The feed's body can be swapped; a fetch is held until the test opens the gate, so whenever
    the bot's first poll comes, it sees the feed as it is once the subscription exists."""

    def __init__(self) -> None:
        self.body = _rss("Weekend box office: a quiet week for premieres")
        self.gate = threading.Event()
        self.fetches = 0

    def __call__(self, request: Request) -> Response:
        self.gate.wait(timeout=20)
        self.fetches += 1
        return Response(200, self.body, {"Content-Type": "application/rss+xml; charset=utf-8"})


def _feed_path(server: LocalServer) -> str:
    """A path whose first poll the bot schedules within a second of start (the poll spread is a
    stable hash of the URL), so the test does not wait out a random part of the interval."""
    spread = min(POLL_INTERVAL, INITIAL_SPREAD_CAP)
    return next(p for p in (f"/tv-{n}.xml" for n in range(10_000)) if spread_offset(server.url(p), spread) < 1.0)


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as telegram:
        yield telegram


def _environment(fake: FakeTelegram, feed_url: str, db: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SHOWBOT_", "TELEGRAM_", "DISCORD_", "PTB_"))}
    env.update({
        "TELEGRAM_TOKEN": fake.token, "TELEGRAM_BASE_URL": fake.base_url, "SHOWBOT_DB": db,
        "SHOWBOT_FEEDS": feed_url, "SHOWBOT_ALLOW_PRIVATE_FEEDS": "1", "SHOWBOT_POLL_INTERVAL": str(POLL_INTERVAL),
        "SHOWBOT_LOG_LEVEL": "INFO",
    })
    return env


async def _wait_for_subscription(db: str, user: int, show: str, *, within: float) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        async with open_storage(db) as storage:
            if any(s.show == show for s in await storage.audience.subscriptions("telegram", "user", str(user))):
                return
        await asyncio.sleep(0.1)
    raise AssertionError(f"no {show} subscription for {user} within {within}s")


async def test_run_delivers_one_notification_to_the_subscriber(fake: FakeTelegram, server: LocalServer,
                                                               tmp_path: Path) -> None:
    feed = GatedFeed()
    path = _feed_path(server)
    server.routes[path] = feed
    db = str(tmp_path / "showbot.db")
    fake.push_message(user=SUBSCRIBER, text="/subscribe Slow Horses")
    fake.push_message(user=BYSTANDER, text="/subscribe Squid Game", first_name="Bob")

    log = (tmp_path / "showbot.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=_environment(fake, server.url(path), db), cwd=tmp_path,
        stdout=log, stderr=subprocess.STDOUT)
    try:
        reply = await fake.wait_for_sent(lambda c: c.chat_id == str(SUBSCRIBER), within=20)
        assert "You now follow Slow Horses" in reply.text
        await fake.wait_for_sent(lambda c: c.chat_id == str(BYSTANDER), within=5)
        await _wait_for_subscription(db, SUBSCRIBER, "Slow Horses", within=5)
        assert feed.fetches == 0, "the gate holds every fetch until the subscription exists"

        feed.body = _rss(HEADLINE, "Weekend box office: a quiet week for premieres")
        feed.gate.set()
        news = await fake.wait_for_sent(lambda c: "Renewed For Season 6" in c.text, within=15)
        assert news.chat_id == str(SUBSCRIBER)
        assert news.params["parse_mode"] == "HTML" and "<b>Slow Horses</b>" in news.text
        await asyncio.sleep(1.5)  # a duplicate or a stray recipient would show up by now
        stories = [c for c in fake.sent if "Renewed For Season 6" in c.text]
        assert [c.chat_id for c in stories] == [str(SUBSCRIBER)]
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
    assert "stopped cleanly" in output
    async with open_storage(db) as storage:
        assert await storage.outbox.outbox_counts() == {"sent": 1}


# -- a long queue at SIGTERM, and `run --once` -------------------------------------------------------
QUEUED_CHATS = 1500  # ~55 s of sending at Telegram's 28 messages a second


async def _queue_for_chats(db: str, chats: range, feed_url: str) -> None:
    """One Slow Horses story already fanned out to every chat in `chats` (pending in the outbox)."""
    async with open_storage(db) as storage:
        await storage.feeds.add_feed(feed_url, next_poll_at=time.time() + 3600)
        show = await storage.catalog.upsert_show("Slow Horses")
        for chat in chats:
            await storage.audience.subscribe(SubscriptionRecord("telegram", "user", str(chat), show, Event.all()))
        [item] = await storage.items.insert_items(None, [NewItem(HEADLINE, guid="sh-6", link="https://example.com/sh")],
                                         time.time())
        match = ShowMatch(show, "Slow Horses", Event.RENEWAL, (6,), "test")
        await storage.items.save_matches(item.id, [match])
        assert await storage.outbox.enqueue_for_match(item.id, match, time.time()) == len(chats)


def _outbox(db: str) -> dict[str, set[str]]:
    with closing(sqlite3.connect(db)) as conn:
        rows = conn.execute("SELECT status, chat_id FROM outbox").fetchall()
    out: dict[str, set[str]] = {}
    for status, chat in rows:
        out.setdefault(status, set()).add(chat)
    return out


async def test_sigterm_stops_within_seconds_and_leaves_the_rest_pending(fake: FakeTelegram, server: LocalServer,
                                                                       tmp_path: Path) -> None:
    db = str(tmp_path / "showbot.db")
    feed = server.url("/quiet.xml")
    server.routes["/quiet.xml"] = Response(200, _rss("Weekend box office"))
    chats = range(10_000, 10_000 + QUEUED_CHATS)
    await _queue_for_chats(db, chats, feed)
    log = (tmp_path / "showbot.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=_environment(fake, feed, db), cwd=tmp_path,
        stdout=log, stderr=subprocess.STDOUT)
    try:
        await fake.wait_for_sent(within=20)
        await asyncio.sleep(1.0)  # well into the queue
        process.send_signal(signal.SIGTERM)
        started = time.monotonic()
        code = await asyncio.wait_for(process.wait(), 30)
        took = time.monotonic() - started
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        log.close()
    output = (tmp_path / "showbot.log").read_text(errors="replace")
    assert code == 0, output
    assert took < 5.0, f"SIGTERM took {took:.1f}s with a long queue"
    sent_to = [c.chat_id for c in fake.sent]
    assert len(sent_to) == len(set(sent_to)), "a chat got the story twice"
    outbox = _outbox(db)
    assert outbox.get("sent", set()) == set(sent_to), "every accepted message is marked sent, and only those"
    assert outbox.get("pending") and outbox["sent"] | outbox["pending"] == {str(c) for c in chats}


async def test_run_once_with_a_token_delivers_to_telegram(fake: FakeTelegram, server: LocalServer,
                                                          tmp_path: Path) -> None:
    """On main, `run --once` with TELEGRAM_TOKEN queued the notifications and never sent them."""
    db = str(tmp_path / "showbot.db")
    feed = server.url("/tv.xml")
    server.routes["/tv.xml"] = Response(200, _rss(HEADLINE), {"Content-Type": "application/rss+xml"})
    async with open_storage(db) as storage:
        await storage.feeds.add_feed(feed)
        await storage.audience.subscribe(SubscriptionRecord("telegram", "user", str(SUBSCRIBER), await storage.catalog.upsert_show(
            "Slow Horses"), Event.all()))
    result = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--once", env=_environment(fake, feed, db), cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output, _ = await asyncio.wait_for(result.communicate(), 60)
    assert result.returncode == 0, output.decode()
    [news] = fake.sent
    assert news.chat_id == str(SUBSCRIBER) and "Renewed For Season 6" in news.text
    assert _outbox(db) == {"sent": {str(SUBSCRIBER)}}
    assert not fake.calls_to("getUpdates"), "a once-run sends; it does not take the chats' commands"


async def test_run_once_with_telegram_unreachable_leaves_the_news_pending(fake: FakeTelegram, server: LocalServer,
                                                                          tmp_path: Path) -> None:
    db = str(tmp_path / "showbot.db")
    feed = server.url("/tv.xml")
    server.routes["/tv.xml"] = Response(200, _rss(HEADLINE), {"Content-Type": "application/rss+xml"})
    async with open_storage(db) as storage:
        await storage.feeds.add_feed(feed)
        await storage.audience.subscribe(SubscriptionRecord("telegram", "user", str(SUBSCRIBER), await storage.catalog.upsert_show(
            "Slow Horses"), Event.all()))
    fake.unreachable = True
    result = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--once", env=_environment(fake, feed, db), cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output, _ = await asyncio.wait_for(result.communicate(), 60)
    text = output.decode()
    assert result.returncode == 1, text
    assert "Traceback" not in text and "stay pending" in text
    assert _outbox(db) == {"pending": {str(SUBSCRIBER)}}

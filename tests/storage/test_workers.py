"""Several `showbot run` processes on one PostgreSQL, and `kill -9` of one of them.

Three real worker processes poll feeds served on 127.0.0.1 and deliver to a fake Telegram Bot API
(also on 127.0.0.1). One of them is killed with SIGKILL mid-cycle (while it holds feed leases) or
mid-delivery (while it holds chat claims). Afterwards every notification has been delivered, and no
recipient got anything twice beyond the one message the dead worker may have had in flight to
them; the dead worker's feeds were handed over when their leases ran out; only one worker at a time
read Telegram's updates. A short SHOWBOT_WORKER_LEASE keeps the handover quick.

Needs PostgreSQL (see tests/support/postgres.py)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

import asyncpg
import pytest

from bot.service import bundled_catalog
from feeds.model import Event
from storage import open_storage
from storage.records import SubscriptionRecord
from tests.support.fake_telegram import TOKEN, FakeTelegram
from tests.support.http_server import LocalServer, Request, Response
from tests.support.postgres import postgres_or_skip, temporary_schema

WORKERS = 3
LEASE = 3.0
SETTLE_TIMEOUT = 120.0
SHOWS = ("Wednesday", "Squid Game", "The Bear", "Severance", "Slow Horses", "Shōgun", "The Last of Us", "Silo",
         "Andor", "Fallout")


@dataclass
class World:
    url: str
    tmp: Path
    feeds: LocalServer
    telegram: FakeTelegram
    feed_urls: list[str]
    chats: list[str]
    headlines: list[str]
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)

    def start_workers(self, count: int = WORKERS) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SHOWBOT_", "DISCORD_", "TELEGRAM_"))}
        env.update(SHOWBOT_DATABASE_URL=self.url, TELEGRAM_TOKEN=TOKEN, TELEGRAM_BASE_URL=self.telegram.base_url,
                   SHOWBOT_FEEDS=",".join(self.feed_urls), SHOWBOT_ALLOW_PRIVATE_FEEDS="1", SHOWBOT_WEB="off",
                   SHOWBOT_WORKER_LEASE=str(LEASE), SHOWBOT_POLL_INTERVAL="3600", PYTHONUNBUFFERED="1")
        for n in range(count):
            log = self.tmp / f"worker{n}.log"
            self.logs.append(log)
            with log.open("wb") as stderr:
                self.procs.append(subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=self.tmp, env=env,
                                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr))

    def stop_workers(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def log_text(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}" for log in self.logs)

    def sent(self) -> Counter[tuple[str, str]]:
        """(chat, headline) -> how many times the Bot API accepted it."""
        counts: Counter[tuple[str, str]] = Counter()
        for call in self.telegram.sent:
            for headline in self.headlines:
                if escape(headline) in call.text or headline in call.text:
                    counts[(call.chat_id, headline)] += 1
        return counts


def _rss(items: list[tuple[str, str]]) -> bytes:
    body = "".join(f"<item><title>{escape(title)}</title><guid>{guid}</guid>"
                   f"<link>https://news.example.test/{guid}</link></item>" for guid, title in items)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>TV</title>{body}</channel></rss>'.encode()


def _slow_feed(body: bytes, delay: float) -> Callable[[Request], Response]:
    def answer(_request: Request) -> Response:
        time.sleep(delay)
        return Response(200, body, {"Content-Type": "application/rss+xml"})
    return answer


async def _prepare(url: str, feed_urls: list[str], chats: list[str]) -> None:
    async with open_storage(url) as storage:
        await storage.catalog.import_catalog(bundled_catalog())
        await storage.feeds.sync_config_feeds(feed_urls, [0.0] * len(feed_urls))  # all due now
        for chat in chats:
            await storage.audience.subscribe(SubscriptionRecord("telegram", "user", chat, None, Event.all(),
                                                                user_id=chat))


async def _query(url: str, sql: str) -> list[tuple[object, ...]]:
    conn = await asyncpg.connect(url)
    try:
        return [tuple(r) for r in await conn.fetch(sql)]
    finally:
        await conn.close()


def query(url: str, sql: str) -> list[tuple[object, ...]]:
    return asyncio.run(_query(url, sql))


@contextmanager
def world(tmp_path: Path, *, stories: int, quiet_feeds: int, chats: int, feed_delay: float) -> Iterator[World]:
    server = postgres_or_skip()
    with ExitStack() as stack:
        url = stack.enter_context(temporary_schema(server, f"showbot_workers_{uuid.uuid4().hex[:10]}_{os.getpid()}"))
        feeds = stack.enter_context(LocalServer())
        telegram = stack.enter_context(FakeTelegram())
        headlines, feed_urls = [], []
        for n in range(stories + quiet_feeds):
            path = f"/feed{n}.xml"
            if n < stories:
                headline = f"{SHOWS[n % len(SHOWS)]} renewed for season {n + 2}"
                headlines.append(headline)
                body = _rss([(f"story-{n}", headline)])
            else:
                body = _rss([(f"quiet-{n}", f"Weekend box office report number {n}")])
            feeds.routes[path] = _slow_feed(body, feed_delay)
            feed_urls.append(feeds.url(path))
        chat_ids = [str(1000 + n) for n in range(chats)]
        asyncio.run(_prepare(url, feed_urls, chat_ids))
        running = World(url, tmp_path, feeds, telegram, feed_urls, chat_ids, headlines)
        try:
            yield running
        finally:
            running.stop_workers()


def _wait(what: str, probe: Callable[[], bool], w: World, timeout: float = SETTLE_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if probe():
            return
        time.sleep(0.2)
    pytest.fail(f"{what} did not happen within {timeout:g}s\n{w.log_text()}")


def _settled(w: World) -> bool:
    [(polled, pending)] = query(w.url, "SELECT (SELECT COUNT(*) FROM feeds WHERE last_success_at IS NULL), "
                                       "(SELECT COUNT(*) FROM outbox WHERE status != 'sent')")
    return polled == 0 and pending == 0 and len(w.sent()) == len(w.chats) * len(w.headlines)


def _kill_one(w: World, owners_sql: str) -> int:
    """SIGKILL the worker named by the first owner the query finds; returns its pid."""
    [(owner,), *_] = query(w.url, owners_sql)
    pid = int(str(owner).split(":")[1])
    assert pid in [p.pid for p in w.procs], f"{owner} is not one of the workers"
    os.kill(pid, signal.SIGKILL)
    return pid


def _check_everything_delivered(w: World, *, killed: int) -> None:
    counts = w.sent()
    expected = {(chat, headline) for chat in w.chats for headline in w.headlines}
    assert set(counts) == expected, f"missing: {sorted(expected - set(counts))[:10]}"
    repeats = Counter(chat for (chat, _h), n in counts.items() for _ in range(n - 1))
    # the dead worker may have had one message in flight to a chat; nothing else goes twice
    assert all(n <= killed for n in repeats.values()), repeats
    readers = [log.name for log in w.logs if "reads the updates" in log.read_text(errors="replace")]
    assert readers, "no worker read Telegram's updates"


def test_kill_9_of_a_worker_mid_cycle_hands_its_feeds_over(tmp_path: Path) -> None:
    with world(tmp_path, stories=8, quiet_feeds=24, chats=6, feed_delay=1.5) as w:
        w.start_workers()
        _wait("a worker leasing feeds", lambda: bool(query(
            w.url, "SELECT 1 FROM feeds WHERE lease_owner IS NOT NULL AND last_success_at IS NULL")), w)
        killed = _kill_one(w, "SELECT lease_owner FROM feeds WHERE lease_owner IS NOT NULL "
                              "AND last_success_at IS NULL LIMIT 1")
        _wait("every feed polled and every notification delivered", lambda: _settled(w), w)
        _check_everything_delivered(w, killed=1)
        survivors = {str(o) for (o,) in query(w.url, "SELECT DISTINCT lease_owner FROM feeds") if o}
        assert not any(f":{killed}:" in owner for owner in survivors)  # its leases were taken over and ended


def test_kill_9_of_a_worker_mid_delivery_loses_nothing(tmp_path: Path) -> None:
    with world(tmp_path, stories=5, quiet_feeds=0, chats=40, feed_delay=0.0) as w:
        w.start_workers()
        total = len(w.chats) * len(w.headlines)
        _wait("deliveries under way", lambda: len(w.telegram.sent) >= total // 5, w)
        _kill_one(w, "SELECT owner FROM chat_claims c WHERE until > extract(epoch from now()) AND EXISTS "
                     "(SELECT 1 FROM outbox o WHERE o.platform = c.platform AND o.chat_id = c.chat_id "
                     "AND o.status = 'pending') LIMIT 1")
        _wait("every notification delivered", lambda: _settled(w), w)
        _check_everything_delivered(w, killed=1)
        # the platform's global limit held across the workers together (the bot's own pacing: 28/s)
        times = sorted(call.at for call in w.telegram.sent)
        busiest = max(sum(1 for t in times[i:] if t - start < 1.0) for i, start in enumerate(times))
        assert busiest <= 30, f"{busiest} messages in one second"

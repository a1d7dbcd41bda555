"""When many feeds are due at once the poller parses them in worker processes (feedparser is pure
Python); the result must be the same as parsing in threads, and a dead pool must not fail feeds."""

from __future__ import annotations

from concurrent.futures import BrokenExecutor

import pytest

import bot.poller
from bot.poller import Poller
from feeds.fetch import FeedFetcher
from feeds.understand.matcher import Matcher
from storage import open_storage
from tests.support.http_server import LocalServer, Response

FEED = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Desk {n}</title>'
        '<item><title>Slow Horses renewed for season {n}</title><guid>sh-{n}</guid></item>'
        '<item><title>A cookery show you have never heard of</title><guid>x-{n}</guid></item>'
        '</channel></rss>')


async def _poll(server: LocalServer, db_path: str, feeds: int) -> tuple[int, list[str]]:
    async with open_storage(db_path) as storage, FeedFetcher(allow_private=True) as fetcher:
        show = await storage.catalog.upsert_show("Slow Horses")
        for n in range(feeds):
            server.routes[f"/f{n}.xml"] = Response(200, FEED.format(n=n + 2).encode(),
                                                   {"Content-Type": "application/rss+xml"})
            await storage.feeds.add_feed(server.url(f"/f{n}.xml"))
        poller = Poller(storage, fetcher, lambda: Matcher(shows), interval=600.0)
        shows = await storage.catalog.shows()
        try:
            report = await poller.poll(force=True)
            used_processes = poller._parsers is not None
        finally:
            poller.close()
        news = [n.title for n in await storage.items.latest_for_show(show, limit=50, with_events_only=True)]
        assert report.failed == 0
        return int(used_processes), sorted(news)


async def test_feeds_parsed_in_processes_give_what_threads_give(
    server: LocalServer, tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads = await _poll(server, str(tmp_path) + "/threads.db", 3)  # type: ignore[operator]
    monkeypatch.setattr(bot.poller, "PROCESS_POOL_MIN_FEEDS", 2)
    processes = await _poll(server, str(tmp_path) + "/processes.db", 3)  # type: ignore[operator]
    assert threads[0] == 0 and processes[0] == 1
    assert processes[1] == threads[1] == [f"Slow Horses renewed for season {n}" for n in (2, 3, 4)]


async def test_a_dead_parser_pool_falls_back_to_threads(
    server: LocalServer, db_path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = bot.poller.parse_feed_async

    async def dying(body: bytes, headers: object = None, *, executor: object = None) -> object:
        if executor is not None:
            raise BrokenExecutor("a worker was killed")
        return await real(body, headers)  # type: ignore[arg-type]

    monkeypatch.setattr(bot.poller, "PROCESS_POOL_MIN_FEEDS", 2)
    monkeypatch.setattr(bot.poller, "parse_feed_async", dying)
    used, news = await _poll(server, db_path, 2)
    assert used == 0  # the pool was dropped
    assert news == ["Slow Horses renewed for season 2", "Slow Horses renewed for season 3"]

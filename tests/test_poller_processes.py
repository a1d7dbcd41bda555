"""When many feeds are due at once the poller parses them and matches their new items in worker
processes (feedparser and the matcher are pure Python): the result must be the same as in threads,
the workers must match with the current catalog, and a dead pool must not fail feeds."""

from __future__ import annotations

from concurrent.futures import BrokenExecutor

import pytest

import bot.poller
from bot.poller import Poller
from feeds.fetch import FeedFetcher
from feeds.understand.matcher import Matcher
from feeds.workers import FeedWorkers
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
        matcher = Matcher(await storage.catalog.shows())
        poller = Poller(storage, fetcher, lambda: matcher, interval=600.0)
        try:
            report = await poller.poll(force=True)
            used_processes = poller._workers is not None
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
    async def dying(*args: object) -> object:
        raise BrokenExecutor("a worker was killed")

    monkeypatch.setattr(bot.poller, "PROCESS_POOL_MIN_FEEDS", 2)
    monkeypatch.setattr(FeedWorkers, "parse", dying)
    used, news = await _poll(server, db_path, 2)
    assert used == 0  # the pool was dropped
    assert news == ["Slow Horses renewed for season 2", "Slow Horses renewed for season 3"]


async def test_matching_in_processes_follows_the_catalog(
    server: LocalServer, db_path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers match with the matcher the poller is given now: a new catalog starts new workers."""
    monkeypatch.setattr(bot.poller, "PROCESS_POOL_MIN_FEEDS", 1)
    async with open_storage(db_path) as storage, FeedFetcher(allow_private=True) as fetcher:
        current = [Matcher([])]
        poller = Poller(storage, fetcher, lambda: current[0], interval=600.0)
        try:
            await poller._use_processes(1)
            first = poller._workers
            assert first is not None
            items = [("Slow Horses renewed for season 5", ""), ("A cookery show", "")]
            assert [o.matches for o in await poller._match(items)] == [[], []]
            show = await storage.catalog.upsert_show("Slow Horses")
            current[0] = Matcher(await storage.catalog.shows())
            await poller._use_processes(1)
            assert poller._workers is not first and poller._workers is not None
            outcomes = await poller._match(items)
            assert [[m.show_id for m in o.matches] for o in outcomes] == [[show], []]
            assert outcomes[0].matches == current[0].match("Slow Horses renewed for season 5")
        finally:
            poller.close()


async def test_a_headline_the_matcher_fails_on_fails_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    from feeds.workers import match_items

    matcher = Matcher([])

    def choke(title: str, summary: str = "") -> list[object]:
        if "boom" in title:
            raise ValueError("boom")
        return []

    monkeypatch.setattr(matcher, "match", choke)
    outcomes = match_items(matcher, [("fine", ""), ("boom", ""), ("fine too", "")])
    assert [o.error is None for o in outcomes] == [True, False, True]
    assert "ValueError: boom" in (outcomes[1].error or "")

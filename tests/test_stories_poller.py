"""Stories through the real poller: several outlets' feeds served on 127.0.0.1; the same renewal from
three outlets becomes one story listing them, two castings the same day stay two, a date that moves
is an update, and a story survives a restart."""

from __future__ import annotations

import email.utils
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from bot.poller import Poller
from feeds.fetch import FeedFetcher
from feeds.model import Event
from feeds.understand.matcher import Matcher
from feeds.understand.records import Verdict
from storage import open_storage
from storage.ports import Storage
from tests.support.http_server import LocalServer, Response

RSS = "application/rss+xml"
START = 1_800_000_000.0  # 2027-01-15 08:00 UTC
HOUR = 3600.0


def rss(outlet: str, items: list[tuple[str, str, float]]) -> bytes:
    entries = "".join(
        f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>{email.utils.formatdate(at, usegmt=True)}</pubDate></item>"
        for title, link, at in items)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>{outlet}</title>{entries}</channel></rss>'.encode()


@dataclass
class Clock:
    now: float = START

    def __call__(self) -> float:
        return self.now


@dataclass
class World:
    storage: Storage
    server: LocalServer
    poller: Poller
    clock: Clock

    async def publish(self, path: str, outlet: str, items: list[tuple[str, str, float]]) -> None:
        self.server.routes[path] = Response(200, rss(outlet, items), {"Content-Type": RSS})
        url = self.server.url(path)
        if await self.storage.feeds.feed_by_url(url) is None:
            await self.storage.feeds.add_feed(url)


@pytest.fixture
async def world(server: LocalServer, db_path: str) -> AsyncIterator[World]:
    clock = Clock()
    async with open_storage(db_path) as storage, FeedFetcher(allow_private=True) as fetcher:
        await storage.catalog.import_catalog([("Wednesday", []), ("Severance", [])])
        matcher = Matcher(await storage.catalog.shows())
        yield World(storage, server, Poller(storage, fetcher, lambda: matcher, interval=600.0, clock=clock), clock)


async def show_id(storage: Storage, title: str) -> int:
    [show] = await storage.catalog.find_shows(title)
    return show.id


async def test_three_outlets_one_renewal_one_story(world: World) -> None:
    await world.publish("/deadline.xml", "Deadline", [
        ("Netflix Renews ‘Wednesday’ For Season 3", "https://deadline.example/wednesday-s3", START - 2 * HOUR),
        ("Steve Buscemi Joins ‘Wednesday’ Season 2 As New Principal", "https://deadline.example/buscemi",
         START - 3 * HOUR),
    ])
    await world.publish("/variety.xml", "Variety", [
        ("'Wednesday' Renewed for Third Season at Netflix", "https://variety.example/wednesday", START - HOUR),
        ("'Wednesday' Season 2 Casts Joanna Lumley", "https://variety.example/lumley", START - 2.5 * HOUR),
    ])
    await world.publish("/tvline.xml", "TVLine", [
        ("Wednesday season 3 officially confirmed by Netflix", "https://tvline.example/wed", START - 0.5 * HOUR),
    ])
    report = await world.poller.poll(force=True)
    assert (report.new_stories, report.joined, report.updates) == (3, 2, 0), str(report)
    wednesday = await show_id(world.storage, "Wednesday")
    stories = await world.storage.stories.for_show(wednesday)
    renewal = next(s for s in stories if s.events == Event.RENEWAL)
    assert [s.source for s in renewal.outlets()] == ["Deadline", "Variety", "TVLine"]
    assert renewal.seasons == (3,)
    assert renewal.headline in ("Netflix Renews ‘Wednesday’ For Season 3", "'Wednesday' Renewed for Third Season "
                                "at Netflix", "Wednesday season 3 officially confirmed by Netflix")  # whichever came in first
    castings = [s for s in stories if s.events == Event.CASTING]
    assert sorted(len(s.sources) for s in castings) == [1, 1]
    assert {name for s in castings for name in s.facts.names} >= {"buscemi", "lumley"}


async def test_a_moved_date_is_an_update_and_stories_survive_a_restart(world: World, db_path: str) -> None:
    await world.publish("/deadline.xml", "Deadline", [
        ("‘Severance’ Season 2 Premieres January 17 On Apple TV+", "https://deadline.example/sev", START),
    ])
    await world.poller.poll(force=True)
    world.clock.now += 30 * HOUR
    await world.publish("/deadline.xml", "Deadline", [
        ("‘Severance’ Season 2 Premieres January 17 On Apple TV+", "https://deadline.example/sev", START),
        ("Apple TV+ Delays ‘Severance’ Season 2 To February 21", "https://deadline.example/sev-moved",
         START + 30 * HOUR),
    ])
    report = await world.poller.poll(force=True)
    assert (report.new_stories, report.updates, report.joined) == (0, 1, 0), str(report)
    severance = await show_id(world.storage, "Severance")
    moved, first = await world.storage.stories.for_show(severance)
    assert moved.updates == first.id
    assert moved.facts.release is not None and moved.facts.release.start.isoformat() == "2027-02-21"
    assert first.facts.release is not None and first.facts.release.start.isoformat() == "2027-01-17"
    [item_id] = [s.item_id for s in moved.sources]
    assert item_id is not None
    found = await world.storage.stories.for_item(item_id, severance)
    assert found is not None and found[1] is Verdict.UPDATE

    async with open_storage(db_path) as reopened:  # what a restarted bot sees
        again = await reopened.stories.for_show(severance)
        assert [s.id for s in again] == [moved.id, first.id]
        assert again[0].facts == moved.facts and again[0].sources == moved.sources

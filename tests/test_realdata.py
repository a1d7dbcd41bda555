"""Real-world input from the shared folder (never copied into the storage): feedparser's ill-formed
samples and real outlet snapshots served from a local server and polled, and 1,075 real TV
headlines through the matcher with the bundled catalog. Skipped when the folder is absent."""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.feed_health import describe_feed
from bot.poller import Poller
from bot.service import bundled_catalog
from feeds.fetch import FeedFetcher
from feeds.model import CatalogShow, Event
from feeds.parse import parse_feed
from feeds.understand.matcher import Matcher
from feeds.understand.text import fold
from storage import open_storage
from storage.ports import Storage
from storage.records import OutboxEntry, SubscriptionRecord
from tests.conftest import SHARED
from tests.support.http_server import LocalServer, Response

REALDATA = SHARED / "realdata"
SAMPLES = sorted((REALDATA / "feedparser_samples").glob("*.xml"))
OUTLETS = sorted((REALDATA / "feeds").glob("*.xml"))
HEADLINES = REALDATA / "tv_headlines_2022.jsonl"

pytestmark = pytest.mark.skipif(not REALDATA.is_dir(), reason=f"{REALDATA} is not here")

# TV shows that are in the outlets' snapshots but not in the bundled catalog (real news about them
# must be found), and names of films, tours and stage shows the README calls look-alikes (their
# stories are not TV news about a show and must not be notified even when the name is in the catalog).
EXTRA_SHOWS = [("Criminal Minds: Evolution", ["Criminal Minds"]), ("Reasonable Doubt", [])]
LOOK_ALIKES = [("White Lies", []), ("The Housemaid", []), ("It's Not That Deep", [])]


async def _serve(storage: Storage, server: LocalServer, files: list[Path], *, content_type: str) -> None:
    for file in files:
        path = f"/{file.parent.name}/{file.name}"
        server.routes[path] = Response(200, file.read_bytes(), {"Content-Type": content_type})
        await storage.feeds.add_feed(server.url(path))


@pytest.fixture
async def storage(db_path: str) -> AsyncIterator[Storage]:
    async with open_storage(db_path) as storage:
        await storage.audience.subscribe(SubscriptionRecord("console", "user", "local", None, Event.all()))
        yield storage


async def _queued(storage: Storage) -> list[OutboxEntry]:
    return await storage.outbox.pending_outbox(now=time.time() + 60, platforms=["console"], limit=10_000)


# -- feedparser's ill-formed samples -------------------------------------------------------
@pytest.mark.parametrize("sample", SAMPLES, ids=[s.stem for s in SAMPLES])
def test_each_illformed_sample_parses_without_an_exception(sample: Path) -> None:
    body = sample.read_bytes()
    parsed = parse_feed(body, {"content-type": "application/xml"})
    assert all(item.title and len(item.title) <= 500 for item in parsed.items)
    expect = re.search(rb"Expect:\s*(.*)", body)
    if expect and expect.group(1).startswith(b"bozo"):  # the sample's own verdict: ill-formed
        assert parsed.problem, "an ill-formed document was not reported"
    if expect and expect.group(1).startswith(b"not bozo"):
        assert parsed.problem is None


async def test_the_illformed_samples_poll_without_crashing(storage: Storage, server: LocalServer) -> None:
    assert len(SAMPLES) >= 10
    good = b'<rss version="2.0"><channel><title>ok</title><item><title>x</title><guid>ok-1</guid></item></channel></rss>'
    server.routes["/good.xml"] = Response(200, good, {"Content-Type": "application/rss+xml"})
    await storage.feeds.add_feed(server.url("/good.xml"))
    await _serve(storage, server, SAMPLES, content_type="application/xml")
    async with FeedFetcher(allow_private=True) as fetcher:
        report = await Poller(storage, fetcher, lambda: Matcher([]), interval=600.0).poll(force=True)
    assert report.feeds == len(SAMPLES) + 1
    assert report.fetched + report.failed == report.feeds
    feeds = await storage.feeds.all()
    for feed in feeds:
        # each one either polled fine or says why not, in words a moderator can read
        assert feed.last_polled_at is not None, feed.url
        assert (feed.failures == 0) == (feed.last_error is None), describe_feed(feed)
        assert feed.failures in (0, 1)
    good_feed = await storage.feeds.feed_by_url(server.url("/good.xml"))
    assert good_feed is not None and good_feed.failures == 0
    empty = await storage.feeds.feed_by_url(server.url("/feedparser_samples/rss_empty_document.xml"))
    assert empty is not None and empty.failures == 1 and "not an RSS/Atom feed" in (empty.last_error or "")


# -- real outlets --------------------------------------------------------------------------
async def test_the_outlet_snapshots_poll_and_find_real_tv_news_but_not_look_alikes(
    storage: Storage, server: LocalServer
) -> None:
    assert len(OUTLETS) >= 10
    await storage.catalog.import_catalog(bundled_catalog() + EXTRA_SHOWS + LOOK_ALIKES)
    matcher = Matcher(await storage.catalog.shows())
    await _serve(storage, server, OUTLETS, content_type="application/rss+xml; charset=utf-8")
    async with FeedFetcher(allow_private=True) as fetcher:
        poller = Poller(storage, fetcher, lambda: matcher, interval=600.0)
        report = await poller.poll(force=True)
        again = await poller.poll(force=True)
    assert report.failed == 0, report.errors
    assert report.fetched == len(OUTLETS) and report.new_items >= 80
    assert again.new_items == 0 and again.notifications == 0  # the same snapshots: nothing new, nothing resent

    queued = await _queued(storage)
    by_title = {row.title: row for row in queued}
    assert len(by_title) == len(queued)  # one row per story for the one subscriber
    found = {(row.show, ev) for row in queued for ev in row.events.slugs()}
    assert ("The White Lotus", "casting") in found
    assert ("Criminal Minds: Evolution", "renewal") in found
    assert ("Reasonable Doubt", "casting") in found
    notified_shows = {row.show for row in queued}
    for look_alike, _aliases in LOOK_ALIKES:
        assert look_alike not in notified_shows, [r.title for r in queued if r.show == look_alike]
    assert not any("Demi Lovato" in row.title or "Tour Dates" in row.title for row in queued)
    # most of what entertainment outlets publish is not news about a catalog show
    assert len(queued) < report.new_items / 4


@pytest.mark.parametrize("outlet", OUTLETS, ids=[o.stem for o in OUTLETS])
def test_the_outlets_quirks_are_cleaned(outlet: Path) -> None:
    parsed = parse_feed(outlet.read_bytes(), {"content-type": "application/rss+xml"})
    assert parsed.problem is None and parsed.items
    for item in parsed.items:
        # "&amp;amp;amp;" comes out as "&"; no markup, no "The post … appeared first on" boilerplate
        assert "&amp;" not in item.title and "<" not in item.title and "\n" not in item.title
        assert "appeared first on" not in item.summary and "<" not in item.summary
        assert item.link is None or (item.link.startswith("https://") and " " not in item.link)
        assert item.guid or item.link


def test_a_film_casting_story_is_not_casting_news_for_a_show_of_the_same_name() -> None:
    matcher = Matcher([CatalogShow(1, "Deep Cuts")])
    headline = "Odessa A’zion Exits A24’s ‘Deep Cuts’ Movie Adaptation After Casting Backlash: “I Hadn’t Read The Book”"
    assert not any(m.events for m in matcher.match(headline))


# -- real headlines through the matcher ----------------------------------------------------
def test_the_matcher_survives_real_headlines_and_flags_a_small_share() -> None:
    shows = [CatalogShow(n, title, tuple(aliases)) for n, (title, aliases) in enumerate(bundled_catalog(), 1)]
    matcher = Matcher(shows)
    lines = HEADLINES.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1075
    mentioned = flagged = 0
    for line in lines:
        record = json.loads(line)
        matches = matcher.match(record["title"], "")
        assert matches == matcher.match(record["title"], "")  # pure: the same answer twice
        for match in matches:
            assert match.show in {s.title for s in shows}
            assert len(match.seasons) <= 5 and all(0 < s < 100 for s in match.seasons)
            names = [match.show, *next(s.aliases for s in shows if s.title == match.show)]
            names += [name.split(" ", 1)[1] for name in names if name.lower().startswith("the ") and " " in name]
            assert any(fold(name).split()[0] in fold(record["title"]) for name in names), record["id"]
        mentioned += bool(matches)
        flagged += any(m.events for m in matches)
    # r/television is mostly reviews, interviews and gossip: some shows are mentioned, fewer have news
    assert 0.05 * len(lines) < mentioned < 0.40 * len(lines)
    assert 0.01 * len(lines) < flagged < 0.10 * len(lines)
    assert flagged < mentioned

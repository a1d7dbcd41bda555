"""Hostile and broken feeds, through the real FeedFetcher and Poller against a local HTTP server.

Every test polls the bad feed *together with* a good one: the poll must return, the bad feed's
error must be recorded and backed off, and the good feed's story must still be queued."""

from __future__ import annotations

import itertools
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest

from bot.feed_health import describe_feed
from bot.poller import MAX_BACKOFF, PERMANENT_BACKOFF_BASE, Poller, PollReport, failure_delay
from feeds.fetch import FeedFetcher, FetchLimits
from feeds.model import Event, FeedRecord
from feeds.understand.matcher import Matcher
from storage import open_storage
from storage.ports import Storage
from storage.records import SubscriptionRecord
from tests.support.fakes import FakeClock
from tests.support.http_server import LocalServer, Response

INTERVAL = 600.0
CATALOG = [("Severance", []), ("Élite", ["Elite"]), ("Slow Horses", [])]
RSS_TYPE = {"Content-Type": "application/rss+xml"}
GOOD_HEADLINE = "Severance renewed for season 3 at Apple TV+"


def rss(*entries: str, title: str = "Test feed", declaration: str = '<?xml version="1.0" encoding="utf-8"?>') -> str:
    return f'{declaration}<rss version="2.0"><channel><title>{title}</title>{"".join(entries)}</channel></rss>'


def item(title: str, *, guid: str | None = None, link: str | None = None, description: str = "") -> str:
    parts = [f"<title>{title}</title>"]
    if guid is not None:
        parts.append(f'<guid isPermaLink="false">{guid}</guid>')
    if link is not None:
        parts.append(f"<link>{link}</link>")
    if description:
        parts.append(f"<description>{description}</description>")
    return "<item>" + "".join(parts) + "</item>"


GOOD_FEED = rss(item(GOOD_HEADLINE, guid="good-1", link="https://example.org/severance-s3")).encode()


@dataclass
class Harness:
    storage: Storage
    server: LocalServer
    clock: FakeClock
    fetcher: FeedFetcher
    poller: Poller

    async def add(self, path: str, route: Response) -> str:
        self.server.routes[path] = route
        url = self.server.url(path)
        await self.storage.feeds.add_feed(url)
        return url

    async def feed(self, path: str) -> FeedRecord:
        record = await self.storage.feeds.feed_by_url(self.server.url(path))
        assert record is not None
        return record

    async def poll_with_good_feed(self) -> PollReport:
        """Poll everything registered plus a good feed; check the good story got through."""
        await self.add("/good.xml", Response(200, GOOD_FEED, RSS_TYPE))
        started = time.monotonic()
        report = await self.poller.poll(force=True)
        assert time.monotonic() - started < 5.0, "a hostile feed held the poll up"
        good = await self.feed("/good.xml")
        assert good.failures == 0 and good.last_error is None, describe_feed(good)
        assert self.server.url("/good.xml") not in report.errors
        pending = await self.storage.outbox.pending_outbox(now=self.clock.now, platforms=["console"])
        assert GOOD_HEADLINE in [row.title for row in pending], "the good feed's story was lost"
        return report


@pytest.fixture
async def harness(server: LocalServer, db_path: str) -> AsyncIterator[Harness]:
    clock = FakeClock()
    async with open_storage(db_path) as storage, FeedFetcher(
        limits=FetchLimits(total_timeout=1.0, connect_timeout=1.0), allow_private=True
    ) as fetcher:
        await storage.catalog.import_catalog(CATALOG)
        await storage.audience.subscribe(SubscriptionRecord("console", "user", "local", None, Event.all()))
        matcher = Matcher(await storage.catalog.shows())
        poller = Poller(storage, fetcher, lambda: matcher, interval=INTERVAL, clock=clock)
        yield Harness(storage, server, clock, fetcher, poller)


async def stored_texts(storage: Storage) -> list[str]:
    texts: list[str] = []
    for show in await storage.catalog.shows():
        for news in await storage.items.latest_for_show(show.id, limit=100):
            texts.append(news.title)
    return texts


# -- XML attacks ---------------------------------------------------------------------------
BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><title>Slow Horses renewed for season 6 &lol9;</title><guid>laughs-1</guid><description>&lol9;</description></item>
</channel></rss>"""


async def test_billion_laughs_is_parsed_without_blowing_up(harness: Harness) -> None:
    await harness.add("/laughs.xml", Response(200, BILLION_LAUGHS.encode(), RSS_TYPE))
    started = time.monotonic()
    await harness.poll_with_good_feed()
    assert time.monotonic() - started < 3.0
    feed = await harness.feed("/laughs.xml")
    assert feed.title is None or len(feed.title) < 1000
    texts = await stored_texts(harness.storage)
    assert all(len(text) < 10_000 for text in texts), "an entity was expanded"
    assert not any("lollollol" in text for text in texts)


async def test_external_entities_are_never_fetched_or_read(harness: Harness) -> None:
    secret_url = harness.server.url("/secret")
    body = f"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY file SYSTEM "file:///etc/passwd">
 <!ENTITY web SYSTEM "{secret_url}">
]>
<rss version="2.0"><channel><title>XXE</title>
<item><title>Slow Horses renewed for season 6 &file; &web;</title><guid>xxe-1</guid></item>
</channel></rss>"""
    harness.server.routes["/secret"] = Response(200, b"TOP-SECRET")
    await harness.add("/xxe.xml", Response(200, body.encode(), RSS_TYPE))
    await harness.poll_with_good_feed()
    assert "/secret" not in [r.path for r in harness.server.requests]
    texts = await stored_texts(harness.storage)
    assert not any("root:" in t or "TOP-SECRET" in t for t in texts)


# -- size, time and redirect limits --------------------------------------------------------
FIFTY_MB = 50 * 1024 * 1024
MB = 1024 * 1024


@dataclass
class Streamed:
    sent: int = 0

    def __call__(self) -> Iterator[bytes]:
        chunk = b"<!-- " + b"x" * (MB - 9) + b" -->"
        yield b'<?xml version="1.0"?><rss version="2.0"><channel><title>huge</title>'
        for _ in range(FIFTY_MB // MB):
            self.sent += len(chunk)
            yield chunk


@pytest.mark.parametrize("declare_length", [True, False], ids=["content-length", "chunked"])
async def test_a_50_mb_body_is_capped_and_refused(harness: Harness, declare_length: bool) -> None:
    body = Streamed()
    headers = dict(RSS_TYPE)
    if declare_length:
        headers["Content-Length"] = str(FIFTY_MB + 100)
    await harness.add("/huge.xml", Response(200, headers=headers, stream=body))
    report = await harness.poll_with_good_feed()
    feed = await harness.feed("/huge.xml")
    assert feed.failures == 1
    assert "larger than" in (feed.last_error or "") and str(FetchLimits().max_bytes) in (feed.last_error or "")
    assert report.errors[harness.server.url("/huge.xml")] == feed.last_error
    assert body.sent < FIFTY_MB, "the fetcher read (or waited for) the whole body"


async def test_a_body_just_under_the_cap_is_accepted(server: LocalServer) -> None:
    padding = "<!-- " + "x" * 2000 + " -->"
    body = rss(padding, item(GOOD_HEADLINE, guid="g")).encode()
    server.routes["/feed.xml"] = Response(200, body, RSS_TYPE)
    async with FeedFetcher(limits=FetchLimits(max_bytes=len(body)), allow_private=True) as fetcher:
        exact = await fetcher.fetch(server.url("/feed.xml"))
    async with FeedFetcher(limits=FetchLimits(max_bytes=len(body) - 1), allow_private=True) as fetcher:
        over = await fetcher.fetch(server.url("/feed.xml"))
    assert exact.ok and exact.body == body
    assert not over.ok and "larger than" in (over.error or "")


async def test_a_server_that_drips_is_cut_off_at_the_total_timeout(harness: Harness) -> None:
    # 400 bytes at 20 ms each would take 8 s; the total timeout is 1 s
    slow = rss(item("Slow Horses renewed for season 6", guid="drip-1")).encode().ljust(400)
    await harness.add("/drip.xml", Response(200, slow, RSS_TYPE, drip_delay=0.02))
    started = time.monotonic()
    await harness.poll_with_good_feed()
    assert time.monotonic() - started < 2.5
    feed = await harness.feed("/drip.xml")
    assert feed.failures == 1 and "timed out" in (feed.last_error or "")


async def test_a_redirect_loop_stops(harness: Harness) -> None:
    harness.server.routes["/b.xml"] = Response(302, headers={"Location": "/a.xml"})
    await harness.add("/a.xml", Response(302, headers={"Location": harness.server.url("/b.xml")}))
    await harness.poll_with_good_feed()
    feed = await harness.feed("/a.xml")
    assert feed.failures == 1 and "redirects" in (feed.last_error or "")
    hops = [r.path for r in harness.server.requests if r.path in ("/a.xml", "/b.xml")]
    assert len(hops) == harness.fetcher.limits.max_redirects + 1


async def test_a_redirect_to_a_feed_is_followed(harness: Harness) -> None:
    harness.server.routes["/moved.xml"] = Response(
        200, rss(item("Slow Horses renewed for season 6", guid="moved-1")).encode(), RSS_TYPE)
    await harness.add("/old.xml", Response(301, headers={"Location": "/moved.xml"}))
    await harness.poll_with_good_feed()
    feed = await harness.feed("/old.xml")
    assert feed.failures == 0
    assert "Slow Horses renewed for season 6" in await stored_texts(harness.storage)


# -- not a feed, odd encodings, empty ------------------------------------------------------
HTML_PAGE = b"<!DOCTYPE html><html><head><title>Welcome to nginx!</title></head><body><h1>It works</h1></body></html>"


@pytest.mark.parametrize("content_type", ["text/html; charset=utf-8", "application/xml", None])
async def test_an_html_page_is_reported_as_not_a_feed(harness: Harness, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    await harness.add("/page.html", Response(200, HTML_PAGE, headers))
    await harness.poll_with_good_feed()
    feed = await harness.feed("/page.html")
    assert feed.failures == 1
    assert "not an RSS/Atom feed" in (feed.last_error or "")
    assert "not an RSS/Atom feed" in describe_feed(feed, now=harness.clock.now)


LATIN1_TITLE = "Élite renewed for season 9 — café crème"


@pytest.mark.parametrize(
    ("declaration", "content_type"),
    [
        ('<?xml version="1.0" encoding="utf-8"?>', "application/rss+xml"),
        ('<?xml version="1.0" encoding="utf-8"?>', "text/xml; charset=utf-8"),
        ("", "application/rss+xml"),
        ("", None),
    ],
    ids=["declared-utf8", "header-utf8", "undeclared", "no-headers"],
)
async def test_latin1_bytes_with_a_wrong_or_missing_charset_still_yield_items(
    harness: Harness, declaration: str, content_type: str | None
) -> None:
    body = rss(item(LATIN1_TITLE, guid="latin-1"), declaration=declaration).encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    headers = {"Content-Type": content_type} if content_type else {}
    await harness.add("/latin1.xml", Response(200, body, headers))
    report = await harness.poll_with_good_feed()
    feed = await harness.feed("/latin1.xml")
    assert feed.failures == 0, feed.last_error
    assert report.new_items == 2
    titles = await stored_texts(harness.storage)
    assert LATIN1_TITLE in titles  # decoded as windows-1252, not mangled
    pending = await harness.storage.outbox.pending_outbox(now=harness.clock.now, platforms=["console"])
    assert [row.show for row in pending if row.title == LATIN1_TITLE] == ["Élite"]


async def test_an_empty_body_is_an_error(harness: Harness) -> None:
    await harness.add("/empty.xml", Response(200, b"", RSS_TYPE))
    await harness.add("/blank.xml", Response(200, b"  \n\t ", RSS_TYPE))
    report = await harness.poll_with_good_feed()
    for path in ("/empty.xml", "/blank.xml"):
        feed = await harness.feed(path)
        assert feed.failures == 1 and "empty" in (feed.last_error or ""), path
    assert report.failed == 2


async def test_a_channel_with_no_items_is_not_a_failure(harness: Harness) -> None:
    await harness.add("/quiet.xml", Response(200, rss(title="Quiet news").encode(), RSS_TYPE))
    await harness.poll_with_good_feed()
    feed = await harness.feed("/quiet.xml")
    assert feed.failures == 0 and feed.title == "Quiet news"


# -- HTTP errors and backoff ---------------------------------------------------------------
@pytest.mark.parametrize(("status", "permanent"), [(404, True), (410, True), (500, False), (503, False)])
async def test_http_errors_are_recorded_and_backed_off(harness: Harness, status: int, permanent: bool) -> None:
    await harness.add("/err.xml", Response(status, b"nope"))
    report = await harness.poll_with_good_feed()
    feed = await harness.feed("/err.xml")
    assert feed.failures == 1
    assert (feed.last_error or "").startswith(f"HTTP {status}")
    assert report.errors[feed.url] == feed.last_error
    delay = feed.next_poll_at - harness.clock.now
    base = PERMANENT_BACKOFF_BASE if permanent else INTERVAL
    assert 0.9 * base <= delay <= 1.1 * base


async def test_a_gone_feed_backs_off_longer_than_a_broken_server(harness: Harness) -> None:
    await harness.add("/gone.xml", Response(410, b"gone"))
    await harness.add("/broken.xml", Response(500, b"oops"))
    await harness.poll_with_good_feed()
    gone = await harness.feed("/gone.xml")
    broken = await harness.feed("/broken.xml")
    assert gone.next_poll_at - harness.clock.now > 2 * (broken.next_poll_at - harness.clock.now)


async def test_a_failing_feed_backs_off_exponentially_then_recovers(harness: Harness) -> None:
    url = await harness.add("/flaky.xml", Response(500, b"down"))
    delays: list[float] = []
    for _ in range(5):
        await harness.poller.poll(force=True)
        feed = await harness.feed("/flaky.xml")
        delays.append(feed.next_poll_at - harness.clock.now)
        harness.clock.now = feed.next_poll_at
    assert feed.failures == 5
    for failures, delay in enumerate(delays):
        assert 0.9 * INTERVAL * 2**failures <= delay <= 1.1 * INTERVAL * 2**failures, delays
    shown = describe_feed(feed, now=harness.clock.now)
    assert "FAILING x5" in shown and "last error: HTTP 500" in shown

    # due feeds only: a backed-off feed is not polled before its time
    harness.clock.now = feed.next_poll_at - 1
    assert (await harness.poller.poll()).feeds == 0

    harness.server.routes["/flaky.xml"] = Response(
        200, rss(item("Slow Horses renewed for season 6", guid="flaky-1")).encode(), RSS_TYPE)
    harness.clock.now = feed.next_poll_at
    report = await harness.poller.poll()
    assert url not in report.errors and report.new_items == 1
    feed = await harness.feed("/flaky.xml")
    assert feed.failures == 0 and feed.last_error is None
    assert "[OK]" in describe_feed(feed, now=harness.clock.now)
    assert feed.next_poll_at - harness.clock.now <= 1.05 * INTERVAL


def test_failure_delay_grows_and_is_capped() -> None:
    plain = [failure_delay(INTERVAL, n, permanent=False) for n in range(6)]  # 600 s .. 5.3 h
    assert all(b > a for a, b in itertools.pairwise(plain))
    assert failure_delay(INTERVAL, 40, permanent=False) <= MAX_BACKOFF * 1.1
    assert failure_delay(INTERVAL, 40, permanent=True) <= MAX_BACKOFF * 1.1
    assert failure_delay(INTERVAL, 0, permanent=True) >= 0.9 * PERMANENT_BACKOFF_BASE


async def test_one_good_feed_keeps_working_among_many_bad_ones(harness: Harness) -> None:
    bad = {
        "/404.xml": Response(404, b""),
        "/410.xml": Response(410, b""),
        "/500.xml": Response(500, b""),
        "/html.xml": Response(200, HTML_PAGE, {"Content-Type": "text/html"}),
        "/empty.xml": Response(200, b""),
        "/garbage.xml": Response(200, b"\x00\xff\xfe garbage <<<>>> \x01", RSS_TYPE),
        "/drip.xml": Response(200, b"<rss>" + b" " * 200, RSS_TYPE, drip_delay=0.02),
        "/loop.xml": Response(302, headers={"Location": "/loop.xml"}),
        "/huge.xml": Response(200, headers=RSS_TYPE, stream=Streamed()),
        "/laughs.xml": Response(200, BILLION_LAUGHS.encode(), RSS_TYPE),
    }
    for path, response in bad.items():
        await harness.add(path, response)
    report = await harness.poll_with_good_feed()
    assert report.feeds == len(bad) + 1
    failing = {f.url for f in await harness.storage.feeds.all() if f.failures}
    # the billion-laughs doc parses (safely) to an item: it is the only "bad" feed that isn't failing
    assert failing == {harness.server.url(p) for p in bad if p != "/laughs.xml"}
    assert set(report.errors) == failing
    for feed in await harness.storage.feeds.all():
        if feed.failures:
            assert feed.last_error and feed.next_poll_at > harness.clock.now


# -- dedup ---------------------------------------------------------------------------------
async def test_duplicate_guids_within_a_feed_are_stored_once(harness: Harness) -> None:
    body = rss(
        item("Slow Horses renewed for season 6", guid="same"),
        item("Slow Horses renewed for season 6 (updated)", guid="same"),
        item("Élite renewed for season 9", guid="other"),
    ).encode()
    await harness.add("/dups.xml", Response(200, body, RSS_TYPE))
    report = await harness.poll_with_good_feed()
    assert report.new_items == 3  # two from /dups.xml, one from the good feed
    assert (await harness.storage.stats()).items == 3
    slow_horses = [t for t in await stored_texts(harness.storage) if t.startswith("Slow Horses")]
    assert len(slow_horses) == 1
    again = await harness.poller.poll(force=True)
    assert again.new_items == 0 and again.notifications == 0


async def test_items_without_guid_or_link_dedup_by_title(harness: Harness) -> None:
    body = rss(
        item("Slow Horses renewed for season 6"),
        item("slow horses   RENEWED for season 6"),
        item("Élite renewed for season 9"),
        item("Severance season 2 gets a premiere date", link="https://example.org/a"),
        item("Severance season 2 gets a premiere date (corrected)", link="https://example.org/a"),
    ).encode()
    await harness.add("/noguid.xml", Response(200, body, RSS_TYPE))
    report = await harness.poll_with_good_feed()
    assert report.new_items == 4  # 3 from /noguid.xml (title, title, link), 1 good
    assert (await harness.storage.stats()).items == 4
    again = await harness.poller.poll(force=True)
    assert again.new_items == 0
    outbox = await harness.storage.outbox.outbox_counts()
    assert outbox.get("pending") == report.notifications


# -- bugs while storing --------------------------------------------------------------------
async def test_a_storage_error_backs_the_feed_off_and_loses_nothing(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = rss(item("Slow Horses renewed for season 6", guid="sh-6")).encode()
    url = await harness.add("/feed.xml", Response(200, body, RSS_TYPE))
    real_enqueue = harness.storage.outbox.enqueue_matches

    async def broken(*_args: object) -> int:
        raise RuntimeError("disk I/O error")

    monkeypatch.setattr(harness.storage.outbox, "enqueue_matches", broken)
    report = await harness.poller.poll(force=True)
    assert report.errors[url] == "RuntimeError: disk I/O error"
    feed = await harness.feed("/feed.xml")
    assert feed.failures == 1 and feed.last_error == "RuntimeError: disk I/O error"
    assert feed.next_poll_at >= harness.clock.now + 0.9 * INTERVAL  # backed off, not retried in a loop
    assert (await harness.storage.stats()).items == 0  # rolled back: not marked seen without its notification

    monkeypatch.setattr(harness.storage.outbox, "enqueue_matches", real_enqueue)
    harness.clock.now = feed.next_poll_at
    report = await harness.poller.poll()
    assert report.new_items == 1 and report.notifications == 1
    assert (await harness.feed("/feed.xml")).failures == 0


async def test_a_full_disk_backs_the_feed_off_in_one_line_not_a_traceback_storm(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """With the disk full, neither the fan-out nor the record of the failure can be written: the
    feed must still back off (held in memory) instead of being fetched again every poll, and each
    failure is one log line."""
    body = rss(item("Slow Horses renewed for season 6", guid="sh-6")).encode()
    await harness.add("/feed.xml", Response(200, body, RSS_TYPE))

    async def disk_full(*_args: object, **_kwargs: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    aggregates = {"store_new_items": harness.storage.items, "record_feed_failure": harness.storage.feeds}
    real = {name: getattr(aggregate, name) for name, aggregate in aggregates.items()}
    for name, aggregate in aggregates.items():
        monkeypatch.setattr(aggregate, name, disk_full)
    caplog.set_level(logging.INFO)
    for _ in range(30):  # the poll loop comes back every second or so
        await harness.poller.poll()
        harness.clock.now += 1.0
    fetches = [r for r in harness.server.requests if r.path == "/feed.xml"]
    assert len(fetches) == 1, f"fetched {len(fetches)} times in 30 s"
    assert not [r for r in caplog.records if r.exc_info], "no traceback for a full disk"
    complaints = [r for r in caplog.records if "disk is full" in r.getMessage()]
    assert len(complaints) == 1 and complaints[0].levelno == logging.WARNING
    assert (await harness.storage.stats()).items == 0  # nothing half-stored

    for name, method in real.items():  # space again: after the backoff the story goes out
        monkeypatch.setattr(aggregates[name], name, method)
    harness.clock.now += MAX_BACKOFF
    report = await harness.poller.poll()
    assert report.new_items == 1 and report.notifications == 1


async def test_a_headline_the_matcher_chokes_on_does_not_hold_up_the_others(harness: Harness) -> None:
    real = Matcher(await harness.storage.catalog.shows())

    class ChokingMatcher:
        def match(self, title: str, summary: str = "") -> list:
            if "CHOKE" in title:
                raise ValueError("matcher bug")
            return real.match(title, summary)

    choking = ChokingMatcher()
    harness.poller = Poller(harness.storage, harness.fetcher, lambda: choking, interval=INTERVAL,  # type: ignore[arg-type, return-value]
                            clock=harness.clock)
    body = rss(item("CHOKE Slow Horses renewed for season 6", guid="c-1"),
               item("Élite renewed for season 9", guid="c-2")).encode()
    await harness.add("/feed.xml", Response(200, body, RSS_TYPE))
    report = await harness.poll_with_good_feed()
    assert report.failed == 0 and report.new_items == 3
    pending = await harness.storage.outbox.pending_outbox(now=harness.clock.now, platforms=["console"])
    assert {row.title for row in pending} == {"Élite renewed for season 9", GOOD_HEADLINE}

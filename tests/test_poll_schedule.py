"""Adaptive polling: busy feeds more often (never under the polite minimum), quiet ones less, the
server's Cache-Control / Expires / Retry-After honoured, pushed feeds polled slowly."""

from __future__ import annotations

import random

import pytest

from bot.config import load_settings
from bot.poll_schedule import FRESHNESS_CAP, POLITE_MINIMUM, PollSchedule, previous_interval
from bot.service import ShowBot
from feeds.fetch import FeedFetcher, FetchStatus
from feeds.http_cache import fresh_for, retry_after
from tests.support.http_server import LocalServer, Response

NOW = 1_800_000_000.0
BASE = 600.0
SCHEDULE = PollSchedule(BASE)


def _exact(**kwargs: object) -> float:
    """after_success without jitter noise: the midpoint of the ±5% band."""
    values = [SCHEDULE.after_success(now=NOW, rng=random.Random(seed), **kwargs) for seed in range(40)]  # type: ignore[arg-type]
    assert max(values) / min(values) <= 1.05 / 0.95 + 1e-9
    return (max(values) + min(values)) / 2


def _every(seconds: float, count: int = 20) -> list[float | None]:
    return [NOW - i * seconds for i in range(count)]


def test_a_busy_feed_is_polled_more_often_but_never_under_the_polite_minimum() -> None:
    busy = _exact(published=_every(900), headers={}, previous=None, pushed=False)  # a story every 15 min
    assert busy == pytest.approx(19 * 900 / 20 / 2, rel=0.06) and busy < BASE
    frantic = _exact(published=_every(10), headers={}, previous=None, pushed=False)
    assert frantic == pytest.approx(POLITE_MINIMUM, rel=0.06)


def test_a_quiet_feed_is_polled_less_often_up_to_a_ceiling() -> None:
    weekly = _exact(published=_every(7 * 86400, 10), headers={}, previous=None, pushed=False)
    assert weekly == pytest.approx(SCHEDULE.slowest, rel=0.06) and weekly > BASE
    went_quiet = _exact(published=[NOW - 2 * 86400 - i * 60 for i in range(20)], headers={}, previous=None, pushed=False)
    assert went_quiet > BASE  # twenty stories two days ago, nothing since: no longer busy


def test_undated_feeds_and_304s_keep_what_they_had() -> None:
    assert _exact(published=[None, None], headers={}, previous=None, pushed=False) == pytest.approx(BASE, rel=0.06)
    assert _exact(published=[], headers={}, previous=200.0, pushed=False) == pytest.approx(200.0, rel=0.06)
    future = [NOW + 86400 * i for i in range(1, 10)]  # dates in the future are not evidence
    assert _exact(published=future, headers={}, previous=None, pushed=False) == pytest.approx(BASE, rel=0.06)


def test_cache_control_and_expires_are_honoured_up_to_a_cap() -> None:
    busy = _every(60)
    assert _exact(published=busy, headers={"Cache-Control": "public, max-age=1800"}, previous=None,
                  pushed=False) == pytest.approx(1800, rel=0.06)
    assert _exact(published=busy, headers={"cache-control": "max-age=1800", "age": "600"}, previous=None,
                  pushed=False) == pytest.approx(1200, rel=0.06)
    assert _exact(published=busy, headers={"Cache-Control": "max-age=604800"}, previous=None,
                  pushed=False) == pytest.approx(FRESHNESS_CAP, rel=0.06)
    assert _exact(published=busy, headers={"Expires": "Thu, 15 Jan 2027 08:30:00 GMT",
                                           "Date": "Thu, 15 Jan 2027 08:00:00 GMT"},
                  previous=None, pushed=False) == pytest.approx(1800, rel=0.06)
    # a short max-age never makes us poll faster than the rate says
    assert _exact(published=_every(86400, 5), headers={"Cache-Control": "max-age=60"}, previous=None,
                  pushed=False) == pytest.approx(SCHEDULE.slowest, rel=0.06)


def test_pushed_feeds_are_polled_slowly_as_a_fallback() -> None:
    assert _exact(published=_every(60), headers={}, previous=None, pushed=True) == pytest.approx(SCHEDULE.slowest,
                                                                                               rel=0.06)


def test_retry_after_stretches_a_failure_backoff() -> None:
    assert SCHEDULE.after_failure(300.0, headers={"Retry-After": "3600"}, now=NOW) == 3600.0
    assert SCHEDULE.after_failure(300.0, headers={"Retry-After": "10"}, now=NOW) == 300.0
    assert SCHEDULE.after_failure(300.0, headers={"Retry-After": "soon"}, now=NOW) == 300.0
    assert SCHEDULE.after_failure(300.0, headers={"Retry-After": "99999999"}, now=NOW) == 86400.0


def test_a_configured_fast_interval_is_respected() -> None:
    fast = PollSchedule(60.0)
    assert fast.fastest == 60.0 and fast.clamp(1.0) == 60.0


def test_previous_interval_from_the_stored_schedule() -> None:
    assert previous_interval(NOW, NOW + 300, 0) == 300
    assert previous_interval(NOW, NOW + 300, 2) is None  # a failing feed's next poll is a backoff
    assert previous_interval(None, NOW, 0) is None


# -- the header readers ----------------------------------------------------------------------------
@pytest.mark.parametrize(("headers", "expected"), [
    ({}, None),
    ({"Cache-Control": "max-age=300"}, 300.0),
    ({"Cache-Control": 'private, max-age="120", must-revalidate'}, 120.0),
    ({"Cache-Control": "s-maxage=900"}, None),  # a shared cache's directive, not ours
    ({"Cache-Control": "no-cache"}, 0.0),
    ({"Cache-Control": "no-store, max-age=300"}, 0.0),
    ({"Expires": "0"}, 0.0),
    ({"Expires": "Thu, 01 Jan 1970 00:00:00 GMT"}, 0.0),
    ({"Cache-Control": "max-age=60", "Expires": "Thu, 15 Jan 2099 08:30:00 GMT"}, 60.0),  # max-age wins
])
def test_fresh_for(headers: dict[str, str], expected: float | None) -> None:
    assert fresh_for(headers, now=NOW) == expected


def test_retry_after_forms() -> None:
    assert retry_after({"Retry-After": "120"}, now=NOW) == 120.0
    assert retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, now=1445412420.0) == 60.0
    assert retry_after({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, now=NOW) == 0.0
    assert retry_after({"Retry-After": "-1"}, now=NOW) is None
    assert retry_after({}, now=NOW) is None


# -- the fetcher hands these headers on ----------------------------------------------------------
async def test_fetch_results_carry_the_scheduling_headers(server: LocalServer) -> None:
    server.routes["/ok"] = Response(200, b"<rss/>", {"Cache-Control": "max-age=900", "ETag": '"1"',
                                                     "Link": '<https://hub.example/>; rel="hub"', "X-Other": "no"})
    server.routes["/same"] = Response(304, b"", {"Cache-Control": "max-age=60"})
    server.routes["/busy"] = Response(429, b"slow down", {"Retry-After": "3600"})
    async with FeedFetcher(allow_private=True) as fetcher:
        ok = await fetcher.fetch(server.url("/ok"))
        same = await fetcher.fetch(server.url("/same"), etag='"1"')
        busy = await fetcher.fetch(server.url("/busy"))
    assert ok.status is FetchStatus.OK
    assert ok.headers["cache-control"] == "max-age=900" and ok.headers["link"].startswith("<https://hub.example/>")
    assert "x-other" not in ok.headers
    assert same.status is FetchStatus.NOT_MODIFIED and same.headers["cache-control"] == "max-age=60"
    assert busy.status is FetchStatus.ERROR and busy.headers["retry-after"] == "3600"


# -- the poller uses it ----------------------------------------------------------------------------
def _rss(published: list[float]) -> bytes:
    import email.utils

    items = "".join(
        f"<item><title>Story {n}</title><link>https://news.example.org/{n}</link>"
        f"<pubDate>{email.utils.formatdate(at, usegmt=True)}</pubDate></item>" for n, at in enumerate(published))
    return f"<?xml version='1.0'?><rss version='2.0'><channel><title>T</title>{items}</channel></rss>".encode()


async def _next_poll_in(showbot: ShowBot, url: str) -> float:
    feed = await showbot.storage.feeds.feed_by_url(url)
    assert feed is not None and feed.last_polled_at is not None
    return feed.next_poll_at - feed.last_polled_at


async def test_the_poller_schedules_by_rate_headers_and_push(server: LocalServer, db_path: str) -> None:
    import time as real_time

    now = real_time.time()
    server.routes["/busy"] = Response(200, _rss([now - i * 300 for i in range(20)]))  # every 5 minutes
    server.routes["/quiet"] = Response(200, _rss([now - i * 86400 * 9 for i in range(10)]))
    server.routes["/cached"] = Response(200, _rss([now - i * 300 for i in range(20)]), {"Cache-Control": "max-age=2400"})
    server.routes["/limited"] = Response(429, b"", {"Retry-After": "7200"})
    server.routes["/pushed"] = Response(200, _rss([now - i * 300 for i in range(20)]))
    urls = {name: server.url("/" + name) for name in ("busy", "quiet", "cached", "limited", "pushed")}
    settings = load_settings(env={"SHOWBOT_FEEDS": ",".join(urls.values()), "SHOWBOT_ALLOW_PRIVATE_FEEDS": "1"},
                             db=db_path)
    async with ShowBot.create(settings) as showbot:
        pushed = await showbot.storage.feeds.feed_by_url(urls["pushed"])
        assert pushed is not None
        showbot.poller.pushed.add(pushed.id)
        await showbot.poll_once(force=True)
        # a story every five minutes: half of that, but never under the polite minimum
        assert await _next_poll_in(showbot, urls["busy"]) == pytest.approx(max(POLITE_MINIMUM, 19 * 300 / 20 / 2), rel=0.06)
        assert await _next_poll_in(showbot, urls["quiet"]) == pytest.approx(BASE * 6, rel=0.06)
        assert await _next_poll_in(showbot, urls["cached"]) == pytest.approx(2400, rel=0.06)
        assert await _next_poll_in(showbot, urls["limited"]) >= 7200
        assert await _next_poll_in(showbot, urls["pushed"]) == pytest.approx(BASE * 6, rel=0.06)

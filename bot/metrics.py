"""What the bot counts, in Prometheus terms, and the small interface the loops report through.

The poll loop and the delivery loop only know `MetricsSink` (a few methods, no Prometheus types);
`Metrics` implements it on its own `CollectorRegistry` (never the process-global one, so two bots
in one test process never share a counter). Numbers that live in the database (feeds failing,
items, stories, outbox depth) are read when `/metrics` is scraped, by `Metrics.refresh`.

    metrics = Metrics()
    poller reports:   metrics.poll_cycle(report, seconds)
    delivery reports: metrics.delivered(platform, published_at, now), metrics.rate_limited(platform) …
    the web adapter:  await metrics.refresh(snapshot); metrics.exposition()"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from storage.records import Stats

_log = logging.getLogger(__name__)

# published -> delivered, in seconds: from "seconds after the outlet posted it" to "a day late"
LATENCY_BUCKETS: tuple[float, ...] = (5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 86400,
                                      float("inf"))
CYCLE_BUCKETS: tuple[float, ...] = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, float("inf"))
CONTENT_TYPE = CONTENT_TYPE_LATEST


class PollOutcome(Protocol):
    """What a poll (or a pushed feed) reports; bot.poller.PollReport has these fields."""

    fetched: int
    not_modified: int
    failed: int
    new_items: int
    matched_items: int
    notifications: int


class MetricsSink(Protocol):
    """What the loops call. Every method is cheap and never raises."""

    def poll_cycle(self, report: PollOutcome, seconds: float, *, pushed: bool = False) -> None: ...

    def delivered(self, platform: str, published_at: float | None, now: float) -> None: ...

    def delivery_failed(self, platform: str) -> None: ...

    def rate_limited(self, platform: str) -> None: ...

    def chat_paused(self, platform: str) -> None: ...


class NoMetrics:
    """The sink used when nobody collects (tests of the loops, `showbot run --once`)."""

    def poll_cycle(self, report: PollOutcome, seconds: float, *, pushed: bool = False) -> None:
        return None

    def delivered(self, platform: str, published_at: float | None, now: float) -> None:
        return None

    def delivery_failed(self, platform: str) -> None:
        return None

    def rate_limited(self, platform: str) -> None:
        return None

    def chat_paused(self, platform: str) -> None:
        return None


NO_METRICS = NoMetrics()


@dataclass(frozen=True, slots=True)
class StoredCounts:
    """Numbers read from storage at scrape time."""

    feeds: int
    failing_feeds: int
    items: int
    stories: int
    pending: int
    held: int
    sent: int
    failed: int
    paused_chats: int


class Metrics:
    """The Prometheus side of MetricsSink, on a registry of its own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.feed_polls = Counter("showbot_feed_polls", "Feed polls by result (ok, not_modified, error, pushed).",
                                  ["result"], registry=r)
        self.poll_cycles = Counter("showbot_poll_cycles", "Poll cycles that polled at least one feed.", registry=r)
        self.poll_cycle_seconds = Histogram("showbot_poll_cycle_seconds", "Time one poll cycle took.",
                                            buckets=CYCLE_BUCKETS, registry=r)
        self.new_items = Counter("showbot_items_new", "New feed items stored.", ["source"], registry=r)
        self.matched_items = Counter("showbot_items_matched", "New items that carry show news.", ["source"],
                                     registry=r)
        self.queued = Counter("showbot_notifications_queued", "Notifications written to the outbox.", registry=r)
        self.sent = Counter("showbot_notifications_sent", "Notifications delivered.", ["platform"], registry=r)
        self.failed = Counter("showbot_notifications_failed", "Notifications the platform refused for good.",
                              ["platform"], registry=r)
        self.rate_limits = Counter("showbot_rate_limited", "HTTP 429 answers from a platform.", ["platform"],
                                   registry=r)
        self.paused = Counter("showbot_chats_paused", "Chats paused because the platform refused them (403).",
                              ["platform"], registry=r)
        self.latency = Histogram("showbot_news_latency_seconds",
                                 "From the outlet's publication time to delivery to one recipient.",
                                 ["platform"], buckets=LATENCY_BUCKETS, registry=r)
        self.feeds = Gauge("showbot_feeds", "Feeds polled, by state (ok, failing).", ["state"], registry=r)
        self.items_stored = Gauge("showbot_items_stored", "Feed items kept in the database.", registry=r)
        self.stories = Gauge("showbot_stories", "Stories (one piece of news about one show, however many outlets report it) in the database.", registry=r)
        self.outbox = Gauge("showbot_outbox", "Notifications in the outbox by status (pending, held, sent, failed).",
                            ["status"], registry=r)
        self.paused_chats = Gauge("showbot_paused_chats", "Chats paused now.", registry=r)
        self.up = Gauge("showbot_storage_up", "1 when the database answered the last scrape.", registry=r)

    # -- MetricsSink -------------------------------------------------------------------------
    def poll_cycle(self, report: PollOutcome, seconds: float, *, pushed: bool = False) -> None:
        source = "push" if pushed else "poll"
        if pushed:
            self.feed_polls.labels("pushed").inc()
        else:
            if report.fetched + report.not_modified + report.failed == 0:
                return  # nothing was due: not a cycle worth timing
            self.poll_cycles.inc()
            self.poll_cycle_seconds.observe(max(0.0, seconds))
            self.feed_polls.labels("ok").inc(report.fetched)
            self.feed_polls.labels("not_modified").inc(report.not_modified)
            self.feed_polls.labels("error").inc(report.failed)
        self.new_items.labels(source).inc(report.new_items)
        self.matched_items.labels(source).inc(report.matched_items)
        self.queued.inc(report.notifications)

    def delivered(self, platform: str, published_at: float | None, now: float) -> None:
        self.sent.labels(platform).inc()
        if published_at is not None and published_at > 0:
            self.latency.labels(platform).observe(max(0.0, now - published_at))

    def delivery_failed(self, platform: str) -> None:
        self.failed.labels(platform).inc()

    def rate_limited(self, platform: str) -> None:
        self.rate_limits.labels(platform).inc()

    def chat_paused(self, platform: str) -> None:
        self.paused.labels(platform).inc()

    # -- scrape ------------------------------------------------------------------------------
    def refresh(self, counts: StoredCounts | None) -> None:
        """Set the gauges read from storage (None: the database did not answer)."""
        if counts is None:
            self.up.set(0)
            return
        self.up.set(1)
        self.feeds.labels("ok").set(counts.feeds - counts.failing_feeds)
        self.feeds.labels("failing").set(counts.failing_feeds)
        self.items_stored.set(counts.items)
        self.stories.set(counts.stories)
        for status, value in (("pending", counts.pending), ("held", counts.held), ("sent", counts.sent),
                              ("failed", counts.failed)):
            self.outbox.labels(status).set(value)
        self.paused_chats.set(counts.paused_chats)

    def exposition(self) -> bytes:
        """The registry in Prometheus' text format."""
        return generate_latest(self.registry)


class _StatsSource(Protocol):
    async def stats(self) -> Stats: ...


async def stored_counts(repo: _StatsSource) -> StoredCounts:
    """The scrape-time numbers, from the repository's statistics."""
    s = await repo.stats()
    return StoredCounts(feeds=s.feeds, failing_feeds=s.failing_feeds, items=s.items, stories=s.stories,
                        pending=s.pending, held=s.held, sent=s.sent, failed=s.failed, paused_chats=s.paused_chats)

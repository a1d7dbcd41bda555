"""The poll cycle: due feeds -> fetch -> parse -> new items -> match -> stories -> fan-out to the outbox.

Every feed is polled in its own guard: one broken, slow or hostile feed is recorded (its error
shown in `/feed list`, its next poll backed off exponentially) and never stops the others."""

from __future__ import annotations

import asyncio
import logging
import os
import random
import time
import zlib
from collections.abc import Callable, Sequence
from concurrent.futures import BrokenExecutor
from dataclasses import dataclass, field

from bot.clustering import StoryClustering, count
from bot.poll_schedule import PollSchedule, previous_interval
from feeds.fetch import FeedFetcher, FetchResult, FetchStatus
from feeds.model import FeedRecord, NewItem, ShowMatch
from feeds.parse import parse_feed_async
from feeds.understand.matcher import Matcher
from feeds.understand.records import Verdict
from feeds.workers import FeedWorkers, Matched, match_items
from storage.ports import Storage

_log = logging.getLogger(__name__)

MAX_BACKOFF = 6 * 3600.0
FEED_LEASE = 120.0  # a worker that dies mid-poll loses its feeds to the others after this long
SINGLE_WORKER_BATCH = 100_000  # alone on the database: every due feed at once
SHARED_BATCH = 200  # with other workers: a few hundred at a time, so the feeds spread over the workers
PROCESS_POOL_MIN_FEEDS = 64  # fewer feeds are parsed and matched in threads (no worker processes to start)
PERMANENT_BACKOFF_BASE = 3600.0


@dataclass(slots=True)
class PollReport:
    feeds: int = 0
    fetched: int = 0
    not_modified: int = 0
    failed: int = 0
    new_items: int = 0
    matched_items: int = 0
    notifications: int = 0
    new_stories: int = 0  # news no story reported yet
    updates: int = 0  # stories that moved on (a date set or moved, renewed then cancelled)
    joined: int = 0  # reports that joined a story already told
    errors: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return (f"{self.feeds} feeds polled ({self.fetched} fetched, {self.not_modified} not modified, "
                f"{self.failed} failed), {self.new_items} new items, {self.matched_items} with news "
                f"({self.new_stories} new stories, {self.updates} updates, {self.joined} joined a story), "
                f"{self.notifications} notifications queued")


@dataclass(frozen=True, slots=True)
class _Hold:
    until: float
    failures: int


def failure_delay(interval: float, failures: int, *, permanent: bool, rng: random.Random | None = None) -> float:
    """Exponential backoff for a failing feed: interval x 2^failures (x jitter), capped at 6 hours."""
    base = max(interval, PERMANENT_BACKOFF_BASE) if permanent else interval
    delay = min(MAX_BACKOFF, base * (2 ** max(0, failures)))
    return delay * (rng or random).uniform(0.9, 1.1)


def spread_offset(url: str, interval: float) -> float:
    """Where in the interval a feed is polled: stable per URL, so feeds are spread, not bunched."""
    return (zlib.crc32(url.encode()) % 10_000) / 10_000 * interval


class Poller:
    def __init__(
        self, storage: Storage, fetcher: FeedFetcher, matcher: Callable[[], Matcher], *, interval: float,
        clock: Callable[[], float] = time.time, stories: StoryClustering | None = None, worker: str = "local",
        batch: int = SINGLE_WORKER_BATCH, lease: float = FEED_LEASE,
    ) -> None:
        self._storage = storage
        self._stories = stories or StoryClustering()
        self.worker = worker  # who leases the due feeds; several workers on one database poll each feed once
        self.batch = batch  # feeds claimed at a time: small when several workers share the feeds
        self.lease = lease
        self._fetcher = fetcher
        self._matcher = matcher
        self.interval = interval
        self.schedule = PollSchedule(interval)  # adaptive: busy feeds sooner, quiet ones later
        self.pushed: set[int] = set()  # feeds whose news comes by WebSub: polled only as a slow fallback
        self.fetch_listeners: list[Callable[[FeedRecord, FetchResult], None]] = []  # e.g. WebSub discovery
        self._clock = clock
        self._not_modified: list[tuple[int, float, float]] = []  # (feed id, next poll, polled at)
        # feeds whose failure could not be written (disk full, database locked): backed off here
        # instead, so an unwritable database never turns into fetching the same feed in a loop
        self._held: dict[int, _Hold] = {}
        self._abandoned: list[int] = []  # feeds claimed this batch but not fetched (shutting down)
        # parse and match off the event loop: started when a poll has many feeds at once, restarted
        # with each new matcher (a changed catalog)
        self._workers: FeedWorkers | None = None

    def close(self) -> None:
        if self._workers is not None:
            self._workers.close()
            self._workers = None

    async def _use_processes(self, feeds: int) -> None:
        matcher = self._matcher()
        if self._workers is not None and self._workers.matcher is matcher:
            return
        if self._workers is None and (feeds < PROCESS_POOL_MIN_FEEDS or (os.cpu_count() or 1) < 2):
            return
        old = self._workers
        self._workers = await asyncio.to_thread(FeedWorkers, matcher, processes=os.cpu_count() or 2)
        if old is not None:
            old.close(finish=True)  # feeds in flight get their answers from the old catalog's workers

    async def poll(self, *, force: bool = False, stop: asyncio.Event | None = None) -> PollReport:
        """Poll every due feed (every feed with force=True) concurrently; the fetcher bounds concurrency.
        Due feeds are claimed `batch` at a time (leased to this worker, so other workers on the same
        database take others) until none is left. When `stop` is set, fetches still in flight are
        abandoned (those feeds are released and stay due); what was fetched is still stored and fanned
        out, so a shutdown neither waits on a slow feed nor loses news."""
        report = PollReport()
        if force:
            await self._poll_batch(await self._storage.feeds.all(), report, stop)
            return report
        while stop is None or not stop.is_set():
            now = self._clock()
            claimed = await self._storage.feeds.claim_due_feeds(now, worker=self.worker, lease=self.lease,
                                                                limit=self.batch)
            feeds = [f for f in claimed if f.id not in self._held or self._held[f.id].until <= now]
            if feeds:
                await self._poll_batch(feeds, report, stop)
            if len(claimed) < self.batch or not feeds:
                break
        return report

    async def _poll_batch(self, feeds: list[FeedRecord], report: PollReport, stop: asyncio.Event | None) -> None:
        report.feeds += len(feeds)
        if not feeds:
            return
        self._not_modified = []
        self._abandoned = []
        await self._use_processes(len(feeds))
        try:
            results = await asyncio.gather(*(self._poll_feed(feed, report, stop) for feed in feeds),
                                           return_exceptions=True)
        finally:
            if self._not_modified:
                try:
                    await self._storage.feeds.record_not_modified(self._not_modified)
                except Exception as exc:  # they are polled again on time; nothing is lost
                    _log.warning("could not record %d unchanged feeds (%s: %s)", len(self._not_modified),
                                 type(exc).__name__, exc)
                self._not_modified = []
            if self._abandoned:
                try:  # due again at once, for whichever worker runs next
                    await self._storage.feeds.release_feeds(self.worker, self._abandoned)
                except Exception as exc:  # the leases run out on their own
                    _log.warning("could not release %d unfetched feeds (%s: %s)", len(self._abandoned),
                                 type(exc).__name__, exc)
        for feed, result in zip(feeds, results, strict=True):
            if isinstance(result, BaseException):  # a bug, not a feed problem: log, keep going
                _log.error("polling %s crashed", feed.url, exc_info=result)
                # and back off as for any failing feed: a bug must not turn into polling it in a loop
                await self._fail(feed, f"{type(result).__name__}: {result}", self._clock(), permanent=False,
                                 report=report)

    @property
    def held_until(self) -> float | None:
        """When the first feed held back in memory (its failure unwritable) is due again."""
        return min((hold.until for hold in self._held.values()), default=None)

    async def _poll_feed(self, feed: FeedRecord, report: PollReport, stop: asyncio.Event | None = None) -> None:
        result = await self._fetch_unless_stopped(feed, stop)
        if result is None:
            _log.info("shutting down: %s not fetched, it stays due", feed.url)
            self._abandoned.append(feed.id)
            return
        now = self._clock()
        if result.status is FetchStatus.NOT_MODIFIED:  # costs no parsing; written with the others in one go
            report.not_modified += 1
            self._not_modified.append((feed.id, self._next_poll(now, feed, result, ()), now))
            return
        if result.status is FetchStatus.ERROR:
            await self._fail(feed, result.error or "fetch failed", now, permanent=result.permanent, report=report,
                             headers=result.headers)
            return
        for listener in self.fetch_listeners:
            try:
                listener(feed, result)
            except Exception:
                _log.exception("a fetch listener failed on %s", feed.url)
        await self._ingest(feed, result, report, now)

    async def ingest(self, feed: FeedRecord, body: bytes, headers: dict[str, str]) -> PollReport:
        """A feed document that came without a poll (a WebSub push): parsed, stored, matched and
        fanned out exactly as a polled one, and the feed's next poll rescheduled."""
        report = PollReport(feeds=1)
        result = FetchResult(feed.url, FetchStatus.OK, body=body, etag=feed.etag, last_modified=feed.last_modified,
                             http_status=200, headers=headers)
        await self._ingest(feed, result, report, self._clock(), pushed=True)
        return report

    async def _ingest(self, feed: FeedRecord, result: FetchResult, report: PollReport, now: float, *,
                      pushed: bool = False) -> None:
        workers = self._workers
        try:
            parsed = await (workers.parse(result.body, result.headers) if workers is not None
                            else parse_feed_async(result.body, result.headers))
        except BrokenExecutor:  # a worker process died (killed, out of memory): parse here instead
            self._workers_stopped(workers)
            parsed = await parse_feed_async(result.body, result.headers)
        if not parsed.items and parsed.problem:
            if pushed:  # the feed itself may be fine: the next poll will tell
                _log.warning("pushed content for %s unreadable: %s", feed.url, parsed.problem)
                report.failed += 1
                return
            await self._fail(feed, parsed.problem, now, permanent=False, report=report)
            return
        report.fetched += 1
        try:
            await self._store_and_match(feed, result, parsed.items, parsed.title, now, report)
            self._held.pop(feed.id, None)
        except Exception as exc:  # storage trouble (disk full, locked): rolled back, so nothing is half-stored
            await self._fail(feed, f"{type(exc).__name__}: {exc}", now, permanent=False,
                             report=report)

    async def _fetch_unless_stopped(self, feed: FeedRecord, stop: asyncio.Event | None) -> FetchResult | None:
        fetch = asyncio.ensure_future(self._fetcher.fetch(feed.url, etag=feed.etag, last_modified=feed.last_modified))
        if stop is None:
            return await fetch
        stopping = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            if not fetch.done():
                fetch.cancel()
                await asyncio.wait({fetch})
        return None if fetch.cancelled() else fetch.result()

    async def _store_and_match(self, feed: FeedRecord, result: FetchResult, items: list[NewItem],
                               title: str | None, now: float, report: PollReport) -> None:
        # oldest first, so notifications go out in the order the stories were published
        items = sorted(items, key=lambda i: i.published_at or 0.0)
        new = await self._storage.items.unseen(feed.id, items, now)
        matches: dict[str, list[ShowMatch]] = {}
        # matched before the transaction, off the loop: CPU work holds up neither other feeds nor their writes
        for item, outcome in zip(new, await self._match([(i.title, i.summary) for i in new]), strict=True):
            if outcome.error:  # one headline the matcher chokes on must not hold up the feed
                _log.error("matcher failed on %r:\n%s", item.title, outcome.error)
            elif outcome.matches:
                matches[item.dedup_key] = outcome.matches
        # the stories' facts are read here too, before the transaction: the writer waits for no parsing
        pending = self._stories.prepare(new, matches, outlet=title or feed.title or feed.url, now=now)
        async with self._storage.transaction():  # stored, told into stories and fanned out together, or not at all
            fresh, queued = await self._storage.items.store_new_items(feed.id, new, matches, now)
            clustered = await self._stories.cluster(self._storage, fresh, pending)
            await self._storage.feeds.record_feed_success(
                feed.id, etag=result.etag, last_modified=result.last_modified, title=title,
                next_poll_at=self._next_poll(now, feed, result, items), now=now)
        report.new_items += len(fresh)
        report.matched_items += sum(1 for r in fresh if any(m.events for m in matches.get(r.dedup_key, ())))
        report.notifications += queued
        report.new_stories += count(clustered, Verdict.NEW)
        report.updates += count(clustered, Verdict.UPDATE)
        report.joined += count(clustered, Verdict.JOIN)

    async def _match(self, items: list[tuple[str, str]]) -> list[Matched]:
        """In the worker processes when they hold the current matcher, else in a thread."""
        if not items:
            return []
        matcher, workers = self._matcher(), self._workers
        if workers is not None and workers.matcher is matcher:
            try:
                return await workers.match(items)
            except BrokenExecutor:
                self._workers_stopped(workers)
        return await asyncio.to_thread(match_items, matcher, items)

    def _workers_stopped(self, workers: FeedWorkers | None) -> None:
        if workers is not None and workers is self._workers:
            _log.warning("feed worker processes stopped; parsing and matching in threads from now on")
            self.close()

    async def _fail(self, feed: FeedRecord, error: str, now: float, *, permanent: bool, report: PollReport,
                    headers: dict[str, str] | None = None) -> None:
        """Record the failure and back the feed off; one log line. If even the record can't be written,
        the backoff is kept in memory (and grows the same way) until a write succeeds."""
        report.failed += 1
        report.errors[feed.url] = error
        held = self._held.get(feed.id)
        failures = max(feed.failures, held.failures if held else 0)
        delay = self.schedule.after_failure(failure_delay(self.interval, failures, permanent=permanent),
                                            headers=headers or {}, now=now)
        try:
            await self._storage.feeds.record_feed_failure(feed.id, error=error, next_poll_at=now + delay, now=now)
        except Exception as exc:
            self._held[feed.id] = _Hold(until=now + delay, failures=failures + 1)
            _log.warning("feed %s failed (%s) and that could not be recorded (%s: %s); next try in %.0fs",
                         feed.url, error, type(exc).__name__, exc, delay)
            return
        self._held.pop(feed.id, None)
        _log.warning("feed %s failed (%s); next try in %.0fs", feed.url, error, delay)

    def _next_poll(self, now: float, feed: FeedRecord, result: FetchResult, items: Sequence[NewItem]) -> float:
        return now + self.schedule.after_success(
            published=[i.published_at for i in items], headers=result.headers, now=now, pushed=feed.id in self.pushed,
            previous=previous_interval(feed.last_polled_at, feed.next_poll_at, feed.failures))

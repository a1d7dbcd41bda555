"""Poll cycle: 1,000 HTTP feeds fetched, parsed, matched and stored by the real Poller.

    python bench/bench_poll.py [--feeds N] [--concurrency N] [--no-baseline]

A local aiohttp server (a subprocess on 127.0.0.1, so it does not share this process's CPU)
serves N small RSS feeds of 10 items each, with an ETag per feed and 304 Not Modified when
If-None-Match matches. The real Poller + FeedFetcher (allow_private=True) + Storage (temp
SQLite file, the bundled catalog, a few subscriptions so fan-out runs) then poll them:

  cycle 1: every feed answers 200 with 10 new items (N x 10 items parsed, matched, stored);
  cycle 2: one feed in ten has changed (200, new items), the rest answer 304.

Baseline: the same cycle 1 with FetchLimits(concurrency=1) on a fresh database, on the first 200
feeds (per-feed rate compared; the whole set would add another minute). Also printed for reference:
plain sequential httpx GETs of all the URLs (the HTTP floor, no parse or store). The time spent in
the repository calls and waiting for the matcher's workers is printed per cycle, to show where a slow cycle goes.
During each cycle a probe task asks the event loop to wake it every 5 ms and records how late each
wake-up came (the loop's lag: how long something else held the loop), in wall-clock time and in
the loop thread's own CPU time (which other processes on a busy machine cannot inflate): the
longest pause and the 99th percentile are printed beside the cycle time.
Targets: one full cycle (cycle 1) < 10 s; the longest event-loop pause in it < 50 ms. Exits 0 either way."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from email.utils import formatdate
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import _common
import httpx

from bot.heap import freeze_long_lived
from bot.poller import Poller
from bot.service import read_catalog
from feeds.fetch import FeedFetcher, FetchLimits
from feeds.model import Event
from feeds.understand.matcher import Matcher
from storage import open_storage
from storage.ports import Storage
from storage.records import SubscriptionRecord

TARGET_CYCLE = 10.0
TARGET_PAUSE = 0.050  # the longest event-loop pause during a cycle
PROBE_EVERY = 0.005
ITEMS_PER_FEED = 10
CHANGED_EVERY = 10  # in cycle 2, one feed in ten has new items
CATALOG = _common.REPO / "bot" / "data" / "catalog.json"
TEMPLATES = (
    "{show} renewed for season {n} at Netflix",
    "HBO cancels {show} after {n} seasons",
    "{show} season {n} gets a premiere date",
    "Watch the first trailer for {show} season {n}",
    "{show} adds two to season {n} cast",
    "Filming begins on {show} season {n}",
    "{show} season {n} review: a slow start",
    "Streaming prices rise again this spring",
    "Ten shows to watch this weekend",
    "Emmy nominations announced: the full list",
)


# -- the feed server (runs in a subprocess) ------------------------------------------------------
def feed_body(feed: int, version: int, shows: list[str]) -> bytes:
    items = []
    for k in range(ITEMS_PER_FEED):
        show = shows[(feed * 7 + k * 13 + version) % len(shows)]
        title = TEMPLATES[(feed + k + version) % len(TEMPLATES)].format(show=show, n=2 + (feed + k) % 5)
        items.append(
            f"<item><title>{escape(title)}</title>"
            f"<link>http://127.0.0.1/story/{feed}/{version}/{k}</link>"
            f"<guid isPermaLink=\"false\">feed-{feed}-v{version}-item-{k}</guid>"
            f"<pubDate>{formatdate(1_700_000_000 + feed * 100 + k * 10 + version * 5000)}</pubDate>"
            f"<description>{escape('Story ' + str(k) + ' of feed ' + str(feed) + ' about ' + show + '.')}"
            f"</description></item>"
        )
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Bench feed {feed}</title>'
            f"<link>http://127.0.0.1/</link><description>bench</description>{''.join(items)}</channel></rss>"
            ).encode()


def serve() -> None:
    from aiohttp import web

    shows = [title for title, _aliases in read_catalog(CATALOG)]
    state = {"generation": 0, "200": 0, "304": 0, "delay_ms": 0}
    cache: dict[tuple[int, int], bytes] = {}

    def version_of(feed: int) -> int:
        return state["generation"] if feed % CHANGED_EVERY == 0 else 0

    async def feed(request: web.Request) -> web.StreamResponse:
        n = int(request.match_info["n"])
        if state["delay_ms"]:  # an outlet that takes its time to answer (bench_workers: ~300 ms)
            await asyncio.sleep(state["delay_ms"] / 1000)
        version = version_of(n)
        etag = f'"f{n}-v{version}"'
        if request.headers.get("If-None-Match") == etag:
            state["304"] += 1
            return web.Response(status=304, headers={"ETag": etag})
        state["200"] += 1
        body = cache.get((n, version))
        if body is None:
            body = cache[(n, version)] = feed_body(n, version, shows)
        return web.Response(body=body, content_type="application/rss+xml", headers={"ETag": etag})

    async def control(request: web.Request) -> web.StreamResponse:
        if "generation" in request.query:
            state["generation"] = int(request.query["generation"])
        if "delay_ms" in request.query:
            state["delay_ms"] = int(request.query["delay_ms"])
        snapshot = dict(state)
        if "reset" in request.query:
            state["200"] = state["304"] = 0
        return web.json_response(snapshot)

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/feed/{n}.xml", feed)
        app.router.add_get("/_control", control)
        await _common.serve_until_stdin_closes(app)

    asyncio.run(main())


# -- the benchmark ---------------------------------------------------------------------------------
class FeedServer(_common.ServerProcess):
    def __init__(self) -> None:
        super().__init__(__file__)

    def url(self, n: int) -> str:
        return f"{self.base}/feed/{n}.xml"

    def control(self, **query: int) -> dict[str, int]:
        return json.loads(httpx.get(f"{self.base}/_control", params=query, trust_env=False).text)



async def prepare(storage: Storage, server: FeedServer, feeds: int) -> Matcher:
    await storage.catalog.import_catalog(read_catalog(CATALOG))
    for n in range(feeds):
        await storage.feeds.add_feed(server.url(n))
    for chat in range(20):  # a few subscribers, so matches are fanned out to the outbox
        await storage.audience.subscribe(SubscriptionRecord("bench", "user", f"u{chat}", None, Event.all()))
    return Matcher(await storage.catalog.shows())


class Timings:
    """Seconds spent inside the real storage calls, and waiting for the matching workers, during one cycle.

    Writes take the one writer connection, so the write calls run one at a time and their sum is
    time the cycle cannot overlap with anything else (`items.unseen` reads on a reader connection)."""

    METHODS = ("items.unseen", "items.store_new_items", "outbox.enqueue_matches",
               "feeds.record_feed_success", "feeds.record_not_modified")

    def __init__(self, storage: Storage) -> None:
        self.seconds: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        for name in self.METHODS:
            aggregate, method = name.split(".")
            target = getattr(storage, aggregate)
            setattr(target, method, self._wrap_async(f"storage.{name}", getattr(target, method)))
        # parsing and matching run in worker processes: Poller._match is timed as the loop waits for it
        setattr(Poller, "_match", self._wrap_async("Poller._match (workers)", Poller._match))  # noqa: B010

    def _wrap_async(self, label: str, method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return await method(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - t0
                self.calls[label] += 1
        return timed

    def reset(self) -> None:
        self.seconds.clear()
        self.calls.clear()

    def lines(self) -> list[str]:
        return [f"    {name:<32} {sec:6.2f} s in {self.calls[name]:>6} calls ({sec / self.calls[name] * 1000:.2f} ms each)"
                for name, sec in self.seconds.most_common()]


class LoopLag:
    """A task that asks the loop to wake it every PROBE_EVERY seconds and records how late each
    wake-up came (the loop's lag: how long something else held it). Beside the wall-clock lag, two
    figures other load on a shared machine cannot inflate: the loop thread's CPU time over the same
    stretch (the loop's own work), and the lag less the time the loop thread sat ready while the OS
    ran other processes (Linux's /proc/thread-self/schedstat; left out where it can't be read)."""

    SCHEDSTAT = Path("/proc/thread-self/schedstat")

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []
        self.own: list[float] = []  # wall lag less the wait for a CPU
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> LoopLag:
        self._task = asyncio.create_task(self._probe())
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)

    def _runqueue_wait(self) -> float | None:
        try:
            return int(self.SCHEDSTAT.read_text().split()[1]) / 1e9
        except (OSError, IndexError, ValueError):
            return None

    async def _probe(self) -> None:
        while True:
            w0, c0, q0 = time.perf_counter(), time.thread_time(), self._runqueue_wait()
            await asyncio.sleep(PROBE_EVERY)
            lag = max(0.0, time.perf_counter() - w0 - PROBE_EVERY)
            self.wall.append(lag)
            self.cpu.append(max(0.0, time.thread_time() - c0))
            q1 = self._runqueue_wait()
            if q0 is not None and q1 is not None:
                self.own.append(max(0.0, lag - (q1 - q0)))

    @staticmethod
    def _p99(values: list[float]) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else 0.0

    @property
    def longest(self) -> float:
        return max(self.wall, default=0.0)

    def _figures(self, values: list[float]) -> str:
        return f"longest {max(values, default=0.0) * 1000:.1f} ms, p99 {self._p99(values) * 1000:.1f} ms"

    def line(self) -> str:
        own = (f"; less the loop thread's wait for a CPU (other processes): {self._figures(self.own)}"
               if self.own else "")
        return (f"event-loop pauses ({len(self.wall)} wake-ups of a {PROBE_EVERY * 1000:.0f} ms timer): "
                f"{self._figures(self.wall)} wall{own}; the loop thread's CPU between two wake-ups: "
                f"{self._figures(self.cpu)}")


async def timed_poll(storage: Storage, matcher: Matcher, concurrency: int, feeds: int) -> tuple[float, str, LoopLag]:
    limits = FetchLimits(concurrency=concurrency)
    async with FeedFetcher(limits=limits, allow_private=True) as fetcher:
        poller = Poller(storage, fetcher, lambda: matcher, interval=900.0)
        try:
            async with LoopLag() as lag:
                t0 = time.perf_counter()
                report = await poller.poll(force=True)
                elapsed = time.perf_counter() - t0
        finally:
            poller.close()
    if report.feeds != feeds or report.failed:
        print(f"  warning: expected {feeds} feeds polled without failures: {report} {report.errors}")
    return elapsed, str(report), lag


def plain_gets(server: FeedServer, feeds: int) -> float:
    t0 = time.perf_counter()
    with httpx.Client(trust_env=False) as client:
        for n in range(feeds):
            client.get(server.url(n)).raise_for_status()
    return time.perf_counter() - t0


async def run(args: argparse.Namespace, server: FeedServer) -> None:
    with tempfile.TemporaryDirectory(prefix="showbot-bench-") as tmp:
        async with open_storage(Path(tmp) / "poll.db") as storage:
            matcher = await prepare(storage, server, args.feeds)
            freeze_long_lived()  # as `showbot run` does once it has set up
            timings = Timings(storage)
            server.control(generation=0, reset=1)
            first, report1, lag1 = await timed_poll(storage, matcher, args.concurrency, args.feeds)
            stats1 = server.control()
            lines1 = timings.lines()
            timings.reset()
            server.control(generation=1, reset=1)
            second, report2, lag2 = await timed_poll(storage, matcher, args.concurrency, args.feeds)
            stats2 = server.control()
            lines2 = timings.lines()
            outbox = await storage.outbox.outbox_counts()
        print(f"cycle 1 (concurrency {args.concurrency}): {first:.2f} s, "
              f"{args.feeds / first:,.0f} feeds/s; server sent {stats1['200']} x 200, {stats1['304']} x 304")
        print(f"  {report1}")
        print(f"  {lag1.line()}")
        print("  where the time went (serialised database work and matching):", *lines1, sep="\n")
        print(f"cycle 2 (concurrency {args.concurrency}): {second:.2f} s, "
              f"{args.feeds / second:,.0f} feeds/s; server sent {stats2['200']} x 200, {stats2['304']} x 304")
        print(f"  {report2}")
        print(f"  {lag2.line()}")
        print("  where the time went:", *lines2, sep="\n")
        print(f"  outbox after both cycles: {outbox}")

        per_feed_baseline = None
        if args.baseline_feeds > 0:
            n = min(args.baseline_feeds, args.feeds)
            async with open_storage(Path(tmp) / "baseline.db") as storage:
                matcher = await prepare(storage, server, n)
                server.control(generation=0, reset=1)
                baseline, report_b, _lag = await timed_poll(storage, matcher, 1, n)
            per_feed_baseline = baseline / n
            print(f"baseline, the same cycle 1 with concurrency 1 on the first {n} feeds: {baseline:.2f} s "
                  f"({per_feed_baseline * 1000:.1f} ms/feed; ~{per_feed_baseline * args.feeds:.0f} s for "
                  f"{args.feeds} feeds); {report_b}")

        plain = await asyncio.to_thread(plain_gets, server, args.feeds)
        print(f"reference: sequential plain httpx GETs of the {args.feeds} feeds (no parse/store): {plain:.2f} s")

        if per_feed_baseline is not None:
            print(f"ratio: cycle 1 at concurrency {args.concurrency} is "
                  f"{_common.ratio(per_feed_baseline, first / args.feeds):.2f}x the per-feed rate of concurrency 1")
        _common.verdict("full poll cycle", first < TARGET_CYCLE,
                        f"{first:.2f} s for {args.feeds} feeds (target < {TARGET_CYCLE:g} s)")
        _common.verdict("longest event-loop pause (cycle 1)", lag1.longest < TARGET_PAUSE,
                        f"{lag1.longest * 1000:.1f} ms (target < {TARGET_PAUSE * 1000:.0f} ms)")
        print(f"peak RSS: {_common.peak_rss_mb():.0f} MB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--baseline-feeds", type=int, default=200,
                        help="feeds polled at concurrency 1 for the baseline (0: skip)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve()
        return 0
    _common.header("poll cycle")
    server = FeedServer()
    try:
        asyncio.run(run(args, server))
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Several workers on one PostgreSQL: a 4,000-feed poll cycle, delivery, and fan-out at scale.

    python bench/bench_workers.py [--feeds N] [--workers 1,2,4] [--skip-fanout] [--subscriptions N]

Needs PostgreSQL: SHOWBOT_BENCH_POSTGRES (default postgresql://postgres@127.0.0.1:5432/test); every
run gets a schema of its own, dropped afterwards.

1. Poll cycle. The feed server of bench_poll.py (a subprocess on 127.0.0.1) serves N feeds of 10
   items; 1, 2 and 4 worker processes, each the real Poller (FeedFetcher at concurrency 50, batches of
   200 claimed with FOR UPDATE SKIP LOCKED, parsing and matching in its process pool), poll them all
   once: feeds that answer at once (CPU-bound: parse, match, store) and feeds that answer in ~300 ms
   like real outlets (latency-bound). Timed from the moment every feed is made due until every feed
   is polled. Baselines: one worker, and SQLite with one worker (the embedded default).
2. Delivery. The fake Bot API of bench_delivery.py (30 messages in any 1 s window, 1 s per private
   chat, 429 otherwise) and 1, 2, 4 worker processes, each the real Delivery + TelegramAdapter with
   chat claims and shared send slots, draining the same pending notifications: the global limit must
   hold with every worker sending (0 429s, busiest second at the API <= 30).
3. Fan-out at 1,000,000 subscriptions: outbox.enqueue_for_match for one event of the most followed
   show on PostgreSQL and on SQLite (the population of bench_fanout.py, scaled up).

Targets: 2 workers >= 1.7x one worker on instant feeds (this machine has 2 cores), 4 no worse than 2;
delivery 0 429s at every worker count. Prints figures, ratios and PASS/MISS; exits 0 either way."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import _common
import asyncpg
import bench_delivery
import bench_fanout
import bench_poll

from bot.config import Settings
from bot.delivery import SHARED_BATCH as SHARED_DELIVERY
from bot.poller import SHARED_BATCH, SINGLE_WORKER_BATCH, Poller
from bot.service import read_catalog
from feeds.fetch import FeedFetcher, FetchLimits
from feeds.model import Event, NewItem, ShowMatch
from feeds.understand.matcher import Matcher
from storage import open_storage
from storage.records import SubscriptionRecord

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/test"
SLOW_MS = 300
TARGET_TWO = 1.7
CONCURRENCY = 50
LEASE = 120.0


# -- worker processes ------------------------------------------------------------------------------
def _ready_then_wait_for_go() -> None:
    print("ready", flush=True)
    sys.stdin.readline()


async def poll_worker(target: str, name: str, batch: int) -> dict[str, Any]:
    """One worker: claim and poll due feeds until none is left; report what it did."""
    async with open_storage(target, exclusive=False) as storage:
        matcher = Matcher(await storage.catalog.shows())
        async with FeedFetcher(limits=FetchLimits(concurrency=CONCURRENCY), allow_private=True) as fetcher:
            poller = Poller(storage, fetcher, lambda: matcher, interval=3600.0, worker=name, batch=batch, lease=LEASE)
            await asyncio.to_thread(_ready_then_wait_for_go)
            t0 = time.perf_counter()
            report = await poller.poll()
            elapsed = time.perf_counter() - t0
            poller.close()
    return {"worker": name, "feeds": report.feeds, "items": report.new_items, "failed": report.failed,
            "seconds": elapsed}


async def deliver_worker(target: str, name: str, api_base: str) -> dict[str, Any]:
    """One worker: claim chats and deliver until the outbox has nothing pending."""
    from bot.adapters.telegram_bot import TelegramAdapter
    from bot.delivery import Delivery
    from bot.service import ShowBot

    settings = Settings(db="unused.db", database_url=target, telegram_token=bench_delivery.TOKEN,
                        telegram_base_url=f"{api_base}/bot", feeds=("bundled:tv-trade.xml",), web="off")
    async with ShowBot.create(settings) as showbot:
        adapter = TelegramAdapter(settings, showbot)
        await adapter.start(updates=False)
        try:
            delivery = Delivery(showbot.storage, {adapter.platform: adapter}, worker=name,
                                shared_slots=showbot.storage.several_workers, lease=LEASE, batch=SHARED_DELIVERY)
            await asyncio.to_thread(_ready_then_wait_for_go)
            t0 = time.perf_counter()
            sent = 0
            while (await showbot.storage.outbox.outbox_counts()).get("pending", 0):
                report = await delivery.deliver_due()
                sent += report.sent
                if not report.sent:
                    await asyncio.sleep(0.2)  # the rest is claimed by other workers
            elapsed = time.perf_counter() - t0
        finally:
            await adapter.stop()
    return {"worker": name, "sent": sent, "seconds": elapsed}


def worker_main(args: argparse.Namespace) -> None:
    logging.basicConfig(level=logging.ERROR)
    if args.worker == "poll":
        result = asyncio.run(poll_worker(args.target, args.name, args.batch))
    else:
        result = asyncio.run(deliver_worker(args.target, args.name, args.api_base))
    print(json.dumps(result), flush=True)


def start_workers(count: int, *extra: str) -> list[subprocess.Popen[str]]:
    procs = [subprocess.Popen([sys.executable, __file__, *extra, "--name", f"w{n}"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True) for n in range(count)]
    for proc in procs:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if line != "ready":
            raise RuntimeError(f"a worker did not start: {line!r}")
    return procs


def go_and_collect(procs: list[subprocess.Popen[str]]) -> tuple[float, list[dict[str, Any]]]:
    t0 = time.perf_counter()
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    results = []
    for proc in procs:
        out, _ = proc.communicate(timeout=1800)
        results.append(json.loads(out.strip().splitlines()[-1]))
    return time.perf_counter() - t0, results


# -- databases ----------------------------------------------------------------------------------------
@asynccontextmanager
async def postgres_schema(server: str, label: str) -> Any:
    name = f"showbot_bench_{label}_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(server)
    try:
        await conn.execute(f'CREATE SCHEMA "{name}"')
        sep = "&" if "?" in server else "?"
        yield f"{server}{sep}{urlencode({'search_path': name})}"
    finally:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        await conn.close()


async def prepare_feeds(target: str, server: bench_poll.FeedServer, feeds: int) -> None:
    async with open_storage(target) as storage:
        await storage.catalog.import_catalog(read_catalog(bench_poll.CATALOG))
        urls = [server.url(n) for n in range(feeds)]
        await storage.feeds.sync_config_feeds(urls, [0.0] * feeds)  # all due at once
        for chat in range(20):  # a few subscribers, so matches are fanned out
            await storage.audience.subscribe(SubscriptionRecord("bench", "user", f"u{chat}", None, Event.all()))


async def cycle(target: str, server: bench_poll.FeedServer, feeds: int, workers: int, batch: int) -> float:
    await prepare_feeds(target, server, feeds)
    procs = start_workers(workers, "--worker", "poll", "--target", target, "--batch", str(batch))
    elapsed, results = go_and_collect(procs)
    polled = sum(r["feeds"] for r in results)
    failed = sum(r["failed"] for r in results)
    shares = ", ".join(str(r["feeds"]) for r in results)
    if polled < feeds or failed:
        print(f"    warning: {polled} feed polls for {feeds} feeds, {failed} failed")
    print(f"    {workers} worker(s): {elapsed:.1f} s, {feeds / elapsed:.0f} feeds/s "
          f"(feeds per worker: {shares}; {sum(r['items'] for r in results)} new items)")
    return elapsed


async def poll_benchmark(args: argparse.Namespace, pg: str) -> dict[str, dict[str, float]]:
    server = bench_poll.FeedServer()
    results: dict[str, dict[str, float]] = {}
    try:
        for label, delay in (("instant", 0), (f"~{SLOW_MS} ms", SLOW_MS)):
            server.control(delay_ms=delay)
            print(f"poll cycle, {args.feeds} feeds answering {label}:")
            times: dict[str, float] = {}
            with tempfile.TemporaryDirectory(prefix="showbot-bench-") as tmp:
                print("  SQLite, one worker (the embedded default):")
                times["sqlite"] = await cycle(str(Path(tmp) / "cycle.db"), server, args.feeds, 1, SINGLE_WORKER_BATCH)
            for workers in args.workers:
                print(f"  PostgreSQL, {workers} worker(s):")
                async with postgres_schema(pg, f"poll{workers}") as target:
                    times[str(workers)] = await cycle(target, server, args.feeds, workers, SHARED_BATCH)
            results[label] = times
    finally:
        server.close()
    return results


async def delivery_benchmark(args: argparse.Namespace, pg: str) -> dict[int, dict[str, Any]]:
    fake = bench_delivery.FakeBotAPI()
    results: dict[int, dict[str, Any]] = {}
    try:
        for workers in args.workers:
            async with postgres_schema(pg, f"deliver{workers}") as target:
                async with open_storage(target) as storage:
                    await storage.catalog.import_catalog(read_catalog(bench_poll.CATALOG))
                    [show, *_] = await storage.catalog.shows()
                    for n in range(args.chats):
                        chat = str(10_000 + n)
                        await storage.audience.subscribe(SubscriptionRecord("telegram", "user", chat, show.id,
                                                                            Event.all(), user_id=chat))
                    items = await storage.items.insert_items(None, [
                        NewItem(f"{show.title} renewed for season {n + 2}", guid=f"deliver-{n}")
                        for n in range(args.stories)], time.time())
                    queued = 0
                    for item in items:
                        match = ShowMatch(show.id, show.title, Event.RENEWAL, (2,), "bench")
                        await storage.items.save_matches(item.id, [match])
                        queued += await storage.outbox.enqueue_for_match(item.id, match, time.time())
                await fake.control(reset=True)
                procs = start_workers(workers, "--worker", "deliver", "--target", target, "--api-base", fake.base)
                elapsed, outcome = go_and_collect(procs)
                stats = await fake.control()
                too_many = sum(stats["too_many"].values())
                sent = sum(r["sent"] for r in outcome)
                rate = stats["sent"] / max(stats["span"], 1e-9)
                print(f"  {workers} worker(s): {sent}/{queued} sent in {elapsed:.1f} s; {rate:.1f} msg/s at the API "
                      f"({rate / bench_delivery.GLOBAL_PER_SECOND:.0%} of 30/s); 429s: {too_many}; busiest second: "
                      f"{stats['max_in_second']}; per worker: {', '.join(str(r['sent']) for r in outcome)}")
                results[workers] = {"rate": rate, "too_many": too_many, "busiest": stats["max_in_second"],
                                    "sent": sent, "queued": queued}
    finally:
        fake.close()
    return results


async def fanout_benchmark(args: argparse.Namespace, pg: str) -> dict[str, float]:
    rng = random.Random(bench_fanout.SEED)
    t0 = time.perf_counter()
    population = bench_fanout.generate(subscriptions=args.subscriptions, shows=5000, rng=rng)
    print(f"  generated in {time.perf_counter() - t0:.1f} s: {population.counts}")
    medians: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="showbot-bench-") as tmp:
        path = Path(tmp) / "fanout.db"
        async with open_storage(str(path)):
            pass
        t0 = time.perf_counter()
        await asyncio.to_thread(_seed_sqlite, path, population)
        print(f"  SQLite seeded in {time.perf_counter() - t0:.1f} s")
        async with open_storage(str(path)) as storage:
            medians["sqlite"] = await _time_fanout(storage, args.runs, "SQLite")
    async with postgres_schema(pg, "fanout") as target:
        async with open_storage(target):
            pass
        t0 = time.perf_counter()
        await _seed_postgres(target, population)
        print(f"  PostgreSQL seeded in {time.perf_counter() - t0:.1f} s")
        async with open_storage(target) as storage:
            medians["postgres"] = await _time_fanout(storage, args.runs, "PostgreSQL")
    return medians


def _seed_sqlite(path: Path, population: bench_fanout.Population) -> None:
    import sqlite3

    conn = sqlite3.connect(path)
    conn.executemany("INSERT INTO shows(id, title, title_key, created_at) VALUES (?, ?, ?, ?)", population.shows)
    conn.executemany("INSERT INTO subscriptions(platform, kind, chat_id, guild_id, user_id, role_id, show_id, events, "
                     "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", population.subscriptions)
    conn.executemany("INSERT INTO paused_chats(platform, chat_id, reason, paused_at) VALUES (?, ?, ?, ?)",
                     population.paused)
    conn.executemany("INSERT INTO mutes(platform, guild_id, show_id, created_at) VALUES (?, ?, ?, ?)", population.mutes)
    conn.commit()
    conn.close()


async def _seed_postgres(target: str, population: bench_fanout.Population) -> None:
    conn = await asyncpg.connect(target)
    try:
        await conn.copy_records_to_table("shows", records=population.shows,
                                         columns=["id", "title", "title_key", "created_at"])
        await conn.copy_records_to_table("subscriptions", records=population.subscriptions, columns=[
            "platform", "kind", "chat_id", "guild_id", "user_id", "role_id", "show_id", "events", "created_at"])
        await conn.copy_records_to_table("paused_chats", records=population.paused,
                                         columns=["platform", "chat_id", "reason", "paused_at"])
        await conn.copy_records_to_table("mutes", records=population.mutes,
                                         columns=["platform", "guild_id", "show_id", "created_at"])
        await conn.execute("SELECT setval(pg_get_serial_sequence('shows', 'id'), MAX(id)) FROM shows")
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


async def _time_fanout(storage: Any, runs: int, label: str) -> float:
    items = await storage.items.insert_items(None, [NewItem(f"Show 1 news {n}", guid=f"fan-{n}")
                                                    for n in range(runs + 1)], time.time())
    times: list[float] = []
    added = 0
    for item in items:  # the first run warms the caches
        match = ShowMatch(1, "Show 1", Event.RENEWAL)
        await storage.items.save_matches(item.id, [match])
        t0 = time.perf_counter()
        added = await storage.outbox.enqueue_for_match(item.id, match, time.time())
        times.append(time.perf_counter() - t0)
    median = statistics.median(times[1:])
    print(f"  {label}: {added} recipients per event, median {median * 1000:.0f} ms, worst "
          f"{max(times[1:]) * 1000:.0f} ms over {runs} runs ({median / max(1, added) * 1e6:.1f} us per recipient)")
    return median


# -- main ---------------------------------------------------------------------------------------------
async def run(args: argparse.Namespace) -> None:
    pg = os.environ.get("SHOWBOT_BENCH_POSTGRES", "").strip() or DEFAULT_SERVER
    try:
        conn = await asyncpg.connect(pg, timeout=5)
        await conn.close()
    except Exception as exc:
        print(f"no PostgreSQL at {pg} ({type(exc).__name__}: {exc}); set SHOWBOT_BENCH_POSTGRES")
        return
    polls = await poll_benchmark(args, pg)
    print("delivery, every worker sending to the fake Bot API:")
    deliveries = await delivery_benchmark(args, pg)
    fanout: dict[str, float] = {}
    if not args.skip_fanout:
        print(f"fan-out at {args.subscriptions:,} subscriptions:")
        fanout = await fanout_benchmark(args, pg)

    print("ratios:")
    for label, times in polls.items():
        one = times.get("1")
        for workers in args.workers:
            t = times[str(workers)]
            vs_one = f"{_common.ratio(one, t):.2f}x the speed of one worker" if one else "n/a"
            print(f"  {label}: {workers} worker(s) at {vs_one}, {_common.ratio(times['sqlite'], t):.2f}x SQLite's")
    if fanout:
        print(f"  fan-out: PostgreSQL takes {_common.ratio(fanout['postgres'], fanout['sqlite']):.2f}x SQLite's time")
    instant = polls.get("instant", {})
    if "1" in instant and "2" in instant:
        speedup = _common.ratio(instant["1"], instant["2"])
        _common.verdict("2 workers, instant feeds", speedup >= TARGET_TWO,
                        f"{speedup:.2f}x one worker (target >= {TARGET_TWO}x)")
    if "2" in instant and "4" in instant:
        _common.verdict("4 workers no worse than 2", instant["4"] <= instant["2"] * 1.05,
                        f"{instant['4']:.1f} s against {instant['2']:.1f} s")
    for workers, outcome in deliveries.items():
        _common.verdict(f"delivery, {workers} worker(s)", outcome["too_many"] == 0 and outcome["busiest"] <= 30
                        and outcome["sent"] == outcome["queued"],
                        f"{outcome['too_many']} 429s, busiest second {outcome['busiest']}, "
                        f"{outcome['sent']}/{outcome['queued']} sent")
    print(f"peak RSS of the benchmark process: {_common.peak_rss_mb():.0f} MB")


def _counts(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=4000)
    parser.add_argument("--workers", type=_counts, default=[1, 2, 4])
    parser.add_argument("--chats", type=int, default=300, help="private chats for the delivery part")
    parser.add_argument("--stories", type=int, default=2, help="stories each chat gets in the delivery part")
    parser.add_argument("--subscriptions", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-fanout", action="store_true")
    parser.add_argument("--worker", choices=["poll", "deliver"], help=argparse.SUPPRESS)
    parser.add_argument("--target", help=argparse.SUPPRESS)
    parser.add_argument("--name", help=argparse.SUPPRESS)
    parser.add_argument("--batch", type=int, default=SHARED_BATCH, help=argparse.SUPPRESS)
    parser.add_argument("--api-base", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker_main(args)
        return 0
    logging.basicConfig(level=logging.ERROR)
    _common.header("several workers")
    asyncio.run(run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())

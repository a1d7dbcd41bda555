"""Fan-out: the recipients of one event of a popular show, among 100,000 subscriptions.

    python bench/bench_fanout.py [--subscriptions N] [--shows N] [--runs N]

A temp SQLite database (made by the real SQLite storage and its migrations) is seeded in bulk with N
subscriptions over the shows (popularity skewed: a few shows have thousands of subscribers), some
wildcard ("every show"), various event filters, Telegram users and groups and Discord channels
with guilds, some paused chats and some guild mutes of the popular show. Seeding goes straight
through sqlite3 (100,000 one-by-one `subscribe` calls would take minutes); everything measured
is the real SQLite storage.

Measured: storage.outbox.enqueue_for_match for one event of the most popular show (a fresh item each
run; median and worst of the runs), first on a nearly empty outbox, then once the outbox holds the
sent rows of 100 past stories (the outbox keeps sent rows, so this is the steady state), and for a
show of middling popularity; storage.audience.recipients_for times the same query without the writes. Baseline: every subscription, paused chat and mute loaded into
Python and filtered in a loop (what a repository without the indexed INSERT … SELECT would do),
then the same outbox rows written with executemany. Also: peak RSS (target < 150 MB) and the
EXPLAIN QUERY PLAN of the fan-out statement as the repository runs it. Target: < 20 ms per event.
Exits 0 either way."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import _common

from feeds.model import Event, NewItem, ShowMatch
from storage.ports import Storage
from storage.sqlite import open_sqlite

SEED = 20240612
TARGET_MS = 20.0
TARGET_RSS_MB = 150.0
EVENTS = list(Event)


@dataclass
class Population:
    """Generated rows: shows, subscriptions, paused chats and guild mutes."""

    shows: list[tuple[object, ...]]
    subscriptions: list[tuple[object, ...]]
    paused: list[tuple[object, ...]]
    mutes: list[tuple[object, ...]]
    counts: dict[str, int]


def generate(*, subscriptions: int, shows: int, rng: random.Random) -> Population:
    """The catalog, subscriptions (Zipf-like show popularity, some wildcard, mixed event filters,
    Telegram users and groups, Discord DMs and channels in guilds), paused chats and guild mutes."""
    now = time.time()
    show_rows: list[tuple[object, ...]] = [(i, f"Show {i}", f"show {i}", now) for i in range(1, shows + 1)]
    cumulative = list(itertools.accumulate(1.0 / rank ** 0.9 for rank in range(1, shows + 1)))  # Zipf-like
    rows: set[tuple[str, str, str, int | None]] = set()
    out: list[tuple[object, ...]] = []
    guilds = [f"g{n}" for n in range(400)]
    scale = max(1, subscriptions // 100_000)  # more subscriptions, more chats
    while len(out) < subscriptions:
        r = rng.random()
        if r < 0.55:
            platform, kind, chat, guild = "telegram", "user", f"{rng.randrange(40_000 * scale)}", None
        elif r < 0.70:
            platform, kind, chat, guild = "telegram", "channel", f"-100{rng.randrange(3_000 * scale)}", None
        elif r < 0.85:
            platform, kind, chat, guild = "discord", "user", f"{10**17 + rng.randrange(15_000 * scale)}", None
        else:
            g = rng.randrange(len(guilds))
            platform, kind, chat, guild = "discord", "channel", f"{2 * 10**17 + g * 10 + rng.randrange(4)}", guilds[g]
        show = None if rng.random() < 0.02 else rng.choices(range(1, shows + 1), cum_weights=cumulative)[0]
        key = (platform, kind, chat, show)
        if key in rows:
            continue
        rows.add(key)
        if rng.random() < 0.5:
            events = int(Event.all())
        else:
            events = 0
            while not events:
                events = sum(int(e) for e in EVENTS if rng.random() < 0.35)
        role = f"r{rng.randrange(50)}" if guild and rng.random() < 0.3 else None
        out.append((platform, kind, chat, guild, chat if kind == "user" else None, role, show, events, now))
    chats = sorted({(p, c) for p, _k, c, _s in rows})
    paused = rng.sample(chats, len(chats) // 50)
    muting = rng.sample(guilds, 20)
    mutes = [("discord", g, 1, now) for g in muting] + [("discord", g, rng.randrange(2, shows), now) for g in guilds[:100]]
    counts = {"subscriptions": len(out), "wildcard": sum(1 for row in out if row[6] is None),
              "of show 1": sum(1 for row in out if row[6] == 1), "chats": len(chats), "paused": len(paused),
              "muting guilds": len(muting)}
    return Population(show_rows, out, [(p, c, "blocked", now) for p, c in paused], list(dict.fromkeys(mutes)), counts)


def seed(path: Path, *, subscriptions: int, shows: int, rng: random.Random) -> dict[str, int]:
    """Bulk-load the generated population into the SQLite file. Returns counts."""
    population = generate(subscriptions=subscriptions, shows=shows, rng=rng)
    conn = sqlite3.connect(path)
    conn.executemany("INSERT INTO shows(id, title, title_key, created_at) VALUES (?, ?, ?, ?)", population.shows)
    conn.executemany(
        "INSERT INTO subscriptions(platform, kind, chat_id, guild_id, user_id, role_id, show_id, events, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", population.subscriptions)
    conn.executemany("INSERT INTO paused_chats(platform, chat_id, reason, paused_at) VALUES (?, ?, ?, ?)",
                     population.paused)
    conn.executemany("INSERT INTO mutes(platform, guild_id, show_id, created_at) VALUES (?, ?, ?, ?)", population.mutes)
    conn.commit()
    conn.close()
    return population.counts


def naive_recipients(conn: sqlite3.Connection, show: int, events: int) -> list[tuple[str, str, str, str | None]]:
    """Everything into Python, then a loop: the baseline."""
    subs = conn.execute("SELECT platform, kind, chat_id, guild_id, role_id, show_id, events FROM subscriptions").fetchall()
    paused = set(conn.execute("SELECT platform, chat_id FROM paused_chats").fetchall())
    mutes = set(conn.execute("SELECT platform, guild_id, show_id FROM mutes").fetchall())
    chosen: dict[tuple[str, str, str], str | None] = {}
    for platform, kind, chat, guild, role, show_id, sub_events in subs:
        if show_id is not None and show_id != show:
            continue
        if not sub_events & events or (platform, chat) in paused or (platform, guild, show) in mutes:
            continue
        key = (platform, kind, chat)
        if key not in chosen or (role is not None and (chosen[key] is None or role > chosen[key])):
            chosen[key] = role
    return [(*key, role) for key, role in chosen.items()]


def naive_enqueue(conn: sqlite3.Connection, item: int, show: int, events: int) -> int:
    recipients = naive_recipients(conn, show, events)
    now = time.time()
    conn.executemany(
        "INSERT INTO outbox(platform, kind, chat_id, role_id, item_id, show_id, status, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT(platform, kind, chat_id, item_id) DO NOTHING",
        [(p, k, c, r, item, show, now) for p, k, c, r in recipients])
    conn.commit()
    return len(recipients)


def add_history(path: Path, past_items: list[int]) -> int:
    """Sent outbox rows for past stories (the outbox keeps sent rows): one per recipient of each."""
    conn = sqlite3.connect(path)
    before = conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
    conn.executemany(
        "INSERT INTO outbox(platform, kind, chat_id, item_id, show_id, status, created_at, sent_at) "
        "SELECT platform, kind, chat_id, ?, ?, 'sent', 0, 0 FROM subscriptions WHERE show_id = ? OR show_id IS NULL "
        "GROUP BY platform, kind, chat_id ON CONFLICT DO NOTHING",
        [(item, 1 + n % 50, 1 + n % 50) for n, item in enumerate(past_items)])
    conn.commit()
    added = conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] - before
    conn.close()
    return added


async def time_fanout(storage: Storage, show: int, event: Event, runs: int, tag: str) -> tuple[int, list[float]]:
    items = await storage.items.insert_items(None, [NewItem(f"Show {show} news", guid=f"{tag}-{show}-{n}")
                                           for n in range(runs)], time.time())
    times: list[float] = []
    added = 0
    for item in items:
        t0 = time.perf_counter()
        added = await storage.outbox.enqueue_for_match(item.id, ShowMatch(show, f"Show {show}", event), time.time())
        times.append(time.perf_counter() - t0)
    return added, times


def ms(times: list[float]) -> str:
    return f"median {statistics.median(times) * 1000:.1f} ms, worst {max(times) * 1000:.1f} ms"


async def run(args: argparse.Namespace) -> None:
    rng = random.Random(SEED)
    popular, middling, event = 1, 200, Event.RENEWAL
    with tempfile.TemporaryDirectory(prefix="showbot-bench-") as tmp:
        path = Path(tmp) / "fanout.db"
        await (await open_sqlite(str(path))).close()  # creates the file with the real migrations
        t0 = time.perf_counter()
        counts = seed(path, subscriptions=args.subscriptions, shows=args.shows, rng=rng)
        print(f"seeded in {time.perf_counter() - t0:.1f} s: {counts}, {args.shows} shows")

        traced: list[str] = []
        storage = await open_sqlite(str(path))
        try:
            await time_fanout(storage, popular, event, 1, "warm")  # page cache and statement cache
            fresh_n, fresh = await time_fanout(storage, popular, event, args.runs, "fresh")
            print(f"outbox.enqueue_for_match(show {popular}, {event.slug}), outbox nearly empty: "
                  f"{fresh_n} recipients, {ms(fresh)} over {len(fresh)} runs")
            past = await storage.items.insert_items(None, [NewItem(f"past {n}", guid=f"past-{n}")
                                                  for n in range(args.history)], time.time())
            t0 = time.perf_counter()
            history = await asyncio.to_thread(add_history, path, [i.id for i in past])
            outbox_rows = sum((await storage.outbox.outbox_counts()).values())
            print(f"  (added {history:,} sent rows for {len(past)} past stories in {time.perf_counter() - t0:.1f} s: "
                  f"{outbox_rows:,} outbox rows)")
            steady_n, steady = await time_fanout(storage, popular, event, args.runs, "steady")
            print(f"outbox.enqueue_for_match(show {popular}, {event.slug}), outbox of {outbox_rows:,} rows: "
                  f"{steady_n} recipients, {ms(steady)} "
                  f"({statistics.median(steady) / max(1, steady_n) * 1e6:.1f} us per recipient)")
            mid_n, mid = await time_fanout(storage, middling, event, args.runs, "mid")
            print(f"  a middling show (show {middling}): {mid_n} recipients, {ms(mid)}")
            select_times: list[float] = []
            found: list[tuple[str, str, str]] = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                found = await storage.audience.recipients_for(popular, event)
                select_times.append(time.perf_counter() - t0)
            print(f"  the same query without the writes (audience.recipients_for): {len(found)} recipients, "
                  f"{ms(select_times)}")
            await storage.db.set_trace_callback(traced.append)  # the statement exactly as storage sends it
            await time_fanout(storage, popular, event, 1, "trace")
            await storage.db.set_trace_callback(None)
            naive_items = await storage.items.insert_items(
                None, [NewItem("naive", guid=f"naive-{n}") for n in range(5)], time.time())
        finally:
            await storage.close()
        rss_bot = _common.peak_rss_mb()

        conn = sqlite3.connect(path)
        naive_times: list[float] = []
        naive_n = 0
        for item in naive_items:
            t0 = time.perf_counter()
            naive_n = naive_enqueue(conn, item.id, popular, int(event))
            naive_times.append(time.perf_counter() - t0)
        print(f"baseline (load every subscription, paused chat and mute, filter in Python, executemany): "
              f"{naive_n} recipients, {ms(naive_times)} over {len(naive_times)} runs")
        if naive_n != steady_n:
            print(f"  note: the baseline found {naive_n} recipients, the repository {steady_n}")
        speedup = _common.ratio(statistics.median(naive_times), statistics.median(steady))
        print(f"ratio: enqueue_for_match is {speedup:.1f}x faster than the baseline (same outbox)")

        fanout_sql = next((q for q in traced if "INSERT INTO outbox" in q), None)
        print("EXPLAIN QUERY PLAN of the fan-out statement:")
        if fanout_sql is None:
            print("  (the fan-out statement was not seen in the trace)")
        else:
            plan = conn.execute("EXPLAIN QUERY PLAN " + fanout_sql).fetchall()
            depth: dict[int, int] = {0: 0}
            for node, parent, _notused, detail in plan:
                depth[node] = depth.get(parent, 0) + 1
                print(f"  {'  ' * (depth[node] - 1)}{detail}")
            details = [d for *_x, d in plan]
            scans = any(d.startswith("SCAN s") or d.startswith("SCAN subscriptions") for d in details)
            uses_index = any("subscriptions_show" in d for d in details)
            print(f"  -> subscriptions: {'full table SCAN' if scans else 'no full scan'}, "
                  f"{'uses' if uses_index else 'does not use'} the subscriptions_show index")
        conn.close()

    rss = _common.peak_rss_mb()
    _common.verdict("fan-out, empty outbox", statistics.median(fresh) * 1000 < TARGET_MS,
                    f"{statistics.median(fresh) * 1000:.1f} ms median for {fresh_n} recipients "
                    f"(target < {TARGET_MS:g} ms)")
    _common.verdict("fan-out, outbox with history", statistics.median(steady) * 1000 < TARGET_MS,
                    f"{statistics.median(steady) * 1000:.1f} ms median for {steady_n} recipients "
                    f"(target < {TARGET_MS:g} ms)")
    _common.verdict("peak RSS", rss < TARGET_RSS_MB,
                    f"{rss:.0f} MB for the whole run ({rss_bot:.0f} MB before the Python-side baseline; "
                    f"target < {TARGET_RSS_MB:g} MB)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=100_000)
    parser.add_argument("--shows", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--history", type=int, default=100, help="past stories whose sent rows fill the outbox")
    args = parser.parse_args(argv)
    _common.header("fan-out")
    asyncio.run(run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""News latency, published -> delivered: WebSub push against polling, side by side.

    python bench/bench_latency.py [--stories N] [--interval SECONDS] [--seed N]

Push (measured, real code end to end): a feed on 127.0.0.1 advertises a WebSub hub (the test
suite's local hub, in a thread); the real ShowBot with its web server and PushSubscriptions
subscribes through it on its first poll. Then, story after story, the hub is handed a new item
at the moment it is "published" and POSTs it, signed, to the bot's callback; latency runs until
the bot's messenger is handed the notification (parse, match, outbox, delivery all included).

Polling (the same code, plus the wait it cannot avoid): the story is published at a uniformly
random moment of the feed's poll cycle, so it waits for the next poll — the cycle is the real
PollSchedule's interval for a feed it knows nothing about (SHOWBOT_POLL_INTERVAL, default 600 s,
±5% jitter) — and then goes through a real poll: fetch, parse, match, outbox and delivery,
measured for each story. A second polling row uses the fastest interval adaptive polling ever
gives a busy feed (the polite minimum, 120 s). Waiting 600 s per story for real would take hours;
the wait is drawn, the work is measured.

Target: pushed stories arrive in seconds (p95 < 5 s). Baseline: polling at the default interval
(the ratio is its p50 over push's). Always exits 0."""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import socket
import statistics
import tempfile
import time
from email.utils import formatdate
from pathlib import Path

import _common

from bot.app import open_web
from bot.config import load_settings
from bot.notifications import Notification, Recipient
from bot.poll_schedule import POLITE_MINIMUM, PollSchedule
from bot.ports import RateLimits
from bot.service import ShowBot
from bot.supervise import Supervisor
from feeds.model import Event
from storage.records import SubscriptionRecord
from tests.support.fake_websub_hub import FakeHub
from tests.support.http_server import LocalServer, Request, Response

FEED_PATH = "/tv.xml"
SHOWS = ("Slow Horses", "Squid Game", "The Bear", "Severance", "Shōgun", "Fallout", "The Last of Us", "Andor")


class TimedMessenger:
    """Notes when each headline is handed over for delivery."""

    platform = "bench"
    limits = RateLimits(per_second=1000.0, private_interval=0.0, group_interval=0.0)

    def __init__(self) -> None:
        self.delivered: dict[str, float] = {}
        self.arrived = asyncio.Event()

    async def send(self, recipient: Recipient, notification: Notification) -> None:
        self.delivered.setdefault(notification.headline, time.perf_counter())
        self.arrived.set()

    async def wait_for(self, headline: str, within: float = 30.0) -> float:
        deadline = time.perf_counter() + within
        while headline not in self.delivered:
            self.arrived.clear()
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"{headline!r} was not delivered within {within:g}s")
            try:
                await asyncio.wait_for(self.arrived.wait(), left)
            except TimeoutError:
                pass
        return self.delivered[headline]


class Feed:
    def __init__(self, hub: str, topic: str) -> None:
        self.hub, self.topic = hub, topic
        self.titles: list[str] = ["Weekend box office: a quiet week for premieres"]

    def body(self) -> bytes:
        items = "".join(
            f"<item><title>{t}</title><link>https://news.example/{n}</link><guid>bench-{n}</guid>"
            f"<pubDate>{formatdate(time.time() - 30 * (len(self.titles) - n))}</pubDate></item>"
            for n, t in enumerate(self.titles))
        return (f'<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
                f'<title>Bench TV</title><atom:link rel="hub" href="{self.hub}"/>'
                f'<atom:link rel="self" href="{self.topic}"/>{items}</channel></rss>').encode()

    def __call__(self, request: Request) -> Response:
        return Response(200, self.body(), {"Content-Type": "application/rss+xml"})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _headline(n: int) -> str:
    return f"{SHOWS[n % len(SHOWS)]} Renewed For Season {n // len(SHOWS) + 2}"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _human(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.0f} s"


async def _measure(stories: int, interval: float, seed: int) -> tuple[list[float], list[float], list[float]]:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as folder, LocalServer() as server, FakeHub(lease_seconds=86400) as hub:
        feed = Feed(hub.url, server.url(FEED_PATH))
        server.routes[FEED_PATH] = feed
        port = _free_port()
        settings = load_settings(env={
            "SHOWBOT_FEEDS": feed.topic, "SHOWBOT_ALLOW_PRIVATE_FEEDS": "1", "SHOWBOT_WEB": f"127.0.0.1:{port}",
            "SHOWBOT_PUBLIC_URL": f"http://127.0.0.1:{port}", "SHOWBOT_POLL_INTERVAL": str(interval),
        }, db=str(Path(folder) / "bench.db"))
        messenger = TimedMessenger()
        async with ShowBot.create(settings) as showbot, open_web(settings, showbot) as side:
            assert side is not None and side.push is not None
            showbot.register(messenger)  # type: ignore[arg-type]
            await showbot.storage.audience.subscribe(
                SubscriptionRecord("bench", "user", "fan", None, Event.all(), user_id="fan"))
            stop = asyncio.Event()
            async with Supervisor() as supervisor:
                side.supervise(supervisor, showbot, stop)
                supervisor.spawn("delivery", lambda: showbot.delivery.run(stop))
                await showbot.poll_once(force=True)  # finds the hub; the bot subscribes
                await asyncio.to_thread(hub.wait_for_subscription, feed.topic, within=20)

                pushed: list[float] = []
                for n in range(stories):
                    headline = _headline(n)
                    feed.titles.append(headline)
                    published = time.perf_counter()
                    statuses = await asyncio.to_thread(hub.publish, feed.topic, feed.body())
                    if statuses != [202]:
                        raise RuntimeError(f"the bot answered the push with {statuses}")
                    pushed.append(await messenger.wait_for(headline) - published)

                work: list[float] = []
                for n in range(stories, 2 * stories):
                    headline = _headline(n)
                    feed.titles.append(headline)
                    started = time.perf_counter()
                    await showbot.poll_once(force=True)
                    work.append(await messenger.wait_for(headline) - started)
                stop.set()
        # the polling wait: published at a random moment of the cycle, seen at the next poll
        cycle = [PollSchedule(interval).after_success(published=[], headers={}, now=0.0, previous=None,
                                                      pushed=False, rng=rng) for _ in work]
        default = [rng.uniform(0, c) + w for c, w in zip(cycle, work, strict=True)]
        fastest = [rng.uniform(0, POLITE_MINIMUM * rng.uniform(0.95, 1.05)) + w for w in work]
        return pushed, default, fastest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stories", type=int, default=40, help="stories per way (default 40)")
    parser.add_argument("--interval", type=float, default=600.0, help="SHOWBOT_POLL_INTERVAL (default 600)")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    _common.header("news latency, published -> delivered: WebSub push vs polling")
    pushed, default, fastest = asyncio.run(_measure(args.stories, args.interval, args.seed))
    rows = [("push (WebSub, measured)", pushed),
            (f"polling every {args.interval:g} s (default)", default),
            (f"polling every {POLITE_MINIMUM:g} s (adaptive, busiest feed)", fastest)]
    print(f"{args.stories} stories each way")
    print(f"{'':46} {'p50':>10} {'p95':>10} {'mean':>10}")
    for name, values in rows:
        print(f"{name:46} {_human(_percentile(values, 0.5)):>10} {_human(_percentile(values, 0.95)):>10} "
              f"{_human(statistics.fmean(values)):>10}")
    p50_push, p95_push = _percentile(pushed, 0.5), _percentile(pushed, 0.95)
    print(f"ratio: polling's p50 is {_common.ratio(_percentile(default, 0.5), p50_push):,.0f}x push's")
    _common.verdict("pushed stories arrive in seconds", p95_push < 5.0, f"p95 {_human(p95_push)} (target < 5 s)")


if __name__ == "__main__":
    main()

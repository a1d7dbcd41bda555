"""Delivery throughput under Telegram's rate limits, through the real Telegram adapter.

    python bench/bench_delivery.py [--private N] [--groups N] [--stories N] [--no-baseline]

A fake Telegram Bot API (aiohttp, a subprocess on 127.0.0.1) enforces the documented limits —
30 messages/s overall, 1 message/s per private chat, 20 messages/min per group — and answers 429
with `retry_after` whenever a request breaks one (a 429 does not count as a sent message). The
real bot.delivery.Delivery drains the real outbox (a temp SQLite file made by ShowBot.create)
through the real bot.adapters.telegram_bot.TelegramAdapter (python-telegram-bot, base_url pointed
at the fake): 2 stories x (300 private chats + 5 groups) = 610 notifications.

Reported: throughput as % of the 30 msg/s limit (target >= 90%) and the 429s caused (target 0).
Baseline: the same adapter with the limiter switched off (limits set to "unlimited"), sending as
fast as possible; Delivery still obeys each 429's retry_after. Exits 0 either way.

The fake allows 50 ms of jitter on the per-chat interval (requests leave the bot through a
connection pool, so two sends scheduled exactly 1 s apart can arrive 0.99 s apart); the 30/s and
20/min windows are exact."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import sys
import tempfile
import time
from collections import deque
from pathlib import Path
from typing import Any

import _common
import httpx

from bot.adapters.telegram_bot import TelegramAdapter
from bot.config import Settings
from bot.delivery import Delivery
from bot.ports import RateLimits
from bot.ratelimit import RateLimiter
from bot.service import ShowBot
from feeds.model import Event, NewItem, ShowMatch
from storage.records import SubscriptionRecord

TOKEN = "4242:BENCH"
GLOBAL_PER_SECOND = 30
PRIVATE_INTERVAL = 1.0
GROUP_PER_MINUTE = 20
JITTER = 0.05
TARGET_SHARE = 0.90
UNLIMITED = RateLimits(per_second=1e9, private_interval=0.0, group_interval=0.0)


# -- the fake Bot API (runs in a subprocess) -------------------------------------------------------
def serve() -> None:
    from aiohttp import web

    state: dict[str, Any] = {}

    def reset() -> None:
        state.update(sent=0, first=None, last=None, too_many={"global": 0, "private": 0, "group": 0},
                     window=deque(), private={}, groups={}, max_in_second=0)

    reset()
    message_ids = iter(range(1, 10**9))

    def ok(result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    def too_many(kind: str, retry_after: float) -> web.Response:
        state["too_many"][kind] += 1
        seconds = max(1, math.ceil(retry_after))
        return web.json_response({"ok": False, "error_code": 429, "description": f"Too Many Requests: retry after {seconds}",
                                  "parameters": {"retry_after": seconds}}, status=429)

    async def send_message(params: dict[str, str]) -> web.Response:
        now = time.monotonic()
        chat = params.get("chat_id", "")
        group = chat.startswith("-")
        window: deque[float] = state["window"]
        while window and window[0] <= now - 1.0:
            window.popleft()
        if len(window) >= GLOBAL_PER_SECOND:
            return too_many("global", window[0] + 1.0 - now)
        if group:
            sent: deque[float] = state["groups"].setdefault(chat, deque())
            while sent and sent[0] <= now - 60.0:
                sent.popleft()
            if len(sent) >= GROUP_PER_MINUTE:
                return too_many("group", sent[0] + 60.0 - now)
            sent.append(now)
        else:
            last = state["private"].get(chat)
            if last is not None and now - last < PRIVATE_INTERVAL - JITTER:
                return too_many("private", last + PRIVATE_INTERVAL - now)
            state["private"][chat] = now
        window.append(now)
        state["max_in_second"] = max(state["max_in_second"], len(window))
        state["sent"] += 1
        state["first"] = state["first"] or now
        state["last"] = now
        chat_obj = {"id": int(chat), "type": "supergroup", "title": "Group"} if group else \
            {"id": int(chat), "type": "private", "first_name": "Ann"}
        return ok({"message_id": next(message_ids), "date": int(time.time()), "chat": chat_obj,
                   "text": params.get("text", "")})

    async def bot_method(request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        if request.content_type == "application/json":
            params = {k: str(v) for k, v in (await request.json()).items()}
        else:
            params = {k: str(v) for k, v in (await request.post()).items()}
        if method == "getMe":
            return ok({"id": 4242, "is_bot": True, "first_name": "Bench", "username": "bench_bot",
                       "can_join_groups": True, "can_read_all_group_messages": False,
                       "supports_inline_queries": False})
        if method == "getUpdates":
            await asyncio.sleep(min(1.0, float(params.get("timeout", 0) or 0)))
            return ok([])
        if method == "sendMessage":
            return await send_message(params)
        return ok(True)  # deleteWebhook, setMyCommands, close, …

    async def control(request: web.Request) -> web.StreamResponse:
        snapshot = {k: state[k] for k in ("sent", "too_many", "max_in_second")}
        snapshot["span"] = (state["last"] - state["first"]) if state["first"] is not None else 0.0
        if "reset" in request.query:
            reset()
        return web.json_response(snapshot)

    async def main() -> None:
        app = web.Application()
        app.router.add_post(f"/bot{TOKEN}/{{method}}", bot_method)
        app.router.add_get("/_control", control)
        await _common.serve_until_stdin_closes(app)

    asyncio.run(main())


# -- the benchmark ---------------------------------------------------------------------------------
class FakeBotAPI(_common.ServerProcess):
    def __init__(self) -> None:
        super().__init__(__file__)

    async def control(self, *, reset: bool = False) -> dict[str, Any]:
        async with httpx.AsyncClient(trust_env=False) as client:
            response = await client.get(f"{self.base}/_control", params={"reset": 1} if reset else {})
        return json.loads(response.text)



async def enqueue(showbot: ShowBot, show_id: int, show: str, stories: int, tag: str) -> int:
    storage = showbot.storage
    items = await storage.items.insert_items(None, [NewItem(f"{show} renewed for season {n + 2}", guid=f"{tag}-{n}",
                                                   link=f"https://example.org/{tag}/{n}")
                                           for n in range(stories)], time.time())
    queued = 0
    for item in items:
        match = ShowMatch(show_id, show, Event.RENEWAL, (item.id % 5 + 2,), "bench")
        await storage.items.save_matches(item.id, [match])
        queued += await storage.outbox.enqueue_for_match(item.id, match, time.time())
    return queued


async def drain(showbot: ShowBot, adapter: TelegramAdapter, fake: FakeBotAPI, label: str, queued: int) -> dict[str, Any]:
    delivery = Delivery(showbot.storage, {adapter.platform: adapter})
    await fake.control(reset=True)
    t0 = time.perf_counter()
    report = await delivery.deliver_due()
    elapsed = time.perf_counter() - t0
    stats = await fake.control()
    rate = report.sent / elapsed
    too_many = stats["too_many"]
    print(f"{label}: {report.sent}/{queued} sent in {elapsed:.1f} s = {rate:.1f} msg/s "
          f"({rate / GLOBAL_PER_SECOND:.0%} of {GLOBAL_PER_SECOND}/s); 429s caused: {sum(too_many.values())} "
          f"({too_many['global']} global, {too_many['private']} per-chat, {too_many['group']} group); "
          f"busiest second at the API: {stats['max_in_second']} messages; retried {report.retried}, "
          f"failed {report.failed}")
    return {"rate": rate, "too_many": sum(too_many.values()), "sent": report.sent}


async def run(args: argparse.Namespace, fake: FakeBotAPI) -> None:
    with tempfile.TemporaryDirectory(prefix="showbot-bench-") as tmp:
        settings = Settings(db=str(Path(tmp) / "delivery.db"), feeds=("bundled:tv-trade.xml",),
                            telegram_token=TOKEN, telegram_base_url=f"{fake.base}/bot")
        async with ShowBot.create(settings) as showbot:
            show = (await showbot.storage.catalog.shows())[0]
            for n in range(args.private):
                await showbot.storage.audience.subscribe(SubscriptionRecord("telegram", "user", str(10_000 + n), show.id,
                                                                Event.all(), user_id=str(10_000 + n)))
            for n in range(args.groups):
                await showbot.storage.audience.subscribe(SubscriptionRecord("telegram", "channel", f"-100{500 + n}", show.id,
                                                                Event.all()))
            adapter = TelegramAdapter(settings, showbot)
            await adapter.start()
            try:
                queued = await enqueue(showbot, show.id, show.title, args.stories, "limited")
                print(f"{queued} notifications pending: {args.stories} stories x ({args.private} private chats + "
                      f"{args.groups} groups); adapter limits {adapter.limits}")
                limited = await drain(showbot, adapter, fake, "with the limiter", queued)
                baseline = None
                if not args.no_baseline:
                    await asyncio.sleep(PRIVATE_INTERVAL)  # let the per-chat windows pass
                    queued = await enqueue(showbot, show.id, show.title, args.stories, "baseline")
                    adapter.limits = UNLIMITED  # type: ignore[misc]  # this instance only: no limiter
                    adapter.rate_limiter = RateLimiter(UNLIMITED)  # the one delivery shares with replies
                    baseline = await drain(showbot, adapter, fake, "baseline, limiter off", queued)
            finally:
                await adapter.stop()
    share = limited["rate"] / GLOBAL_PER_SECOND
    if baseline is not None:
        print(f"ratio: the limiter sends at {_common.ratio(limited['rate'], baseline['rate']):.2f}x the baseline's "
              f"rate and causes {limited['too_many']} 429s against the baseline's {baseline['too_many']}")
    _common.verdict("throughput", share >= TARGET_SHARE,
                    f"{share:.0%} of the {GLOBAL_PER_SECOND} msg/s limit (target >= {TARGET_SHARE:.0%})")
    _common.verdict("429s", limited["too_many"] == 0, f"{limited['too_many']} (target 0)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--private", type=int, default=300)
    parser.add_argument("--groups", type=int, default=5)
    parser.add_argument("--stories", type=int, default=2)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve()
        return 0
    logging.basicConfig(level=logging.ERROR)
    _common.header("delivery")
    fake = FakeBotAPI()
    try:
        asyncio.run(run(args, fake))
    finally:
        fake.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

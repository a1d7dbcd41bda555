"""News by push, in one process: a feed on 127.0.0.1 advertises a local hub; the bot subscribes,
the hub verifies, and what the hub pushes reaches a subscriber without another poll."""

from __future__ import annotations

import asyncio
import time
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from email.utils import formatdate

import aiohttp
import pytest

from bot.adapters.web.app import build_app
from bot.adapters.web.context import CONTEXT, WebContext
from bot.adapters.web.server import WebServer
from bot.commands import Caller, Commands
from bot.config import load_settings
from bot.metrics import stored_counts
from bot.notifications import Notification, Recipient
from bot.ports import RateLimits
from bot.push_subscriptions import RETRY_FAILED_AFTER, PushSubscriptions
from bot.service import ShowBot
from feeds.websub import HubClient
from storage.ports import PushStore
from storage.records import PushState, PushSubscription
from tests.support.fake_websub_hub import FakeHub
from tests.support.http_server import LocalServer, Request, Response

FEED_PATH = "/tv.xml"
OLD = "Weekend box office: a quiet week for premieres"
NEWS = "‘Slow Horses’ Renewed For Season 6 At Apple TV+"


def rss(hub: str | None, self_url: str, *titles: str) -> bytes:
    links = f'<atom:link rel="self" href="{self_url}"/>' + (f'<atom:link rel="hub" href="{hub}"/>' if hub else "")
    items = "".join(
        f"<item><title>{t}</title><link>https://example.com/{zlib.crc32(t.encode())}</link>"
        f"<pubDate>{formatdate(time.time() - 60 * n)}</pubDate></item>" for n, t in enumerate(titles, 1))
    return (f'<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
            f"<title>TV Wire</title>{links}{items}</channel></rss>").encode()


class FakeMessenger:
    platform = "fake"
    limits = RateLimits(per_second=1000.0, private_interval=0.0, group_interval=0.0)

    def __init__(self) -> None:
        self.sent: list[tuple[Recipient, Notification]] = []
        self.arrived = asyncio.Event()

    async def send(self, recipient: Recipient, notification: Notification) -> None:
        self.sent.append((recipient, notification))
        self.arrived.set()


@dataclass
class Feed:
    body: bytes
    fetches: int = 0

    def __call__(self, request: Request) -> Response:
        self.fetches += 1
        return Response(200, self.body, {"Content-Type": "application/rss+xml"})


@dataclass
class World:
    showbot: ShowBot
    push: PushSubscriptions
    store: PushStore
    hub: FakeHub
    feed: Feed
    feed_url: str
    messenger: FakeMessenger
    web: WebServer


@pytest.fixture
async def world(server: LocalServer, db_path: str) -> AsyncIterator[World]:
    with FakeHub() as hub:
        feed_url = server.url(FEED_PATH)
        feed = Feed(rss(hub.url, feed_url, OLD))
        server.routes[FEED_PATH] = feed
        settings = load_settings(env={"SHOWBOT_FEEDS": feed_url, "SHOWBOT_ALLOW_PRIVATE_FEEDS": "1"}, db=db_path)
        async with ShowBot.create(settings) as showbot, HubClient(allow_private=True) as hubs:
            store = showbot.storage.push
            messenger = FakeMessenger()
            showbot.register(messenger)  # type: ignore[arg-type]
            await Commands(showbot).run(Caller("fake", "u1", "u1"), "subscribe", show="Slow Horses")
            context = WebContext(settings, showbot.health, showbot.metrics, lambda: stored_counts(showbot.storage))
            # the callback base is only known once the server listens (port 0)
            app = build_app(context)
            async with WebServer(app, "127.0.0.1", 0) as web:
                push = PushSubscriptions(store, showbot.storage.feeds, showbot.poller, showbot.fetcher, hubs,
                                         callback_base=web.url)
                push.on_ingested = lambda report: showbot.delivery.notify()
                object.__setattr__(context, "push", push)
                showbot.poller.fetch_listeners.append(push.feed_fetched)
                await push.load()
                yield World(showbot, push, store, hub, feed, feed_url, messenger, web)
                await push.drain()


async def _rows(world: World) -> dict[int, PushSubscription]:
    return {s.feed_id: s for s in await world.store.push_subscriptions()}


async def _subscribed(world: World) -> PushSubscription:
    await world.showbot.poll_once(force=True)
    await world.push.drain()
    await asyncio.to_thread(world.hub.wait_for_subscription, world.feed_url)
    [sub] = (await _rows(world)).values()
    return sub


async def test_a_pushed_story_is_delivered_without_a_poll(world: World) -> None:
    sub = await _subscribed(world)
    assert sub.state is PushState.ACTIVE and sub.secret and sub.lease_seconds == 3600
    [feed] = await world.showbot.storage.feeds.all()
    assert feed.id in world.showbot.poller.pushed
    await world.showbot.poll_once(force=True)  # from its next poll on, the feed is polled slowly
    [feed] = await world.showbot.storage.feeds.all()
    assert feed.next_poll_at - time.time() > 0.9 * world.showbot.poller.schedule.slowest
    assert world.feed.fetches == 2

    deliver = asyncio.ensure_future(world.showbot.delivery.run(stop := asyncio.Event()))
    try:
        statuses = await asyncio.to_thread(world.hub.publish, world.feed_url,
                                           rss(world.hub.url, world.feed_url, NEWS, OLD))
        assert statuses == [202]
        await asyncio.wait_for(world.messenger.arrived.wait(), 10)
    finally:
        stop.set()
        await deliver
    [(recipient, notification)] = world.messenger.sent
    assert recipient.chat_id == "u1" and notification.headline == NEWS
    assert world.feed.fetches == 2, "the story came by push, not by a poll"
    assert (await _rows(world))[feed.id].last_push_at is not None


@pytest.mark.parametrize("secret", ["not-the-secret", ""])
async def test_a_bad_signature_is_refused(world: World, secret: str) -> None:
    await _subscribed(world)
    statuses = await asyncio.to_thread(world.hub.publish, world.feed_url,
                                       rss(world.hub.url, world.feed_url, NEWS, OLD), secret=secret)
    await world.push.drain()
    assert statuses == [403]
    assert await world.showbot.storage.outbox.outbox_counts() == {}
    latest = await world.showbot.storage.catalog.find_shows("Slow Horses")
    assert not await world.showbot.storage.items.latest_for_show(latest[0].id)


async def test_every_signature_method_is_accepted(world: World) -> None:
    await _subscribed(world)
    for n, method in enumerate(("sha1", "sha384", "sha512")):
        statuses = await asyncio.to_thread(world.hub.publish, world.feed_url,
                                           rss(world.hub.url, world.feed_url, f"Story {n}", OLD), method=method)
        assert statuses == [202]


async def test_unknown_callbacks_and_malformed_verifications(world: World) -> None:
    await _subscribed(world)
    sub = next(iter((await _rows(world)).values()))
    async with aiohttp.ClientSession() as client:
        async with client.post(world.web.url + "/websub/nope", data=b"<rss/>") as response:
            assert response.status == 410
        async with client.get(world.web.url + "/websub/" + sub.callback_id,
                              params={"hub.mode": "subscribe", "hub.topic": "https://other.example/",
                                      "hub.challenge": "x"}) as response:
            assert response.status == 404  # a topic we never asked this callback for
        async with client.get(world.web.url + "/websub/" + sub.callback_id,
                              params={"hub.mode": "subscribe"}) as response:
            assert response.status == 400
        async with client.get(world.web.url + "/websub/" + sub.callback_id,
                              params={"hub.mode": "unsubscribe", "hub.topic": sub.topic,
                                      "hub.challenge": "x"}) as response:
            assert response.status == 404  # we did not ask to unsubscribe: a forged request is refused
    assert (await _rows(world))[sub.feed_id].state is PushState.ACTIVE


async def test_an_unsigned_push_only_makes_the_bot_fetch_the_feed(world: World) -> None:
    sub = await _subscribed(world)
    await world.push._save(replace(sub, secret=None))  # as with a plain-http hub: no secret was given
    world.feed.body = rss(world.hub.url, world.feed_url, NEWS, OLD)
    statuses = await asyncio.to_thread(world.hub.publish, world.feed_url, rss(None, world.feed_url, "Forged story"))
    await world.push.drain()
    assert statuses == [202]
    assert world.feed.fetches == 2  # fetched from its own URL
    titles = [n.title for n in await world.showbot.storage.items.latest_for_show(
        (await world.showbot.storage.catalog.find_shows("Slow Horses"))[0].id)]
    assert titles == [NEWS]


async def test_a_feed_that_drops_its_hub_is_unsubscribed(world: World) -> None:
    await _subscribed(world)
    world.feed.body = rss(None, world.feed_url, OLD)
    await world.showbot.poll_once(force=True)
    await world.push.drain()
    await asyncio.to_thread(world.hub.wait_for_unsubscribe, world.feed_url)
    assert await _rows(world) == {}
    assert not world.showbot.poller.pushed


async def test_leases_are_renewed_with_the_same_secret(world: World) -> None:
    sub = await _subscribed(world)
    await world.push._save(replace(sub, renew_at=time.time() - 1))
    await world.push.maintain()
    await world.push.drain()
    renewal = world.hub.requests[-1]
    assert renewal["hub.mode"] == "subscribe" and renewal["hub.secret"] == sub.secret
    assert renewal["hub.callback"].endswith(sub.callback_id)
    [feed] = await world.showbot.storage.feeds.all()
    assert feed.id in world.showbot.poller.pushed  # still pushed while the renewal is verified


async def test_a_refusing_hub_is_retried_only_much_later(world: World) -> None:
    world.hub.refuse = True
    await world.showbot.poll_once(force=True)
    await world.push.drain()
    [sub] = (await _rows(world)).values()
    assert sub.state is PushState.FAILED and "accepts no subscriptions" in (sub.last_error or "")
    asked = len(world.hub.requests)
    await world.showbot.poll_once(force=True)
    await world.push.drain()
    assert len(world.hub.requests) == asked  # not asked again at every poll
    await world.push._save(replace(sub, requested_at=time.time() - RETRY_FAILED_AFTER - 1))
    world.hub.refuse = False
    await world.showbot.poll_once(force=True)
    await world.push.drain()
    await asyncio.to_thread(world.hub.wait_for_subscription, world.feed_url)
    assert next(iter((await _rows(world)).values())).state is PushState.ACTIVE


async def test_a_denied_subscription_goes_back_to_polling(world: World) -> None:
    sub = await _subscribed(world)
    async with aiohttp.ClientSession() as client, \
            client.get(world.web.url + "/websub/" + sub.callback_id,
                       params={"hub.mode": "denied", "hub.topic": sub.topic, "hub.reason": "quota"}) as response:
        assert response.status == 200
    assert (await _rows(world))[sub.feed_id].state is PushState.DENIED
    assert not world.showbot.poller.pushed
    statuses = await asyncio.to_thread(world.hub.publish, world.feed_url, rss(None, world.feed_url, NEWS))
    assert statuses == [410]


async def test_a_new_public_address_subscribes_again(world: World) -> None:
    sub = await _subscribed(world)
    meta = world.showbot.storage.meta
    await meta.set_meta("websub_callback_base", world.push.callback_base)
    moved = PushSubscriptions(world.store, world.showbot.storage.feeds, world.showbot.poller, world.showbot.fetcher,
                              world.push._hubs, callback_base="http://127.0.0.1:9/new", meta=meta)
    asked = len(world.hub.requests)
    await moved.load()
    await moved.maintain()
    await moved.drain()
    [renewal] = world.hub.requests[asked:]
    assert renewal["hub.callback"] == "http://127.0.0.1:9/new/websub/" + sub.callback_id
    assert await meta.get_meta("websub_callback_base") == moved.callback_base


class FakeLeadership:
    def __init__(self, leading: bool) -> None:
        self.leading = leading

    async def try_lead(self, role: str) -> bool:
        return self.leading

    async def release_lead(self, role: str) -> None:
        self.leading = False


async def test_several_workers_share_the_subscriptions_through_storage(world: World) -> None:
    """Worker B subscribes; the hub's verification and pushes reach worker A's web server, which
    reads the subscription from storage; only the worker holding the WebSub leadership renews."""
    showbot = world.showbot
    a, b = (PushSubscriptions(world.store, showbot.storage.feeds, showbot.poller, showbot.fetcher, world.push._hubs,
                              callback_base=world.web.url, coordination=FakeLeadership(leading))
            for leading in (True, False))
    object.__setattr__(world.web._app[CONTEXT], "push", a)  # the hub calls A
    showbot.poller.fetch_listeners[:] = [b.feed_fetched]  # B polls the feed
    a.on_ingested = b.on_ingested = lambda report: showbot.delivery.notify()
    await showbot.poll_once(force=True)
    await b.drain()
    await asyncio.to_thread(world.hub.wait_for_subscription, world.feed_url)
    [sub] = (await _rows(world)).values()
    assert sub.state is PushState.ACTIVE  # verified by A, though B asked
    statuses = await asyncio.to_thread(world.hub.publish, world.feed_url,
                                       rss(world.hub.url, world.feed_url, NEWS, OLD))
    await a.drain()
    assert statuses == [202]
    assert await showbot.storage.outbox.outbox_counts()
    await world.store.save_push_subscription(replace(sub, renew_at=time.time() - 1))
    asked = len(world.hub.requests)
    await b.maintain()
    await b.drain()
    assert len(world.hub.requests) == asked  # B does not lead: no renewal from it
    await a.maintain()
    await a.drain()
    assert world.hub.requests[asked:][0]["hub.callback"].endswith(sub.callback_id)

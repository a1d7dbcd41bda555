"""News by push: the bot's WebSub subscriptions, kept alongside polling.

A polled feed that advertises a hub is subscribed to (when SHOWBOT_PUBLIC_URL says where hubs can
reach us). The hub verifies our intent with a GET to the callback; from then on it POSTs new
content there, which goes through the same parse → match → fan-out path as a poll (Poller.ingest)
within seconds, and the feed is polled only as a slow fallback. Leases are renewed before they
run out; a feed that stops advertising its hub, or is removed, is unsubscribed.

Pushed content is trusted only when it is signed (X-Hub-Signature, HMAC under the secret we gave
the hub, which we only give over https): an unsigned push to a known callback is taken as a hint
and the feed is fetched from its own URL instead.

    subscriptions = PushSubscriptions(store, feeds, poller, fetcher, hubs, callback_base=public_url)
    poller.fetch_listeners.append(subscriptions.feed_fetched)
    await subscriptions.run(stop)                       # renewals, retries, unsubscribes
    subscriptions.verify(callback_id, verification)     # the hub's GET
    await subscriptions.receive(callback_id, body, headers)   # the hub's POST"""

from __future__ import annotations

import asyncio
import enum
import logging
import time
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import replace
from typing import Any, Protocol

from bot.poller import Poller
from feeds.fetch import FeedFetcher, FetchStatus
from feeds.model import FeedRecord
from feeds.websub import (
    SIGNATURE_HEADER,
    HubClient,
    Mode,
    SubscriptionRequest,
    Verification,
    WebSubLinks,
    check_signature,
    discover,
    may_send_secret,
    new_callback_id,
    new_secret,
    renew_at,
)
from storage.ports import PushStore
from storage.records import PushState, PushSubscription

_log = logging.getLogger(__name__)

CALLBACK_PATH = "/websub/"
CALLBACK_BASE_KEY = "websub_callback_base"
LEADER_ROLE = "websub"  # with several workers, the one that renews leases and unsubscribes  # meta: the address hubs were given, to notice when it changes
RETRY_FAILED_AFTER = 6 * 3600.0  # a hub that refused or never verified is asked again after this
VERIFY_WITHIN = 3600.0  # a request the hub never verified counts as failed after this
RENEW_CHECK_INTERVAL = 60.0


class MetaLookup(Protocol):
    async def get_meta(self, key: str) -> str | None: ...

    async def set_meta(self, key: str, value: str) -> None: ...


class Leadership(Protocol):
    async def try_lead(self, role: str) -> bool: ...

    async def release_lead(self, role: str) -> None: ...


class FeedLookup(Protocol):
    async def feed_by_url(self, url: str) -> FeedRecord | None: ...


class PushOutcome(enum.Enum):
    INGESTED = "ingested"  # signed content: taken in
    FETCHING = "fetching"  # unsigned: the feed is fetched from its own URL
    BAD_SIGNATURE = "bad_signature"  # refused
    UNKNOWN = "unknown"  # no such callback (or no longer subscribed)


class PushSubscriptions:
    def __init__(
        self, store: PushStore, feeds: FeedLookup, poller: Poller, fetcher: FeedFetcher, hubs: HubClient, *,
        callback_base: str, meta: MetaLookup | None = None, coordination: Leadership | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._feeds = feeds
        self._poller = poller
        self._fetcher = fetcher
        self._hubs = hubs
        self.callback_base = callback_base.rstrip("/") + CALLBACK_PATH
        self._clock = clock
        self._meta = meta
        self._coordination = coordination  # set when several workers share the database
        self._known: dict[int, PushSubscription] = {}
        self._busy: set[int] = set()  # feeds with a hub request in flight
        self._tasks: set[asyncio.Task[Any]] = set()
        self.on_ingested: Callable[[Any], None] | None = None  # e.g. metrics and waking delivery

    # -- lifecycle ---------------------------------------------------------------------------
    async def load(self) -> None:
        """Read the stored subscriptions; active ones mark their feeds as pushed (polled slowly)."""
        now = self._clock()
        self._known = {s.feed_id: s for s in await self._store.push_subscriptions()}
        if self._meta is not None:
            previous = await self._meta.get_meta(CALLBACK_BASE_KEY)
            if previous is not None and previous != self.callback_base:
                await self._moved(previous, now)
            if previous != self.callback_base:
                await self._meta.set_meta(CALLBACK_BASE_KEY, self.callback_base)
        self._refresh_pushed(now)
        if self._known:
            _log.info("WebSub: %d subscriptions (%d active)", len(self._known), len(self._poller.pushed))

    async def _moved(self, previous: str, now: float) -> None:
        """SHOWBOT_PUBLIC_URL changed: hubs push to the old address. Every subscription asks its hub
        again with the new one (the old leases run out on their own)."""
        _log.info("WebSub: the callback address moved from %s to %s; subscribing again", previous, self.callback_base)
        for sub in list(self._known.values()):
            if sub.state is PushState.ACTIVE:
                await self._save(replace(sub, renew_at=now))
            elif sub.state is not PushState.UNSUBSCRIBING:  # asked again at the feed's next fetch
                await self._save(replace(sub, state=PushState.FAILED, requested_at=0.0,
                                         last_error="the bot's public address changed"))

    async def run(self, stop: asyncio.Event) -> None:
        """Renew leases, retry failures, notice expiries, until `stop` is set."""
        await self.load()
        while not stop.is_set():
            try:
                await self.maintain()
            except Exception:
                _log.exception("WebSub maintenance failed; retrying")
            try:
                await asyncio.wait_for(stop.wait(), timeout=RENEW_CHECK_INTERVAL)
            except TimeoutError:
                pass
        await self.drain()
        if self._coordination is not None:
            await self._coordination.release_lead(LEADER_ROLE)

    async def drain(self) -> None:
        """Wait for the hub requests and pushed content in flight."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _spawn(self, coroutine: Coroutine[Any, Any, object], what: str) -> None:
        async def guarded() -> None:
            try:
                await coroutine
            except Exception:
                _log.exception("WebSub: %s failed", what)

        task = asyncio.get_running_loop().create_task(guarded())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- discovery (a poller fetch listener) -----------------------------------------------------
    def feed_fetched(self, feed: FeedRecord, result: Any) -> None:
        """After each successful fetch: subscribe when the feed advertises a hub we are not yet
        subscribed through; unsubscribe when it stops advertising one."""
        links = discover(result.body, result.headers, url=feed.url)
        current = self._known.get(feed.id)
        if feed.id in self._busy or (links is None and current is None):
            return
        if self._coordination is not None:  # several workers: another may have acted; decide on what is stored
            self._busy.add(feed.id)
            self._spawn(self._consider_stored(feed, links), f"WebSub state of {feed.url}")
            return
        self._consider(feed, links, current)

    async def _consider_stored(self, feed: FeedRecord, links: WebSubLinks | None) -> None:
        try:
            stored = next((s for s in await self._store.push_subscriptions() if s.feed_id == feed.id), None)
        finally:
            self._busy.discard(feed.id)
        if stored is None:
            self._known.pop(feed.id, None)
        else:
            self._known[feed.id] = stored
        self._consider(feed, links, stored)

    def _consider(self, feed: FeedRecord, links: WebSubLinks | None, current: PushSubscription | None) -> None:
        if links is None:
            if current is not None and current.state in (PushState.ACTIVE, PushState.REQUESTED):
                self._busy.add(feed.id)
                self._spawn(self._unsubscribe(current, "the feed no longer advertises a hub"), f"unsubscribe {feed.url}")
            return
        if current is not None and current.hub in links.hubs and current.topic == links.topic:
            now = self._clock()
            if current.state is PushState.ACTIVE and _live(current, now):
                return
            if current.state is PushState.REQUESTED and now - current.requested_at < VERIFY_WITHIN:
                return
            if current.state in (PushState.FAILED, PushState.DENIED) and now - current.requested_at < RETRY_FAILED_AFTER:
                return
        self._busy.add(feed.id)
        self._spawn(self._subscribe(feed, links, current), f"subscribe {feed.url}")

    async def _subscribe(self, feed: FeedRecord, links: WebSubLinks, current: PushSubscription | None) -> None:
        try:
            hub = current.hub if current is not None and current.hub in links.hubs else links.hubs[0]
            secret: str | None = None
            if may_send_secret(hub, allow_private=self._hubs.allow_private):
                # a renewal keeps its secret: the hub signs with the old one until it has verified
                same_hub = current is not None and current.hub == hub and current.secret
                secret = current.secret if same_hub and current is not None else new_secret()
            callback_id = current.callback_id if current is not None else new_callback_id()
            sub = PushSubscription(feed.id, feed.url, hub, links.topic, callback_id, secret, PushState.REQUESTED,
                                   self._clock(), last_push_at=current.last_push_at if current else None)
            if current is not None and current.state is PushState.ACTIVE:  # a renewal: the old lease still runs
                sub = replace(sub, lease_seconds=current.lease_seconds, expires_at=current.expires_at)
            await self._save(sub)  # stored before asking: the hub may verify before it even answers
            answer = await self._hubs.request(hub, SubscriptionRequest(
                Mode.SUBSCRIBE, links.topic, self.callback_base + callback_id, secret))
            if not answer.accepted:
                _log.warning("WebSub: hub %s refused %s: %s", hub, links.topic, answer.detail or answer.status)
                stored = self._known.get(feed.id, sub)
                if stored.callback_id == sub.callback_id and stored.state is PushState.REQUESTED:
                    await self._save(replace(stored, state=PushState.FAILED,
                                             last_error=(answer.detail or f"HTTP {answer.status}")[:500]))
            else:
                _log.info("WebSub: asked %s for %s; waiting for its verification", hub, links.topic)
        finally:
            self._busy.discard(feed.id)

    async def _unsubscribe(self, sub: PushSubscription, why: str) -> None:
        try:
            _log.info("WebSub: unsubscribing %s (%s)", sub.topic, why)
            self._poller.pushed.discard(sub.feed_id)
            await self._save(replace(sub, state=PushState.UNSUBSCRIBING))
            answer = await self._hubs.request(sub.hub, SubscriptionRequest(
                Mode.UNSUBSCRIBE, sub.topic, self.callback_base + sub.callback_id))
            if not answer.accepted:  # the lease will run out on its own; pushes meanwhile are refused
                await self._forget(sub.feed_id)
        finally:
            self._busy.discard(sub.feed_id)

    # -- the hub calls back ------------------------------------------------------------------------
    async def verify(self, callback_id: str, verification: Verification) -> str | None:
        """The hub's GET. The challenge to echo (200), or None to refuse (404): we never asked for this."""
        sub = await self._by_callback(callback_id)
        if sub is None or sub.topic != verification.topic:
            return None
        now = self._clock()
        if verification.mode is Mode.SUBSCRIBE:
            if sub.state not in (PushState.REQUESTED, PushState.ACTIVE):
                return None
            lease = verification.lease_seconds
            await self._save(replace(sub, state=PushState.ACTIVE, lease_seconds=lease,
                                     expires_at=now + lease if lease else None, renew_at=renew_at(now, lease),
                                     last_error=None))
            self._poller.pushed.add(sub.feed_id)
            _log.info("WebSub: %s is pushed by %s now (lease %s s)", sub.topic, sub.hub, lease or "open-ended")
            return verification.challenge
        if verification.mode is Mode.UNSUBSCRIBE:
            if sub.state is not PushState.UNSUBSCRIBING:
                return None
            await self._forget(sub.feed_id)
            return verification.challenge
        # denied: the hub refused, or ended a subscription; polling carries on at its usual pace
        _log.warning("WebSub: hub %s denied %s: %s", sub.hub, sub.topic, verification.reason or "no reason given")
        self._poller.pushed.discard(sub.feed_id)
        await self._save(replace(sub, state=PushState.DENIED, last_error=verification.reason or "denied by the hub"))
        return ""

    async def receive(self, callback_id: str, body: bytes, headers: Mapping[str, str]) -> PushOutcome:
        """The hub's POST of new content. Signed content is taken in (in the background: the hub gets
        its answer at once); unsigned content makes us fetch the feed ourselves."""
        sub = await self._by_callback(callback_id)
        if sub is None or sub.state not in (PushState.ACTIVE, PushState.REQUESTED):
            return PushOutcome.UNKNOWN
        signature = next((v for k, v in headers.items() if k.lower() == SIGNATURE_HEADER.lower()), None)
        if sub.secret is not None:
            if not check_signature(sub.secret, body, signature):
                _log.warning("WebSub: a push for %s with a bad or missing signature was refused", sub.topic)
                return PushOutcome.BAD_SIGNATURE
            self._spawn(self._take_in(sub, body, dict(headers)), f"pushed content for {sub.topic}")
            return PushOutcome.INGESTED
        self._spawn(self._fetch_and_take_in(sub), f"fetching {sub.feed_url} after a push")
        return PushOutcome.FETCHING

    async def _take_in(self, sub: PushSubscription, body: bytes, headers: dict[str, str]) -> None:
        feed = await self._feeds.feed_by_url(sub.feed_url)
        if feed is None:
            return
        kept = {k.lower(): v for k, v in headers.items() if k.lower() in ("content-type", "content-language")}
        report = await self._poller.ingest(feed, body, kept)
        await self._save(replace(self._known.get(sub.feed_id, sub), last_push_at=self._clock()))
        _log.info("WebSub: push for %s: %d new items, %d notifications", sub.topic, report.new_items,
                  report.notifications)
        if self.on_ingested is not None:
            self.on_ingested(report)

    async def _fetch_and_take_in(self, sub: PushSubscription) -> None:
        feed = await self._feeds.feed_by_url(sub.feed_url)
        if feed is None:
            return
        result = await self._fetcher.fetch(feed.url, etag=feed.etag, last_modified=feed.last_modified)
        if result.status is FetchStatus.OK:
            await self._take_in(sub, result.body, result.headers)

    # -- upkeep ------------------------------------------------------------------------------------
    async def maintain(self) -> None:
        """Renew leases that are due, give up on requests never verified, drop removed feeds. With
        several workers, each reads the stored subscriptions (which feeds are pushed) and the one
        holding the WebSub leadership does the upkeep."""
        now = self._clock()
        if self._coordination is not None:
            self._known = {s.feed_id: s for s in await self._store.push_subscriptions()}
            if not await self._coordination.try_lead(LEADER_ROLE):
                self._refresh_pushed(now)
                return
        for sub in list(self._known.values()):
            if sub.feed_id in self._busy:
                continue
            if await self._feeds.feed_by_url(sub.feed_url) is None:
                self._busy.add(sub.feed_id)
                self._spawn(self._unsubscribe(sub, "the feed was removed"), f"unsubscribe {sub.feed_url}")
                continue
            if sub.state is PushState.ACTIVE and sub.renew_at is not None and sub.renew_at <= now:
                feed = await self._feeds.feed_by_url(sub.feed_url)
                if feed is not None:
                    self._busy.add(sub.feed_id)
                    self._spawn(self._subscribe(feed, WebSubLinks((sub.hub,), sub.topic), sub),
                                f"renew {sub.feed_url}")
            elif sub.state is PushState.REQUESTED and now - sub.requested_at > VERIFY_WITHIN:
                await self._save(replace(sub, state=PushState.FAILED, last_error="the hub never verified the request"))
        self._refresh_pushed(now)

    def _refresh_pushed(self, now: float) -> None:
        """The feeds polled only as a fallback: those with a lease running (verified, or being renewed)."""
        self._poller.pushed.clear()
        self._poller.pushed.update(s.feed_id for s in self._known.values() if _live(s, now))

    async def _by_callback(self, callback_id: str) -> PushSubscription | None:
        """The subscription of a callback. With several workers, storage is asked: another worker
        may have made or changed it."""
        if self._coordination is None:
            return next((s for s in self._known.values() if s.callback_id == callback_id), None)
        stored = await self._store.push_subscription(callback_id)
        if stored is not None:
            self._known[stored.feed_id] = stored
        return stored

    async def _save(self, sub: PushSubscription) -> None:
        await self._store.save_push_subscription(sub)
        self._known[sub.feed_id] = sub

    async def _forget(self, feed_id: int) -> None:
        await self._store.delete_push_subscription(feed_id)
        self._known.pop(feed_id, None)
        self._poller.pushed.discard(feed_id)

    def status(self) -> list[PushSubscription]:
        return sorted(self._known.values(), key=lambda s: s.feed_url)


def _live(sub: PushSubscription, now: float) -> bool:
    """A lease runs: verified and not expired, or being renewed while the old lease lasts."""
    if sub.state is PushState.ACTIVE:
        return sub.expires_at is None or sub.expires_at > now
    return sub.state is PushState.REQUESTED and sub.expires_at is not None and sub.expires_at > now

"""The platform-neutral core: keeps the catalog, matcher, feeds, poller and delivery together.

    async with ShowBot.create(settings) as showbot:
        await showbot.run_once()          # one poll cycle + delivery, then return
        await showbot.run(stop_event)     # poll on the interval and deliver until stopped

It never imports a chat platform: adapters register themselves as Messengers."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import TracebackType

from bot.config import Settings
from bot.delivery import BATCH as DELIVERY_BATCH
from bot.delivery import SHARED_BATCH as SHARED_DELIVERY_BATCH
from bot.delivery import Delivery, DeliveryReport
from bot.health import Health, StorageProbe
from bot.metrics import Metrics
from bot.panel_auth import PanelAuth
from bot.poll_schedule import PollSchedule
from bot.poller import SHARED_BATCH, SINGLE_WORKER_BATCH, Poller, PollReport, spread_offset
from bot.ports import Messenger
from bot.preferences import Preferences
from bot.supervise import Supervisor
from feeds.fetch import FeedFetcher, FetchLimits, bundled_feed_urls
from feeds.model import Event
from feeds.tvmaze import TvmazeClient
from feeds.understand.matcher import Matcher
from feeds.urls import normalise_url
from storage import open_storage
from storage.ports import Storage
from storage.records import SubscriptionRecord

_log = logging.getLogger(__name__)

CONSOLE_PLATFORM = "console"
CONSOLE_CHAT = "local"
INITIAL_SPREAD_CAP = 120.0  # first polls after start are spread over at most two minutes
HOUSEKEEPING_INTERVAL = 3600.0
LIVENESS_INTERVAL = 300.0  # how often the liveness line is logged
OUTBOX_RETENTION = 30 * 86400  # delivered or failed notifications are kept this long, for /stats


def health_stale_after(poll_interval: float) -> float:
    """How long without one successful feed fetch before /healthz says unhealthy: two of the slowest
    adaptive polls (a quiet feed, or one whose news comes by push), so no feed's long interval ever
    reads as an outage."""
    return 2 * PollSchedule(poll_interval).slowest + 300.0


def worker_name() -> str:
    """host:pid:random — unique among the processes running the bot on one database."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class CatalogFormatError(ValueError):
    """A catalog file is not {"shows": [{"title": ..., "aliases": [...]}]}."""


def read_catalog(source: str | Path | bytes) -> list[tuple[str, list[str]]]:
    """Read a catalog JSON file (or bytes): {"shows": [{"title": ..., "aliases": [...]}]}."""
    try:
        raw = source if isinstance(source, bytes) else Path(source).read_bytes()
        data = json.loads(raw)
    except FileNotFoundError:
        raise CatalogFormatError(f"catalog file {source!s} does not exist") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CatalogFormatError(f"catalog is not valid JSON: {exc}") from None
    shows = data.get("shows") if isinstance(data, dict) else None
    if not isinstance(shows, list):
        raise CatalogFormatError('catalog must be an object with a "shows" list')
    out: list[tuple[str, list[str]]] = []
    for n, entry in enumerate(shows, 1):
        title = entry.get("title") if isinstance(entry, dict) else None
        aliases = entry.get("aliases", []) if isinstance(entry, dict) else None
        if not isinstance(title, str) or not title.strip():
            raise CatalogFormatError(f"show #{n} has no title")
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise CatalogFormatError(f"show #{n} ({title!r}): aliases must be a list of strings")
        out.append((title.strip(), [a.strip() for a in aliases if a.strip()]))
    return out


def bundled_catalog() -> list[tuple[str, list[str]]]:
    return read_catalog(resources.files("bot").joinpath("data", "catalog.json").read_bytes())


async def ensure_bundled_catalog(storage: Storage) -> None:
    """A database with no shows yet starts from the bundled catalog (also when its first use is
    `showbot catalog import`: the imported shows come on top of the bundled ones)."""
    if await storage.catalog.show_count() == 0:
        count = await storage.catalog.import_catalog(bundled_catalog())
        _log.info("imported the bundled catalog: %d shows", count)


@dataclass(slots=True)
class CycleReport:
    poll: PollReport
    delivery: DeliveryReport


class ShowBot:
    def __init__(
        self, settings: Settings, storage: Storage, fetcher: FeedFetcher, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.settings = settings
        self.storage = storage
        self.fetcher = fetcher
        self._clock = clock
        self._matcher = Matcher([])
        self._catalog_version: tuple[int, int] | None = None
        self.metrics = Metrics()
        self.health = Health(StorageProbe(storage), stale_after=health_stale_after(settings.poll_interval), clock=clock)
        # several workers on one database share the work under this name (feed leases, chat claims)
        self.worker = worker_name()
        shared = storage.several_workers
        self.delivery = Delivery(storage, {}, clock=clock, metrics=self.metrics, worker=self.worker,
                                 shared_slots=shared, lease=settings.worker_lease,
                                 batch=SHARED_DELIVERY_BATCH if shared else DELIVERY_BATCH)
        self.poller = Poller(storage, fetcher, lambda: self._matcher, interval=settings.poll_interval, clock=clock,
                             worker=self.worker, batch=SHARED_BATCH if shared else SINGLE_WORKER_BATCH,
                             lease=settings.worker_lease)
        self.panel_auth = PanelAuth(storage.panel, clock=clock)
        self.preferences = Preferences(storage.preferences)  # each chat's language and time zone
        self.tvmaze: TvmazeClient | None = None  # shows the catalog lacks, looked up (SHOWBOT_TVMAZE)
        self.web_url: str | None = None  # where the web server is reached, once it listens (panel links)
        self._poll_now = asyncio.Event()
        self.last_poll_at: float | None = None  # the end of the last poll cycle that did not fail
        self.liveness_interval = LIVENESS_INTERVAL

    # -- lifecycle ---------------------------------------------------------------------------
    @classmethod
    def create(cls, settings: Settings, *, fetch_limits: FetchLimits | None = None,
               exclusive: bool = True) -> _ShowBotContext:
        """Open storage and the HTTP client, prepare the bot. `exclusive`: this process polls and delivers,
        so a second one on the same single-process database is refused (StorageLocked)."""
        return _ShowBotContext(settings, fetch_limits, exclusive=exclusive)

    async def prepare(self) -> None:
        """Catalog, feeds and the console subscriber, as the settings ask."""
        await ensure_bundled_catalog(self.storage)
        if self.settings.catalog:
            count = await self.storage.catalog.import_catalog(read_catalog(self.settings.catalog))
            _log.info("imported %d shows from %s", count, self.settings.catalog)
        await self.refresh_matcher()
        urls = list(dict.fromkeys(normalise_url(u) for u in self.settings.feed_urls(bundled_feed_urls())))
        now = self._clock()
        spread = min(self.settings.poll_interval, INITIAL_SPREAD_CAP)
        added, removed = await self.storage.feeds.sync_config_feeds(urls, [now + spread_offset(u, spread) for u in urls])
        if added or removed:
            _log.info("feeds: %d configured (%d added, %d removed)", len(urls), added, removed)
        if self.settings.use_console:
            await self._ensure_console_subscriber()

    async def _ensure_console_subscriber(self) -> None:
        """On the embedded default the local console user follows every show, once: if they later
        unsubscribe in `showbot chat`, that choice is kept."""
        if await self.storage.meta.get_meta("console_default") is not None:
            return
        await self.storage.audience.subscribe(SubscriptionRecord(CONSOLE_PLATFORM, "user", CONSOLE_CHAT, None, Event.all(),
                                                     user_id=CONSOLE_CHAT))
        await self.storage.meta.set_meta("console_default", "subscribed to every show")

    def register(self, messenger: Messenger) -> None:
        self.delivery.add_messenger(messenger)

    async def chat_alive(self, platform: str, *chat_ids: str) -> bool:
        """The one hook adapters call on any sign of life from a chat (a command, a message, a button,
        an interaction): a chat paused after a 403 is resumed and what it held is delivered at once."""
        return await self.delivery.chat_alive(platform, chat_ids)

    # -- the catalog -------------------------------------------------------------------------
    def now(self) -> float:
        """The bot's clock (UTC seconds): tests pass a fake one."""
        return self._clock()

    @property
    def matcher(self) -> Matcher:
        return self._matcher

    async def refresh_matcher(self) -> bool:
        """Rebuild the matcher when the catalog has changed. True when it was rebuilt."""
        version = await self.storage.catalog.catalog_version()
        if version == self._catalog_version:
            return False
        shows = await self.storage.catalog.shows()
        self._matcher = await asyncio.to_thread(Matcher, shows)
        self._catalog_version = version
        _log.info("matcher ready: %d shows, %d aliases", len(shows), self._matcher.index.alias_count)
        return True

    # -- running -----------------------------------------------------------------------------
    async def poll_once(self, *, force: bool = False, stop: asyncio.Event | None = None) -> PollReport:
        await self.refresh_matcher()
        started = time.perf_counter()
        report = await self.poller.poll(force=force, stop=stop)
        self.metrics.poll_cycle(report, time.perf_counter() - started)
        if report.notifications:
            self.delivery.notify()
        return report

    async def run_once(self) -> CycleReport:
        """Poll every feed now, deliver everything due, return."""
        poll = await self.poll_once(force=True)
        delivery = await self.delivery.deliver_due()
        if self.delivery.unwritten:
            await self.delivery.write_unwritten()
        return CycleReport(poll, delivery)

    def poll_soon(self) -> None:
        self._poll_now.set()

    async def run(self, stop: asyncio.Event, *, supervisor: Supervisor | None = None) -> None:
        """Poll on the interval and deliver, until `stop` is set. Each loop (poll, delivery,
        housekeeping, liveness) runs under `supervisor` (one of its own if none is given): a failing
        loop is logged and restarted with backoff; none takes the others down."""
        async with contextlib.AsyncExitStack() as stack:
            if supervisor is None:
                supervisor = await stack.enter_async_context(Supervisor())
            supervisor.spawn("poll", lambda: self._poll_loop(stop))
            supervisor.spawn("delivery", lambda: self.delivery.run(stop))
            supervisor.spawn("housekeeping", lambda: self._housekeeping_loop(stop))
            supervisor.spawn("liveness", lambda: self._liveness_loop(stop, supervisor))
            for name in ("poll", "delivery"):  # /healthz: alive while supervised (restarts included)
                self.health.watch(name, supervisor.task(name))
            await stop.wait()

    async def _poll_loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            report = await self.poll_once(stop=stop)
            self.last_poll_at = self._clock()
            if report.feeds:
                _log.info("poll: %s", report)
            next_due = await self.storage.feeds.next_feed_due_at()
            held = self.poller.held_until
            if next_due is not None and held is not None and next_due <= self._clock():
                next_due = held  # what is still due now is a feed held back in memory (its failure unwritable)
            timeout = 30.0 if next_due is None else min(30.0, max(0.5, next_due - self._clock()))
            self._poll_now.clear()
            await _first_of(stop, self._poll_now, within=timeout)

    async def _housekeeping_loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.housekeeping()
            await _first_of(stop, within=HOUSEKEEPING_INTERVAL)

    async def housekeeping(self) -> None:
        """Forget delivered notifications older than the retention period (the items themselves
        stay, so a story a feed serves again is still recognised and never re-sent)."""
        removed = await self.storage.outbox.prune_outbox(older_than=self._clock() - OUTBOX_RETENTION)
        if removed:
            _log.info("housekeeping: %d delivered notifications older than %d days removed", removed,
                      OUTBOX_RETENTION // 86400)
        await self.panel_auth.prune()

    def pushed(self, report: PollReport) -> None:
        """News that came by WebSub push was stored: count it and deliver it now."""
        self.metrics.poll_cycle(report, 0.0, pushed=True)
        if report.notifications:
            self.delivery.notify()

    async def _liveness_loop(self, stop: asyncio.Event, supervisor: Supervisor) -> None:
        while not stop.is_set():
            await _first_of(stop, within=self.liveness_interval)
            if not stop.is_set():
                _log.info("%s", await self.liveness(supervisor))

    async def liveness(self, supervisor: Supervisor) -> str:
        """One line: which loops are alive, the age of the last successful poll, the outbox depth."""
        if self.last_poll_at is None:
            polled = "no successful poll yet"
        else:
            polled = f"last successful poll {max(0.0, self._clock() - self.last_poll_at):.0f}s ago"
        try:
            counts = await self.storage.outbox.outbox_counts()
            outbox = f"outbox {counts.get('pending', 0)} pending, {counts.get('held', 0)} held"
        except Exception as exc:  # the line is most wanted when the database is in trouble
            outbox = f"outbox unknown ({type(exc).__name__}: {exc})"
        platforms = ", ".join(self.delivery.platforms) or "none"
        return f"liveness: {supervisor.describe()}; platforms: {platforms}; {polled}; {outbox}"


async def _first_of(*events: asyncio.Event, within: float) -> None:
    """Wait until one of `events` is set, or `within` seconds have passed."""
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=within, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


class _ShowBotContext:
    """Opens storage and the HTTP client, prepares the bot; closes both on exit."""

    def __init__(self, settings: Settings, fetch_limits: FetchLimits | None, *, exclusive: bool) -> None:
        self._settings = settings
        self._limits = fetch_limits
        self._storage_cm = open_storage(settings.storage_target, exclusive=exclusive)
        self._fetcher: FeedFetcher | None = None
        self._showbot: ShowBot | None = None

    async def __aenter__(self) -> ShowBot:
        storage = await self._storage_cm.__aenter__()
        try:
            self._fetcher = FeedFetcher(limits=self._limits, allow_private=self._settings.allow_private_feeds)
            showbot = ShowBot(self._settings, storage, self._fetcher)
            if self._settings.tvmaze:
                showbot.tvmaze = TvmazeClient(self._settings.tvmaze_url)
            self._showbot = showbot
            await showbot.prepare()
        except BaseException:
            if self._fetcher is not None:
                await self._fetcher.aclose()
            if self._showbot is not None and self._showbot.tvmaze is not None:
                await self._showbot.tvmaze.aclose()
            await self._storage_cm.__aexit__(None, None, None)
            raise
        return showbot

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if self._showbot is not None:
                self._showbot.poller.close()
                if self._showbot.tvmaze is not None:
                    await self._showbot.tvmaze.aclose()
            if self._fetcher is not None:
                await self._fetcher.aclose()
        finally:
            await self._storage_cm.__aexit__(exc_type, exc, tb)

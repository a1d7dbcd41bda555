"""Delivery: the outbox drained to the platforms, once per recipient, never lost.

Fan-out writes one outbox row per recipient *before* anything is sent; this loop sends a row and
only then marks it sent. A crash between the two resends that one row on restart (at most one
duplicate per recipient; Discord sends carry the row's nonce). Each chat's rows go in order, one
chat at a time; chats go in parallel under the platform's rate limits.

  429  -> wait `retry_after`, then resend the same row (the chat, or everyone, is slowed down)
  5xx, timeouts -> exponential backoff with jitter, resend later, forever (capped at 30 minutes)
  403  -> the chat is paused: its rows are held, its subscriptions skipped, moderators see it
  400  -> the row is marked failed with the platform's reason (retrying the same message can't help)"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from bot.metrics import NO_METRICS, MetricsSink
from bot.notifications import Notification, Recipient
from bot.ports import ChatUnavailable, Messenger, PermanentFailure, RetryLater, TemporaryFailure
from bot.ratelimit import RateLimiter
from storage.ports import Storage
from storage.records import OutboxEntry

_log = logging.getLogger(__name__)

BACKOFF_BASE = 5.0
BACKOFF_CAP = 1800.0
MAX_INLINE_RETRY_AFTER = 60.0  # a longer 429 wait is rescheduled instead of slept through
BATCH = 500
CLAIM_LEASE = 120.0  # a worker that dies mid-delivery loses its chats to the others after this long


@dataclass(slots=True)
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    paused_chats: list[str] = field(default_factory=list)

    def add(self, other: DeliveryReport) -> None:
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed
        self.paused_chats.extend(other.paused_chats)


def backoff_delay(attempts: int, *, rng: random.Random | None = None) -> float:
    """Exponential backoff with full jitter: 5s, 10s, 20s … capped at 30 minutes."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** max(0, attempts)))
    return (rng or random).uniform(ceiling / 2, ceiling)


class Delivery:
    def __init__(
        self, storage: Storage, messengers: Mapping[str, Messenger], *, clock: Callable[[], float] = time.time,
        concurrency: int = 64, metrics: MetricsSink = NO_METRICS, worker: str = "local", shared_slots: bool = False,
        lease: float = CLAIM_LEASE,
    ) -> None:
        self._storage = storage
        self.worker = worker  # whose chat claims these are: several workers on one database split the chats
        self._shared_slots = shared_slots  # other workers send too: each platform's global rate is shared
        self.lease = lease  # a chat claim lasts this long unless renewed: a dead worker's chats go after it
        self.metrics = metrics
        self._messengers = dict(messengers)
        self._limiters = {name: RateLimiter(m.limits) for name, m in self._messengers.items()}
        self._clock = clock
        self._concurrency = concurrency
        self._wake = asyncio.Event()

    @property
    def platforms(self) -> list[str]:
        return sorted(self._messengers)

    def add_messenger(self, messenger: Messenger) -> None:
        self._messengers[messenger.platform] = messenger
        self._limiters[messenger.platform] = RateLimiter(messenger.limits)

    def notify(self) -> None:
        """New rows are in the outbox: wake the loop."""
        self._wake.set()

    async def deliver_due(self, stop: asyncio.Event | None = None) -> DeliveryReport:
        """Send every row that is due now. Returns when they are all sent or rescheduled — or, once
        `stop` is set, as soon as the sends in flight are done: the rest stay pending for the next start."""
        report = DeliveryReport()
        try:
            while stop is None or not stop.is_set():
                rows = await self._storage.outbox.claim_outbox(
                    now=self._clock(), platforms=self.platforms, worker=self.worker, lease=self.lease, limit=BATCH)
                if not rows:
                    return report
                report.add(await self._deliver_claimed(rows, stop))
                if len(rows) < BATCH:
                    return report
            return report
        finally:
            await self._release_claims()

    async def _deliver_claimed(self, rows: list[OutboxEntry], stop: asyncio.Event | None) -> DeliveryReport:
        """Deliver, keeping the chats' claims alive while it takes (429 waits, per-chat pacing)."""
        renewer = asyncio.create_task(self._renew_claims())
        try:
            return await self._deliver_rows(rows, stop)
        finally:
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewer

    async def _renew_claims(self) -> None:
        while True:
            await asyncio.sleep(self.lease / 3)
            try:
                await self._storage.outbox.renew_outbox_claims(worker=self.worker, now=self._clock(), lease=self.lease)
            except Exception as exc:  # the claims may run out: then at most the row in flight goes twice
                _log.warning("could not renew the chat claims (%s: %s)", type(exc).__name__, exc)

    async def _release_claims(self) -> None:
        """Hand the chats back; another worker takes one no sooner than its per-chat interval allows."""
        intervals = [max(m.limits.private_interval, m.limits.group_interval) for m in self._messengers.values()]
        try:
            await self._storage.outbox.release_outbox(worker=self.worker, now=self._clock(),
                                                      cooldown=max(intervals, default=0.0))
        except Exception as exc:  # they run out on their own
            _log.warning("could not release the chat claims (%s: %s)", type(exc).__name__, exc)

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver as rows become due, until `stop` is set. A database error ends the pass; the
        supervisor (bot/supervise.py) logs it and starts the loop again after a backoff."""
        while not stop.is_set():
            await self.deliver_due(stop)
            if stop.is_set():
                return
            next_due = await self._storage.outbox.next_outbox_due_at(self.platforms)
            timeout = 60.0 if next_due is None else min(60.0, max(0.05, next_due - self._clock()))
            self._wake.clear()
            waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
            _done, pending = await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()

    async def _shared_slot(self, platform: str, messenger: Messenger, stop: asyncio.Event | None) -> bool:
        """Wait for a send slot shared with every worker (the platform's global limit holds for all of them
        together). False when `stop` was set meanwhile."""
        delay = await self._storage.coordination.reserve_slot(f"send:{platform}",
                                                              interval=1.0 / messenger.limits.per_second)
        if delay > 0:
            if stop is None:
                await asyncio.sleep(delay)
            else:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
        return stop is None or not stop.is_set()

    async def _deliver_rows(self, rows: list[OutboxEntry], stop: asyncio.Event | None = None) -> DeliveryReport:
        by_chat: OrderedDict[tuple[str, str, str], list[OutboxEntry]] = OrderedDict()
        for row in rows:
            by_chat.setdefault((row.platform, row.kind, row.chat_id), []).append(row)
        semaphore = asyncio.Semaphore(self._concurrency)
        reports = [DeliveryReport() for _ in by_chat]

        async def chat_worker(key: tuple[str, str, str], chat_rows: list[OutboxEntry], report: DeliveryReport) -> None:
            async with semaphore:
                await self._deliver_chat(key, chat_rows, report, stop)

        async with asyncio.TaskGroup() as group:
            for (key, chat_rows), report in zip(by_chat.items(), reports, strict=True):
                group.create_task(chat_worker(key, chat_rows, report))
        total = DeliveryReport()
        for report in reports:
            total.add(report)
        return total

    async def _deliver_chat(self, key: tuple[str, str, str], rows: list[OutboxEntry], report: DeliveryReport,
                            stop: asyncio.Event | None = None) -> None:
        platform, kind, chat_id = key
        messenger = self._messengers[platform]
        limiter = self._limiters[platform]
        chat_key = f"{kind}:{chat_id}"
        for row in rows:
            recipient = Recipient(platform, kind, chat_id, row.role_id)
            notification = Notification.from_outbox(row)
            while True:
                if stop is not None and stop.is_set():
                    return  # shutting down: this row and the chat's later ones stay pending
                if not await limiter.acquire(chat_key, group=kind == "channel", stop=stop):
                    return
                if self._shared_slots and not await self._shared_slot(platform, messenger, stop):
                    return
                try:
                    await messenger.send(recipient, notification)
                except RetryLater as exc:
                    self.metrics.rate_limited(platform)
                    limiter.penalise(chat_key, exc.retry_after)
                    if exc.retry_after <= MAX_INLINE_RETRY_AFTER:
                        _log.info("%s asked to wait %.1fs before %s", platform, exc.retry_after, chat_key)
                        continue  # resend the same row once the wait is over: order kept
                    await self._storage.outbox.mark_retry(
                        row.id, error=f"rate limited: {exc}", next_attempt_at=self._clock() + exc.retry_after)
                    report.retried += 1
                    return  # the chat's later rows wait behind this one
                except ChatUnavailable as exc:
                    _log.warning("%s chat %s unavailable (%s): pausing it", platform, chat_id, exc)
                    await self._storage.audience.pause_chat(platform, chat_id, str(exc) or "forbidden")
                    report.paused_chats.append(f"{platform}:{chat_id}")
                    self.metrics.chat_paused(platform)
                    return
                except PermanentFailure as exc:
                    _log.error("%s refused notification %d for %s: %s", platform, row.id, chat_id, exc)
                    await self._storage.outbox.mark_failed(row.id, error=str(exc) or "rejected")
                    report.failed += 1
                    self.metrics.delivery_failed(platform)
                    break
                except (TemporaryFailure, TimeoutError, OSError) as exc:
                    delay = backoff_delay(row.attempts)
                    _log.warning("%s send to %s failed (%s); retry in %.0fs", platform, chat_id, exc, delay)
                    await self._storage.outbox.mark_retry(
                        row.id, error=str(exc) or type(exc).__name__, next_attempt_at=self._clock() + delay)
                    report.retried += 1
                    return
                except Exception as exc:  # an adapter bug must not lose the row or stop the others
                    delay = backoff_delay(row.attempts)
                    _log.exception("unexpected error sending notification %d to %s", row.id, chat_id)
                    await self._storage.outbox.mark_retry(
                        row.id, error=f"{type(exc).__name__}: {exc}", next_attempt_at=self._clock() + delay)
                    report.retried += 1
                    return
                else:
                    await self._storage.outbox.mark_sent(row.id, self._clock())
                    report.sent += 1
                    self.metrics.delivered(platform, row.published_at, self._clock())
                    break

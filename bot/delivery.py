"""Delivery: the outbox drained to the platforms, once per recipient, never lost.

Fan-out writes one outbox row per recipient *before* anything is sent; this loop sends a row and
only then marks it sent. A crash between the two resends that one row on restart (at most one
duplicate per recipient; Discord sends carry the row's nonce). Each chat's rows go in order, one
chat at a time; chats go in parallel under the platform's rate limits.

  429  -> wait `retry_after`, then resend the same row (the chat, or everyone, is slowed down)
  5xx, timeouts -> exponential backoff with jitter, resend later, forever (capped at 30 minutes)
  403  -> the chat is paused: its rows are held (news that comes meanwhile too), moderators see it;
          any sign of life from the chat (a command, a message, a button, an interaction: the
          adapter calls `chat_alive`) resumes it and delivers what it held at once
  400  -> the row is marked failed with the platform's reason (retrying the same message can't help)

What the platform answered is recorded after the answer; when that write fails (disk full), the
answer is kept in memory (bot/unwritten.py) and the write retried with backoff: a message the
platform accepted is never sent again because its row could not be marked."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

from bot.metrics import NO_METRICS, MetricsSink
from bot.notifications import Notification, Recipient
from bot.ports import (
    ChatUnavailable,
    Messenger,
    PacedMessenger,
    PermanentFailure,
    RetryLater,
    TemporaryFailure,
)
from bot.ratelimit import RateLimiter
from bot.unwritten import Outcome, OutcomeKind, Pause, UnwrittenOutcomes, write_outcome
from storage.ports import Storage
from storage.records import OutboxEntry

_log = logging.getLogger(__name__)

BACKOFF_BASE = 5.0
BACKOFF_CAP = 1800.0
MAX_INLINE_RETRY_AFTER = 60.0  # a longer global 429 wait is rescheduled instead of slept through
MAX_INLINE_CHAT_WAIT = 5.0  # a chat's own longer wait is rescheduled: a delivery pass never waits on one chat
BATCH = 500
SHARED_BATCH = 100  # with other workers delivering too
CLAIM_LEASE = 120.0  # a worker that dies mid-delivery loses its chats to the others after this long
# Workers' sends leave their slots a little late at times (a busy loop, the network), and late sends
# bunch up: the shared rate keeps 10% below the platform's figure so a bunch still stays under it.
SHARED_RATE_MARGIN = 0.9
LATE_SLOT = 0.05  # seconds past its shared slot a send may still go
LATE_SLOT_RETRIES = 3
PAUSED_REFRESH = 60.0  # seconds the known paused chats are trusted before storage is asked again
FINAL_WRITE_TRIES = 3  # at a stop, unrecorded outcomes get this many more tries


@dataclass(slots=True)
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    paused_chats: list[str] = field(default_factory=list)
    attempted: int = field(default=0, compare=False)  # rows this pass tried to send

    def add(self, other: DeliveryReport) -> None:
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed
        self.paused_chats.extend(other.paused_chats)
        self.attempted += other.attempted


def _limiter_of(messenger: Messenger) -> RateLimiter:
    """The messenger's own limiter when it has one (its replies then share the same pacing)."""
    return messenger.rate_limiter if isinstance(messenger, PacedMessenger) else RateLimiter(messenger.limits)


def backoff_delay(attempts: int, *, rng: random.Random | None = None) -> float:
    """Exponential backoff with full jitter: 5s, 10s, 20s … capped at 30 minutes."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** max(0, attempts)))
    return (rng or random).uniform(ceiling / 2, ceiling)


class Delivery:
    def __init__(
        self, storage: Storage, messengers: Mapping[str, Messenger], *, clock: Callable[[], float] = time.time,
        concurrency: int = 64, metrics: MetricsSink = NO_METRICS, worker: str = "local", shared_slots: bool = False,
        lease: float = CLAIM_LEASE, batch: int = BATCH,
    ) -> None:
        self._storage = storage
        self.worker = worker  # whose chat claims these are: several workers on one database split the chats
        self._shared_slots = shared_slots  # other workers send too: each platform's global rate is shared
        self.lease = lease  # a chat claim lasts this long unless renewed: a dead worker's chats go after it
        self.batch = batch  # rows claimed at a time: fewer with other workers, so the chats spread over them
        self.metrics = metrics
        self._messengers = dict(messengers)
        self._limiters = {name: _limiter_of(m) for name, m in self._messengers.items()}
        self._clock = clock
        self._concurrency = concurrency
        self._wake = asyncio.Event()
        self.unwritten = UnwrittenOutcomes()
        self._paused: set[tuple[str, str]] | None = None  # (platform, chat id) paused after a 403
        self._paused_read_at = 0.0

    @property
    def platforms(self) -> list[str]:
        return sorted(self._messengers)

    def add_messenger(self, messenger: Messenger) -> None:
        self._messengers[messenger.platform] = messenger
        self._limiters[messenger.platform] = _limiter_of(messenger)

    def notify(self) -> None:
        """New rows are in the outbox: wake the loop."""
        self._wake.set()

    # -- a chat that talks to the bot again ---------------------------------------------------
    async def chat_alive(self, platform: str, chat_ids: Sequence[str]) -> bool:
        """A sign of life from these chats (any command, message, button or interaction): a chat a
        403 paused is resumed, and what it held is delivered at once. Cheap when nothing is paused
        (a set lookup); never raises (the adapter still has to answer). True when one was resumed."""
        resumed = False
        try:
            paused = await self._paused_chats()
            for chat_id in dict.fromkeys(chat_ids):
                key = (platform, chat_id)
                if key not in paused and not self.unwritten.paused(platform, chat_id):
                    continue
                self.unwritten.forget_pause(platform, chat_id)
                await self._storage.audience.resume_chat(platform, chat_id)
                paused.discard(key)
                resumed = True
                _log.info("%s chat %s is back; resumed, delivering what it held", platform, chat_id)
        except Exception as exc:
            _log.warning("could not resume %s chat(s) %s (%s: %s); the next sign of life will try again",
                         platform, ", ".join(chat_ids), type(exc).__name__, exc)
            self._paused = None
        if resumed:
            self.notify()
        return resumed

    async def _paused_chats(self) -> set[tuple[str, str]]:
        now = time.monotonic()
        if self._paused is None or now - self._paused_read_at > PAUSED_REFRESH:
            rows = await self._storage.audience.paused_chats()
            self._paused = {(platform, chat_id) for platform, chat_id, _reason, _at in rows}
            self._paused_read_at = now
        return self._paused

    async def _pause(self, platform: str, chat_id: str, reason: str) -> None:
        try:
            await self._storage.audience.pause_chat(platform, chat_id, reason)
        except Exception as exc:
            _log.warning("could not record that %s chat %s is paused (%s: %s); kept in memory", platform,
                         chat_id, type(exc).__name__, exc)
            self.unwritten.keep_pause(Pause(platform, chat_id, reason), self._clock())
        if self._paused is not None:
            self._paused.add((platform, chat_id))

    # -- passes ------------------------------------------------------------------------------
    async def deliver_due(self, stop: asyncio.Event | None = None) -> DeliveryReport:
        """Send every row that is due now. Returns when they are all sent or rescheduled — or, once
        `stop` is set, as soon as the sends in flight are done: the rest stay pending for the next start."""
        report = DeliveryReport()
        await self.unwritten.write(self._storage, self._clock())
        try:
            while stop is None or not stop.is_set():
                rows = await self._storage.outbox.claim_outbox(
                    now=self._clock(), platforms=self.platforms, worker=self.worker, lease=self.lease, limit=self.batch)
                if not rows:
                    return report
                batch = await self._deliver_claimed(rows, stop)
                report.add(batch)
                if len(rows) < self.batch or not batch.attempted:  # (a full batch of rows kept back: no busy loop)
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

    async def write_unwritten(self) -> bool:
        """A last try at recording what the platforms answered (at a stop, after `run --once`).
        True when nothing is left; otherwise says what a restart will send again."""
        for attempt in range(FINAL_WRITE_TRIES):
            if await self.unwritten.write(self._storage, self._clock(), force=True):
                return True
            await asyncio.sleep(0.2 * (attempt + 1))
        _log.error("delivery: %d outcome(s) could not be recorded; after a restart those messages may be "
                   "sent once more", len(self.unwritten))
        return False

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver as rows become due, until `stop` is set. A database error ends the pass; the
        supervisor (bot/supervise.py) logs it and starts the loop again after a backoff."""
        try:
            await self._run(stop)
        finally:
            if stop.is_set() and self.unwritten:
                await self.write_unwritten()

    async def _run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            report = await self.deliver_due(stop)
            if stop.is_set():
                return
            next_due = await self._storage.outbox.next_outbox_due_at(self.platforms)
            if self.unwritten and (next_due is None or not report.attempted or self.unwritten.next_write_at < next_due):
                # what is due may be rows kept back until their outcome is written: try that next
                next_due = self.unwritten.next_write_at
            timeout = 60.0 if next_due is None else min(60.0, max(0.05, next_due - self._clock()))
            self._wake.clear()
            waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
            _done, pending = await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()

    async def _shared_slot(self, platform: str, messenger: Messenger, stop: asyncio.Event | None) -> bool:
        """Wait for a send slot shared with every worker (the platform's global limit holds for all of them
        together). A slot this worker woke up for too late is given up for the next one: a late send
        would bunch with the others' on-time ones. False when `stop` was set meanwhile."""
        interval = 1.0 / (messenger.limits.per_second * SHARED_RATE_MARGIN)
        for _attempt in range(LATE_SLOT_RETRIES):
            delay = await self._storage.coordination.reserve_slot(f"send:{platform}", interval=interval)
            due = time.monotonic() + delay
            if delay > 0:
                if stop is None:
                    await asyncio.sleep(delay)
                else:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), delay)
            if stop is not None and stop.is_set():
                return False
            if time.monotonic() - due <= LATE_SLOT:
                break
        return True

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
        group = kind == "channel"
        for row in rows:
            if self.unwritten.blocks(row, self._clock()):
                outcome = self.unwritten.outcome(row.id)
                if outcome is not None and outcome.kind is not OutcomeKind.RETRY:
                    continue  # sent (or refused) already; only its row is not marked yet
                return  # its retry is not due, or the chat is paused: the chat's later rows wait too
            report.attempted += 1
            recipient = Recipient(platform, kind, chat_id, row.role_id)
            notification = Notification.from_outbox(row)
            while True:
                if stop is not None and stop.is_set():
                    return  # shutting down: this row and the chat's later ones stay pending
                async with limiter.slot(chat_id, group=group, stop=stop) as ready:  # the key replies use too
                    if not ready:
                        return
                    if self._shared_slots and not await self._shared_slot(platform, messenger, stop):
                        return
                    failure = await _attempt(messenger.send(recipient, notification))
                if failure is None:
                    await self._record(Outcome(row.id, OutcomeKind.SENT, self._clock()))
                    report.sent += 1
                    self.metrics.delivered(platform, row.published_at, self._clock())
                    break
                if isinstance(failure, RetryLater):
                    self.metrics.rate_limited(platform)
                    held = limiter.rate_limited(chat_id, failure.retry_after)
                    whom = f"chat {chat_id}" if held is not None else "every chat (a global flood wait)"
                    if failure.retry_after <= (MAX_INLINE_RETRY_AFTER if held is None else MAX_INLINE_CHAT_WAIT):
                        _log.info("%s asked to wait %.1fs: holding %s", platform, failure.retry_after, whom)
                        continue  # resend the same row once the wait is over: order kept
                    _log.info("%s asked to wait %.0fs: holding %s; rescheduled", platform, failure.retry_after, whom)
                    await self._record(Outcome(row.id, OutcomeKind.RETRY, self._clock() + failure.retry_after,
                                               f"rate limited: {failure}"))
                    report.retried += 1
                    return  # the chat's later rows wait behind this one; the other chats go on
                if isinstance(failure, ChatUnavailable):
                    _log.warning("%s chat %s unavailable (%s): pausing it", platform, chat_id, failure)
                    await self._pause(platform, chat_id, str(failure) or "forbidden")
                    report.paused_chats.append(f"{platform}:{chat_id}")
                    self.metrics.chat_paused(platform)
                    return
                if isinstance(failure, PermanentFailure):
                    _log.error("%s refused notification %d for %s: %s", platform, row.id, chat_id, failure)
                    await self._record(Outcome(row.id, OutcomeKind.FAILED, self._clock(), str(failure) or "rejected"))
                    report.failed += 1
                    self.metrics.delivery_failed(platform)
                    break
                delay = backoff_delay(row.attempts)
                if isinstance(failure, TemporaryFailure | TimeoutError | OSError):
                    _log.warning("%s send to %s failed (%s); retry in %.0fs", platform, chat_id, failure, delay)
                    error = str(failure) or type(failure).__name__
                else:  # an adapter bug must not lose the row or stop the others
                    _log.error("unexpected error sending notification %d to %s", row.id, chat_id, exc_info=failure)
                    error = f"{type(failure).__name__}: {failure}"
                await self._record(Outcome(row.id, OutcomeKind.RETRY, self._clock() + delay, error))
                report.retried += 1
                return

    async def _record(self, outcome: Outcome) -> None:
        """Write what the platform answered; if storage can't take it now, keep it in memory (the row is
        then skipped, never sent again) and write it later."""
        try:
            await write_outcome(self._storage, outcome)
        except Exception as exc:
            if not self.unwritten:
                _log.warning("delivery: could not record notification %d as %s (%s: %s); kept in memory, "
                             "not sent again", outcome.outbox_id, outcome.kind.value, type(exc).__name__, exc)
            self.unwritten.keep(outcome, self._clock())
        else:
            self.unwritten.discard(outcome.outbox_id)


async def _attempt(send: Awaitable[object]) -> Exception | None:
    """Run a send; its failure as a value (handled once the chat's slot is given back)."""
    try:
        await send
    except Exception as exc:
        return exc
    return None

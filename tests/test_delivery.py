"""Delivery guarantees: outbox row first, never lost, at most one duplicate after a crash, order
per chat, 429/5xx/403/400 handling, and a rate limiter that never exceeds the platform's limits.

A real Storage on a temporary database; the platforms are Fake messengers."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import sqlite3
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest

from bot.delivery import BACKOFF_BASE, Delivery
from bot.notifications import Notification, Recipient
from bot.poller import Poller
from bot.ports import ChatUnavailable, PermanentFailure, RateLimits, RetryLater, TemporaryFailure
from bot.ratelimit import RateLimiter
from bot.supervise import Supervisor
from feeds.fetch import FeedFetcher
from feeds.model import Event, NewItem, ShowMatch
from feeds.understand.matcher import Matcher
from storage import open_storage
from storage.ports import Storage
from storage.records import OutboxEntry, SubscriptionRecord
from tests.support.fakes import FakeClock
from tests.support.http_server import LocalServer, Response

PLATFORM = "fake"
FAST = RateLimits(per_second=1_000_000.0, private_interval=0.0, group_interval=0.0)


@dataclass(frozen=True)
class Sent:
    chat_id: str
    outbox_id: int
    item_id: int


Behaviour = Callable[[Recipient, Notification, int], Awaitable[None]]


async def _deliver(_recipient: Recipient, _notification: Notification, _attempt: int) -> None:
    return None


@dataclass
class FakeMessenger:
    """Records what the platform accepted; `behaviour` may raise instead (before or after accepting)."""

    behaviour: Behaviour = _deliver
    accept_then_behave: bool = False  # True: the platform took the message, then the failure happened
    platform: str = PLATFORM
    limits: RateLimits = FAST
    sent: list[Sent] = field(default_factory=list)
    attempts: Counter[int] = field(default_factory=Counter)
    tries: list[tuple[str, int]] = field(default_factory=list)

    async def send(self, recipient: Recipient, notification: Notification) -> None:
        self.attempts[notification.outbox_id] += 1
        self.tries.append((recipient.chat_id, notification.outbox_id))
        record = Sent(recipient.chat_id, notification.outbox_id, notification.item_id)
        if self.accept_then_behave:
            self.sent.append(record)
        await self.behaviour(recipient, notification, self.attempts[notification.outbox_id])
        if not self.accept_then_behave:
            self.sent.append(record)

    def items_for(self, chat_id: str) -> list[int]:
        return [s.item_id for s in self.sent if s.chat_id == chat_id]

    def attempts_for(self, chat_id: str) -> int:
        return sum(1 for chat, _outbox_id in self.tries if chat == chat_id)


@dataclass
class Newsroom:
    """A show, subscribers and a way to publish stories into the outbox."""

    storage: Storage
    show_id: int
    published: list[int] = field(default_factory=list)

    async def subscribe(self, *chats: str, kind: str = "user") -> None:
        for chat in chats:
            await self.storage.audience.subscribe(SubscriptionRecord(PLATFORM, kind, chat, self.show_id, Event.all()))

    async def publish(self, count: int = 1, *, now: float = 1_000.0) -> list[int]:
        """`count` new stories matched to the show and fanned out; returns their item ids."""
        ids = []
        for _ in range(count):
            n = len(self.published) + 1
            [item] = await self.storage.items.insert_items(None, [NewItem(f"Severance story {n}", guid=f"story-{n}",
                                                                 published_at=float(n))], now)
            match = ShowMatch(self.show_id, "Severance", Event.RENEWAL, (n,), "test")
            await self.storage.items.save_matches(item.id, [match])
            await self.storage.outbox.enqueue_for_match(item.id, match, now)
            self.published.append(item.id)
            ids.append(item.id)
        return ids


async def newsroom(storage: Storage) -> Newsroom:
    return Newsroom(storage, await storage.catalog.upsert_show("Severance"))


@pytest.fixture
async def storage(db_path: str) -> AsyncIterator[Storage]:
    async with open_storage(db_path) as storage:
        yield storage


def outbox_rows(db_path: str) -> list[tuple[int, str, str, int, float, str | None]]:
    """(id, chat_id, status, attempts, next_attempt_at, last_error), read-only, for inspection."""
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
        return conn.execute(
            "SELECT id, chat_id, status, attempts, next_attempt_at, last_error FROM outbox ORDER BY id").fetchall()


# -- the outbox comes first ----------------------------------------------------------------
async def test_the_outbox_row_exists_before_the_send(storage: Storage, db_path: str) -> None:
    room = await newsroom(storage)
    await room.subscribe("alice", "bob", "carol")
    await room.publish(2)
    seen: list[tuple[int, set[int]]] = []

    async with open_storage(db_path) as observer:  # a second connection: what a restart would see
        async def inspect(_r: Recipient, n: Notification, _a: int) -> None:
            pending = await observer.outbox.pending_outbox(now=time.time() + 10, platforms=[PLATFORM], limit=1000)
            seen.append((n.outbox_id, {row.id for row in pending}))

        messenger = FakeMessenger(inspect)
        report = await Delivery(storage, {PLATFORM: messenger}).deliver_due()

    assert report.sent == 6 and len(seen) == 6
    _first_id, first_pending = seen[0]
    assert len(first_pending) == 6  # every recipient's row was written before the first send
    for outbox_id, pending in seen:
        assert outbox_id in pending  # its own row is still pending while it is being sent
    assert {status for _id, _chat, status, *_rest in outbox_rows(db_path)} == {"sent"}
    assert await storage.outbox.pending_outbox(now=time.time() + 10, platforms=[PLATFORM]) == []


# -- crashes -------------------------------------------------------------------------------
class Crash(BaseException):
    """The process dies (think SIGKILL between the platform's answer and our commit)."""


def assert_nothing_lost_at_most_one_duplicate(room: Newsroom, chats: list[str], *messengers: FakeMessenger) -> None:
    for chat in chats:
        received = [i for m in messengers for i in m.items_for(chat)]
        counts = Counter(received)
        assert set(counts) == set(room.published), f"{chat} lost a story: {received}"
        assert sum(n - 1 for n in counts.values()) <= 1, f"{chat} got more than one duplicate: {received}"
        in_order = [i for n, i in enumerate(received) if n == 0 or received[n - 1] != i]
        assert in_order == sorted(in_order), f"{chat} got its stories out of order: {received}"


@pytest.mark.parametrize("after", [1, 5, 11])
async def test_a_crash_mid_fan_out_loses_nothing(db_path: str, after: int) -> None:
    chats = ["alice", "bob", "carol"]
    async with open_storage(db_path) as storage:
        room = await newsroom(storage)
        await room.subscribe(*chats)
        await room.publish(4)

        async def crash_after_n(_r: Recipient, _n: Notification, _a: int) -> None:
            await asyncio.sleep(0)  # let the other chats' sends interleave
            if len(first.sent) >= after:
                raise Crash

        first = FakeMessenger(crash_after_n, accept_then_behave=True)
        crashed = False
        try:
            await Delivery(storage, {PLATFORM: first}).deliver_due()
        except* Crash:  # out of the chat workers' TaskGroup, wrapped in a group
            crashed = True
    assert crashed and len(first.sent) >= after

    async with open_storage(db_path) as storage:  # the restart
        second = FakeMessenger()
        await Delivery(storage, {PLATFORM: second}).deliver_due()
        assert await storage.outbox.outbox_counts() == {"sent": 12}
    assert_nothing_lost_at_most_one_duplicate(room, chats, first, second)


async def test_a_cancelled_send_loses_nothing(db_path: str) -> None:
    chats = ["alice", "bob"]
    async with open_storage(db_path) as storage:
        room = await newsroom(storage)
        await room.subscribe(*chats)
        await room.publish(3)

        async def cancelled_on_third(_r: Recipient, _n: Notification, _a: int) -> None:
            if len(first.sent) == 3:
                raise asyncio.CancelledError

        first = FakeMessenger(cancelled_on_third, accept_then_behave=True)
        try:
            await Delivery(storage, {PLATFORM: first}).deliver_due()
        except asyncio.CancelledError:
            pass
    async with open_storage(db_path) as storage:
        second = FakeMessenger()
        await Delivery(storage, {PLATFORM: second}).deliver_due()
        assert await storage.outbox.outbox_counts() == {"sent": 6}
    assert_nothing_lost_at_most_one_duplicate(room, chats, first, second)


async def test_shutdown_while_sending_loses_nothing(db_path: str) -> None:
    """The delivery task is cancelled while a send hangs (SIGTERM during a slow platform call)."""
    chats = ["alice", "bob", "carol"]
    async with open_storage(db_path) as storage:
        room = await newsroom(storage)
        await room.subscribe(*chats)
        await room.publish(3)
        hanging = asyncio.Event()

        async def hang_on_fourth(_r: Recipient, _n: Notification, _a: int) -> None:
            if len(first.sent) >= 4:
                hanging.set()
                await asyncio.Event().wait()

        first = FakeMessenger(hang_on_fourth, accept_then_behave=True)
        task = asyncio.create_task(Delivery(storage, {PLATFORM: first}).deliver_due())
        await asyncio.wait_for(hanging.wait(), 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    async with open_storage(db_path) as storage:
        second = FakeMessenger()
        await Delivery(storage, {PLATFORM: second}).deliver_due()
        assert await storage.outbox.outbox_counts() == {"sent": 9}
    assert_nothing_lost_at_most_one_duplicate(room, chats, first, second)


async def test_an_adapter_bug_reschedules_the_row_and_spares_other_chats(storage: Storage) -> None:
    clock = FakeClock()
    room = await newsroom(storage)
    await room.subscribe("alice", "bob")
    await room.publish(2)

    async def buggy_for_alice(r: Recipient, n: Notification, attempt: int) -> None:
        if r.chat_id == "alice" and n.item_id == room.published[0] and attempt == 1:
            raise KeyError("adapter bug")

    messenger = FakeMessenger(buggy_for_alice)
    delivery = Delivery(storage, {PLATFORM: messenger}, clock=clock)
    report = await delivery.deliver_due()
    assert report.retried == 1 and messenger.items_for("bob") == room.published
    assert messenger.items_for("alice") == []
    clock.now += 2 * BACKOFF_BASE
    await delivery.deliver_due()
    assert messenger.items_for("alice") == room.published
    assert await storage.outbox.outbox_counts() == {"sent": 4}


# -- 429: wait and resend the same row -----------------------------------------------------
async def test_retry_later_resends_the_same_row_after_the_wait_in_order(storage: Storage) -> None:
    room = await newsroom(storage)
    await room.subscribe("alice", "bob")
    await room.publish(3)
    when: dict[tuple[str, int], float] = {}

    async def slow_down_alice_once(r: Recipient, n: Notification, attempt: int) -> None:
        if r.chat_id == "alice" and n.item_id == room.published[0] and attempt == 1:
            raise RetryLater("Too Many Requests", retry_after=0.2)
        when[(r.chat_id, n.item_id)] = time.monotonic()

    messenger = FakeMessenger(slow_down_alice_once)
    started = time.monotonic()
    report = await Delivery(storage, {PLATFORM: messenger}).deliver_due()
    assert report.sent == 6 and report.retried == 0
    assert messenger.items_for("alice") == room.published  # the same row again, then the rest, in order
    assert [n for n, c in messenger.attempts.items() if c > 1] == [
        next(s.outbox_id for s in messenger.sent if s.chat_id == "alice")]
    assert when[("alice", room.published[0])] - started >= 0.2
    assert when[("bob", room.published[-1])] - started < 0.2  # bob was not slowed down
    assert await storage.outbox.outbox_counts() == {"sent": 6}


async def test_a_long_retry_later_is_rescheduled_and_keeps_the_chat_in_order(storage: Storage) -> None:
    clock = FakeClock()
    room = await newsroom(storage)
    await room.subscribe("alice", "bob")
    await room.publish(3)

    async def long_wait_for_alice_once(r: Recipient, n: Notification, attempt: int) -> None:
        if r.chat_id == "alice" and n.item_id == room.published[0] and attempt == 1:
            raise RetryLater("Too Many Requests", retry_after=120.0)

    messenger = FakeMessenger(long_wait_for_alice_once)
    delivery = Delivery(storage, {PLATFORM: messenger}, clock=clock)
    started = time.monotonic()
    first = await delivery.deliver_due()
    assert first.retried == 1
    assert messenger.items_for("bob") == room.published and messenger.items_for("alice") == []

    # a second pass before the wait is over sends nothing to alice and does not sleep through the wait
    await room.publish(1)
    clock.now += 10
    await asyncio.wait_for(delivery.deliver_due(), 2)
    assert messenger.items_for("alice") == []
    assert messenger.items_for("bob") == room.published
    assert time.monotonic() - started < 2

    clock.now += 120
    delivery = Delivery(storage, {PLATFORM: messenger}, clock=clock)  # a fresh limiter, as after a restart
    await delivery.deliver_due()
    assert messenger.items_for("alice") == room.published
    assert await storage.outbox.outbox_counts() == {"sent": 8}


# -- 5xx: back off, deliver on a later pass ------------------------------------------------
async def test_a_temporary_failure_is_rescheduled_with_backoff(storage: Storage, db_path: str) -> None:
    clock = FakeClock()
    room = await newsroom(storage)
    await room.subscribe("alice", "bob")
    await room.publish(2)

    async def alice_is_down(r: Recipient, _n: Notification, _a: int) -> None:
        if r.chat_id == "alice" and platform_down:
            raise TemporaryFailure("502 Bad Gateway")

    platform_down = True
    messenger = FakeMessenger(alice_is_down)
    delivery = Delivery(storage, {PLATFORM: messenger}, clock=clock)
    report = await delivery.deliver_due()
    assert report.retried == 1 and report.sent == 2
    alice_rows = [r for r in outbox_rows(db_path) if r[1] == "alice"]
    first_row = alice_rows[0]
    assert first_row[2] == "pending" and first_row[3] == 1 and first_row[5] == "502 Bad Gateway"
    assert clock.now + BACKOFF_BASE / 2 <= first_row[4] <= clock.now + BACKOFF_BASE
    assert await storage.outbox.next_outbox_due_at([PLATFORM]) == first_row[4]

    # still down at the next attempt: the backoff grows
    clock.now = first_row[4]
    await delivery.deliver_due()
    second_try = next(r for r in outbox_rows(db_path) if r[0] == first_row[0])
    assert second_try[3] == 2 and second_try[4] - clock.now >= BACKOFF_BASE
    assert messenger.items_for("alice") == []

    platform_down = False
    clock.now = second_try[4]
    await delivery.deliver_due()
    assert messenger.items_for("alice") == room.published  # in order, nothing lost
    assert await storage.outbox.outbox_counts() == {"sent": 4}


# -- 403: pause the chat -------------------------------------------------------------------
async def test_an_unavailable_chat_is_paused_and_its_rows_held(storage: Storage, db_path: str) -> None:
    room = await newsroom(storage)
    await room.subscribe("alice", "bob", "carol")
    await room.publish(2)

    async def bob_blocked_the_bot(r: Recipient, _n: Notification, _a: int) -> None:
        if r.chat_id == "bob" and bob_blocked:
            raise ChatUnavailable("Forbidden: bot was blocked by the user")

    bob_blocked = True
    messenger = FakeMessenger(bob_blocked_the_bot)
    delivery = Delivery(storage, {PLATFORM: messenger})
    report = await delivery.deliver_due()
    assert report.paused_chats == [f"{PLATFORM}:bob"] and report.failed == 0
    assert messenger.items_for("bob") == []
    assert messenger.items_for("alice") == messenger.items_for("carol") == room.published
    assert [(p, c, r) for p, c, r, _at in await storage.audience.paused_chats()] == [
        (PLATFORM, "bob", "Forbidden: bot was blocked by the user")]
    assert {r[2] for r in outbox_rows(db_path) if r[1] == "bob"} == {"held"}
    assert await storage.outbox.outbox_counts() == {"sent": 4, "held": 2}

    # held rows are neither sent nor failed on later passes; news that comes meanwhile is held for bob too
    await room.publish(1)
    await delivery.deliver_due()
    assert messenger.items_for("bob") == []
    assert await storage.outbox.outbox_counts() == {"sent": 6, "held": 3}
    assert (PLATFORM, "user", "bob") not in await storage.audience.recipients_for(room.show_id, Event.RENEWAL)

    bob_blocked = False
    assert await storage.audience.resume_chat(PLATFORM, "bob")
    assert await storage.audience.paused_chats() == []
    await delivery.deliver_due()
    assert messenger.items_for("bob") == room.published  # everything held, in order
    assert await storage.outbox.outbox_counts() == {"sent": 9}
    await room.publish(1)
    await delivery.deliver_due()
    assert messenger.items_for("bob") == room.published


# -- 400: the row fails, the chat goes on --------------------------------------------------
async def test_a_permanent_failure_marks_the_row_failed_with_the_reason(storage: Storage, db_path: str) -> None:
    room = await newsroom(storage)
    await room.subscribe("alice")
    await room.publish(3)

    async def reject_the_second(_r: Recipient, n: Notification, _a: int) -> None:
        if n.item_id == room.published[1]:
            raise PermanentFailure("Bad Request: can't parse entities")

    messenger = FakeMessenger(reject_the_second)
    report = await Delivery(storage, {PLATFORM: messenger}).deliver_due()
    assert report.failed == 1 and report.sent == 2
    assert messenger.items_for("alice") == [room.published[0], room.published[2]]
    failed = [r for r in outbox_rows(db_path) if r[2] == "failed"]
    assert len(failed) == 1 and failed[0][5] == "Bad Request: can't parse entities"
    assert messenger.attempts[failed[0][0]] == 1  # never retried
    assert await Delivery(storage, {PLATFORM: messenger}).deliver_due() == type(report)()


# -- the rate limiter ----------------------------------------------------------------------
class VirtualTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def check_schedule(schedule: list[tuple[float, str, bool]], limits: RateLimits) -> None:
    eps = 1e-6
    times = sorted(at for at, _chat, _group in schedule)
    for a, b in itertools.pairwise(times):
        assert b - a >= 1 / limits.per_second - eps, "global rate exceeded"
    for n, start in enumerate(times):  # and so never more than per_second in any one-second window
        assert sum(1 for t in times[n:] if t < start + 1.0 - eps) <= limits.per_second
    by_chat: dict[str, list[tuple[float, bool]]] = {}
    for at, chat, group in schedule:
        by_chat.setdefault(chat, []).append((at, group))
    for chat, sends in by_chat.items():
        sends.sort()
        for (a, group), (b, _) in itertools.pairwise(sends):
            interval = limits.group_interval if group else limits.private_interval
            assert b - a >= interval - eps, f"{chat}: {b - a:.3f}s between two sends"


@pytest.mark.parametrize("seed", range(5))
def test_the_rate_limiter_never_exceeds_global_or_per_chat_limits(seed: int) -> None:
    rng = random.Random(seed)
    limits = RateLimits(per_second=28, private_interval=1.0, group_interval=3.0)
    vt = VirtualTime()
    limiter = RateLimiter(limits, clock=vt.clock, sleep=vt.sleep)
    chats = [(f"user{n}", False) for n in range(30)] + [(f"group{n}", True) for n in range(6)]
    schedule: list[tuple[float, str, bool]] = []
    for _ in range(600):
        vt.now += rng.choice([0.0, 0.0, 0.001, 0.01, 0.2])
        chat, group = rng.choice(chats)
        schedule.append((vt.now + limiter.reserve(chat, group=group), chat, group))
        if rng.random() < 0.02:
            limiter.penalise(chat, rng.uniform(0.5, 5))
    check_schedule(schedule, limits)


async def test_acquire_sleeps_until_the_reserved_slot() -> None:
    limits = RateLimits(per_second=10, private_interval=1.0, group_interval=3.0)
    vt = VirtualTime()
    limiter = RateLimiter(limits, clock=vt.clock, sleep=vt.sleep)
    sent: list[tuple[float, str, bool]] = []
    for chat in ["a", "a", "g", "b", "g", "a"]:
        group = chat == "g"
        await limiter.acquire(chat, group=group)
        sent.append((vt.now, chat, group))
    check_schedule(sent, limits)
    # one caller in turn: the second "g" waits its 3 s, the last "a" follows it
    assert [at for at, *_ in sent] == pytest.approx([0.0, 1.0, 1.1, 1.2, 4.1, 4.2])


def test_penalties_hold_back_one_chat_or_everyone() -> None:
    limits = RateLimits(per_second=100, private_interval=0.0, group_interval=0.0)
    vt = VirtualTime()
    limiter = RateLimiter(limits, clock=vt.clock, sleep=vt.sleep)
    limiter.penalise("a", 5.0)
    assert limiter.reserve("a", group=False) >= 5.0
    assert limiter.reserve("b", group=False) < 0.1
    limiter.penalise(None, 2.0)
    assert limiter.reserve("c", group=False) >= 2.0


def test_a_chat_waiting_for_its_own_interval_does_not_hold_up_the_others() -> None:
    """A group's next slot is 3 s away; a private chat must not queue behind it."""
    limits = RateLimits(per_second=28, private_interval=1.0, group_interval=3.0)
    vt = VirtualTime()
    limiter = RateLimiter(limits, clock=vt.clock, sleep=vt.sleep)
    assert limiter.reserve("group", group=True) == 0.0
    assert limiter.reserve("group", group=True) == pytest.approx(3.0)
    user_at = limiter.reserve("user", group=False)
    assert user_at <= 2 / limits.per_second
    schedule = [(0.0, "group", True), (3.0, "group", True), (user_at, "user", False)]
    for n in range(40):  # a burst of private chats fills the free slots before the group's next turn
        schedule.append((limiter.reserve(f"u{n}", group=False), f"u{n}", False))
    assert sum(1 for at, *_ in schedule if at < 3.0) >= 40
    check_schedule(schedule, limits)


async def test_a_crash_between_storing_a_story_and_queuing_it_loses_nothing(
    db_path: str, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The poller stores new items (which marks them seen) and queues their notifications; if the
    process dies in between, the next start must still queue them."""
    feed = (b'<rss version="2.0"><channel><title>news</title><item><title>Severance renewed for season 3'
            b'</title><guid>sev-3</guid></item></channel></rss>')
    server.routes["/feed.xml"] = Response(200, feed, {"Content-Type": "application/rss+xml"})

    async def poll_once(crash: bool) -> None:
        async with open_storage(db_path) as storage, FeedFetcher(allow_private=True) as fetcher:
            if crash:
                show_id = await storage.catalog.upsert_show("Severance")
                await storage.audience.subscribe(SubscriptionRecord(PLATFORM, "user", "alice", show_id, Event.all()))
                await storage.feeds.add_feed(server.url("/feed.xml"))

                async def die(*_args: object) -> int:
                    raise Crash

                monkeypatch.setattr(storage.outbox, "enqueue_matches", die)
            matcher = Matcher(await storage.catalog.shows())
            await Poller(storage, fetcher, lambda: matcher, interval=600.0).poll(force=True)

    await poll_once(crash=True)
    await poll_once(crash=False)  # the restart
    async with open_storage(db_path) as storage:
        messenger = FakeMessenger()
        await Delivery(storage, {PLATFORM: messenger}).deliver_due()
    assert [s.chat_id for s in messenger.sent] == ["alice"], "the story was stored but never queued"


# -- a write that fails after the platform accepted (issue 11: disk full) --------------------
DISK_FULL = sqlite3.OperationalError("database or disk is full")


class UnwritableMarks:
    """outbox.mark_sent (and its siblings) fail while `full` is set, as on a full disk."""

    def __init__(self, storage: Storage, monkeypatch: pytest.MonkeyPatch) -> None:
        self.full = True
        self.refused = 0
        for name in ("mark_sent", "mark_retry", "mark_failed"):
            real = getattr(storage.outbox, name)
            monkeypatch.setattr(storage.outbox, name, self._guard(real))
        real_pause = storage.audience.pause_chat
        monkeypatch.setattr(storage.audience, "pause_chat", self._guard(real_pause))

    def _guard(self, real: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
        async def guarded(*args: object, **kwargs: object) -> None:
            if self.full:
                self.refused += 1
                raise DISK_FULL
            await real(*args, **kwargs)

        return guarded


async def test_a_mark_that_fails_after_an_accepted_send_never_resends(
        storage: Storage, monkeypatch: pytest.MonkeyPatch) -> None:
    """On main the pass died on the failed mark and the next one (the supervisor's restart, ~5 s later)
    sent the accepted rows again: one user got the same story 9 times in 45 s."""
    room = await newsroom(storage)
    chats = ["alice", "bob", "carol"]
    await room.subscribe(*chats)
    await room.publish(3)
    disk = UnwritableMarks(storage, monkeypatch)
    messenger = FakeMessenger()
    delivery = Delivery(storage, {PLATFORM: messenger})
    for _ in range(5):  # what the supervisor does with a pass that fails: run it again
        with contextlib.suppress(Exception):
            await delivery.deliver_due()
    assert disk.refused >= 9
    for chat in chats:
        assert messenger.items_for(chat) == room.published, f"{chat}: {messenger.items_for(chat)}"
    assert await storage.outbox.outbox_counts() == {"pending": 9}  # nothing recorded yet …
    assert len(delivery.unwritten) == 9  # … but remembered

    disk.full = False
    assert await delivery.write_unwritten()
    await delivery.deliver_due()
    assert await storage.outbox.outbox_counts() == {"sent": 9}
    assert sum(messenger.attempts.values()) == 9, "a message the platform accepted was sent again"


async def test_the_loop_retries_the_write_with_backoff_not_the_send(
        storage: Storage, monkeypatch: pytest.MonkeyPatch) -> None:
    room = await newsroom(storage)
    await room.subscribe("alice", "bob")
    await room.publish(2)
    disk = UnwritableMarks(storage, monkeypatch)
    messenger = FakeMessenger()
    delivery = Delivery(storage, {PLATFORM: messenger})
    passes = 0
    real_pending = storage.outbox.pending_outbox

    async def counted(**kwargs: object) -> list[OutboxEntry]:
        nonlocal passes
        passes += 1
        return await real_pending(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(storage.outbox, "pending_outbox", counted)
    stop = asyncio.Event()
    async with Supervisor(backoff_base=0.05) as supervisor:
        supervisor.spawn("delivery", lambda: delivery.run(stop))
        await asyncio.sleep(1.5)
        assert sum(messenger.attempts.values()) == 4  # sent once each, not again
        assert passes <= 6, f"{passes} passes in 1.5 s: the loop spins on rows it already sent"
        assert 2 <= disk.refused <= 12  # the writes are retried, with backoff (1 s, 2 s …)
        disk.full = False
        for _ in range(40):  # the next write (within the backoff) records them
            if await storage.outbox.outbox_counts() == {"sent": 4}:
                break
            await asyncio.sleep(0.1)
        stop.set()
    assert await storage.outbox.outbox_counts() == {"sent": 4}
    assert sum(messenger.attempts.values()) == 4
    assert not delivery.unwritten


async def test_a_pause_that_cannot_be_written_still_holds_the_chat(
        storage: Storage, monkeypatch: pytest.MonkeyPatch) -> None:
    room = await newsroom(storage)
    await room.subscribe("alice", "bob")
    await room.publish(2)
    disk = UnwritableMarks(storage, monkeypatch)

    async def bob_blocked(r: Recipient, _n: Notification, _a: int) -> None:
        if r.chat_id == "bob":
            raise ChatUnavailable("Forbidden: bot was blocked by the user")

    messenger = FakeMessenger(bob_blocked)
    delivery = Delivery(storage, {PLATFORM: messenger})
    await delivery.deliver_due()
    await delivery.deliver_due()
    assert messenger.attempts_for("bob") == 1  # not asked again while the pause is unwritten
    disk.full = False
    await delivery.write_unwritten()
    assert [c for _p, c, _r, _at in await storage.audience.paused_chats()] == ["bob"]
    assert await storage.outbox.outbox_counts() == {"sent": 2, "held": 2}


# -- a paused chat (403): held, resumed by any sign of life, delivered at once ---------------
async def test_a_sign_of_life_resumes_a_paused_chat_and_delivers_at_once(storage: Storage) -> None:
    """On main, news that came while a chat was paused was never queued for it, only /subscribe
    resumed it, and resuming did not wake delivery (held news went out up to a minute later)."""
    room = await newsroom(storage)
    await room.subscribe("alice", "bob")
    blocked = True

    async def bob_blocked(r: Recipient, _n: Notification, _a: int) -> None:
        if r.chat_id == "bob" and blocked:
            raise ChatUnavailable("Forbidden: bot was blocked by the user")

    messenger = FakeMessenger(bob_blocked)
    delivery = Delivery(storage, {PLATFORM: messenger})
    stop = asyncio.Event()
    task = asyncio.create_task(delivery.run(stop))
    try:
        await room.publish(1)
        delivery.notify()
        await _until(lambda: messenger.items_for("alice") == room.published)
        await _until_async(lambda: _paused(storage, "bob"))
        await room.publish(2)  # news while bob is paused: held for him
        delivery.notify()
        await _until(lambda: messenger.items_for("alice") == room.published)
        assert await storage.outbox.outbox_counts() == {"sent": 3, "held": 3}
        await asyncio.sleep(0.2)  # the loop is idle now, waiting for up to a minute

        blocked = False
        assert not await delivery.chat_alive(PLATFORM, ["alice"])  # not paused: nothing to do
        started = time.monotonic()
        assert await delivery.chat_alive(PLATFORM, ["bob"])  # e.g. bob wrote "hi"
        await _until(lambda: messenger.items_for("bob") == room.published, within=2.0)
        assert time.monotonic() - started < 1.0, "resuming did not wake delivery"
    finally:
        stop.set()
        await task
    assert await storage.outbox.outbox_counts() == {"sent": 6}
    assert await storage.audience.paused_chats() == []


async def _until(probe: Callable[[], bool], *, within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not probe():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


async def _until_async(probe: Callable[[], Awaitable[bool]], *, within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not await probe():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


async def _paused(storage: Storage, chat: str) -> bool:
    return any(c == chat for _p, c, _r, _at in await storage.audience.paused_chats())

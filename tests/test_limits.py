"""Rate limits, for notifications and replies alike: a global flood wait holds everyone, one chat's
wait holds that chat only, per-chat pacing keeps a margin a strict server never answers 429 to,
and a reply answered 429 is sent after the wait instead of being dropped.

The first part drives Delivery with a scripted messenger; the second python-telegram-bot's real
request path against the fake Bot API, made strict (Telegram's limits, counted at arrival)."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

import pytest

from bot.adapters.telegram_bot import TELEGRAM_LIMITS, TelegramAdapter
from bot.config import load_settings
from bot.delivery import Delivery
from bot.notifications import Notification, Recipient
from bot.ports import RateLimits, RetryLater
from bot.ratelimit import PACING_MARGIN, RateLimiter
from bot.service import ShowBot
from feeds.model import Event, NewItem, ShowMatch
from storage import open_storage
from storage.ports import Storage
from storage.records import SubscriptionRecord
from tests.support.fake_telegram import FakeTelegram

TELEGRAM_LIKE = RateLimits(per_second=28, private_interval=1.0, group_interval=3.0)


async def _queue(storage: Storage, platform: str, chats: list[tuple[str, str]], title: str,
                 show: str = "Severance") -> None:
    """A new story about `show`, whose subscribers now include every (kind, chat) in `chats`,
    fanned out to the outbox."""
    show_id = await storage.catalog.upsert_show(show)
    for kind, chat in chats:
        await storage.audience.subscribe(SubscriptionRecord(platform, kind, chat, show_id, Event.all()))
    [item] = await storage.items.insert_items(None, [NewItem(title, guid=title, published_at=time.time())],
                                              time.time())
    match = ShowMatch(show_id, show, Event.RENEWAL, (3,), "test")
    await storage.items.save_matches(item.id, [match])
    await storage.outbox.enqueue_for_match(item.id, match, time.time())


@dataclass
class Scripted:
    """A messenger whose `answer` may raise (RetryLater …); records accepted sends with their time."""

    answer: object = None  # (Recipient, Notification) -> Exception | None
    platform: str = "fake"
    limits: RateLimits = TELEGRAM_LIKE
    sent: list[tuple[float, str, str]] = field(default_factory=list)
    refused: list[tuple[float, str]] = field(default_factory=list)

    async def send(self, recipient: Recipient, notification: Notification) -> None:
        failure = self.answer(recipient, notification) if callable(self.answer) else None
        if failure is not None:
            self.refused.append((time.monotonic(), recipient.chat_id))
            raise failure
        self.sent.append((time.monotonic(), recipient.chat_id, notification.headline))


@pytest.fixture
async def storage(db_path: str) -> AsyncIterator[Storage]:
    async with open_storage(db_path) as opened:
        yield opened


# -- 429 scopes --------------------------------------------------------------------------------------
async def test_one_chats_long_wait_holds_only_that_chat(storage: Storage) -> None:
    """On main a chat told to wait 55 s held the whole delivery pass, and with it every other
    chat's new story (~28 s on average)."""
    told: list[str] = []

    def alice_must_wait(recipient: Recipient, _n: Notification) -> Exception | None:
        if recipient.chat_id == "alice" and not told:
            told.append("alice")
            return RetryLater("Too Many Requests: retry after 55", retry_after=55)
        return None

    messenger = Scripted(alice_must_wait)
    delivery = Delivery(storage, {"fake": messenger})
    await _queue(storage, "fake", [("user", "alice")], "Severance story 1")
    stop = asyncio.Event()
    running = asyncio.create_task(delivery.run(stop))
    try:
        for _ in range(200):
            if told:
                break
            await asyncio.sleep(0.01)
        await _queue(storage, "fake", [("user", "bob")], "Severance story 2")
        queued = time.monotonic()
        delivery.notify()
        for _ in range(300):
            if any(chat == "bob" for _t, chat, _h in messenger.sent):
                break
            await asyncio.sleep(0.01)
    finally:
        stop.set()
        await asyncio.wait_for(running, 5)
    [(at, _chat, _headline)] = [s for s in messenger.sent if s[1] == "bob"]
    assert at - queued < 1.0, f"bob's story waited {at - queued:.1f}s behind alice's 429"
    assert [s for s in messenger.sent if s[1] == "alice"] == []  # alice's two stories wait out her 55 s
    assert (await storage.outbox.outbox_counts()).get("pending") == 2


async def test_a_global_flood_wait_holds_every_chat(storage: Storage) -> None:
    """A flood wait that is the platform's, not one chat's: on main every chat found out for
    itself (64 more 429s); now the second chat's 429 makes everyone wait."""
    flood: dict[str, float] = {}

    def flooded(_r: Recipient, _n: Notification) -> Exception | None:
        now = time.monotonic()
        if not flood:
            flood["until"] = now + 1.0
        if now < flood["until"]:
            return RetryLater("Too Many Requests: retry after 1", retry_after=1.0)
        return None

    messenger = Scripted(flooded)
    chats = [("user", f"u{n}") for n in range(40)]
    await _queue(storage, "fake", chats, "Severance story 1")
    report = await asyncio.wait_for(Delivery(storage, {"fake": messenger}).deliver_due(), 20)
    assert report.sent == 40
    assert len(messenger.refused) <= 3, f"{len(messenger.refused)} sends were answered 429"
    assert {chat for _t, chat, _h in messenger.sent} == {chat for _k, chat in chats}


def test_429s_for_two_chats_at_once_hold_everyone_and_one_chats_holds_it_alone() -> None:
    now = [100.0]
    limiter = RateLimiter(TELEGRAM_LIKE, clock=lambda: now[0])
    assert limiter.rate_limited("a", 5.0) == "a"
    assert limiter.reserve("b", group=False) < 0.1  # b is not held by a's wait
    assert limiter.reserve("a", group=False) >= 5.0
    now[0] += 0.5
    assert limiter.rate_limited("b", 2.0) is None  # a second chat within a second: a global wait
    assert limiter.reserve("c", group=False) >= 2.0
    now[0] += 10
    assert limiter.rate_limited(None, 1.0) is None  # a 429 with no chat is global too


async def test_a_chat_is_paced_from_the_end_of_its_last_send_with_a_margin() -> None:
    limiter = RateLimiter(RateLimits(per_second=1000, private_interval=0.2, group_interval=0.5))
    starts: list[float] = []
    for _ in range(3):
        async with limiter.slot("a", group=False):
            starts.append(time.monotonic())
            await asyncio.sleep(0.1)  # the request takes a while; the next starts 0.2 s × 1.1 after its answer
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert all(gap >= 0.1 + 0.2 * (1 + PACING_MARGIN) - 0.01 for gap in gaps), gaps


async def test_concurrent_sends_to_one_chat_take_turns() -> None:
    limiter = RateLimiter(RateLimits(per_second=1000, private_interval=0.1, group_interval=0.1))
    inside: list[int] = []
    most = 0

    async def send() -> None:
        nonlocal most
        async with limiter.slot("a", group=False):
            inside.append(1)
            most = max(most, len(inside))
            await asyncio.sleep(0.01)
            inside.pop()

    await asyncio.gather(*(send() for _ in range(5)))
    assert most == 1


# -- through the fake Bot API ------------------------------------------------------------------------
USER = 42


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as telegram:
        yield telegram


@pytest.fixture
async def showbot(fake: FakeTelegram, db_path: str) -> AsyncIterator[ShowBot]:
    settings = load_settings(env={"TELEGRAM_TOKEN": fake.token, "TELEGRAM_BASE_URL": fake.base_url,
                                  "SHOWBOT_FEEDS": fake.server.url("/feed.xml"),
                                  "SHOWBOT_ALLOW_PRIVATE_FEEDS": "1"}, db=db_path)
    async with ShowBot.create(settings) as bot:
        yield bot


@pytest.fixture
async def adapter(showbot: ShowBot) -> AsyncIterator[TelegramAdapter]:
    telegram = TelegramAdapter(showbot.settings, showbot)
    await telegram.start()
    showbot.register(telegram)
    try:
        yield telegram
    finally:
        await telegram.stop()


async def test_quick_commands_all_get_their_reply_and_no_429(fake: FakeTelegram, adapter: TelegramAdapter) -> None:
    """On main replies skipped the limiter: a user who sent nine commands quickly got three answers."""
    fake.strict = True
    commands = ["/help", "/shows squid", "/subscriptions", "/latest Squid Game"]
    for text in commands:
        fake.push_message(user=USER, text=text)
    deadline = time.monotonic() + 15
    while len([c for c in fake.sent if c.chat_id == str(USER)]) < len(commands) and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    replies = [c for c in fake.sent if c.chat_id == str(USER)]
    assert len(replies) == len(commands), [c.text[:40] for c in replies]
    assert fake.too_many == [], [c.params["_429"] for c in fake.too_many]


async def test_a_reply_answered_429_is_sent_after_the_wait(fake: FakeTelegram, adapter: TelegramAdapter) -> None:
    fake.fail_next_send(status=429, chat_id=USER, retry_after=1)
    asked = time.time()
    fake.push_message(user=USER, text="/help")
    reply = await fake.wait_for_sent(lambda c: c.chat_id == str(USER), within=10)
    assert reply.at - asked >= 1.0
    assert len([c for c in fake.sent if c.chat_id == str(USER)]) == 1


async def test_a_strict_server_with_jitter_sees_no_self_caused_429(fake: FakeTelegram, showbot: ShowBot,
                                                                   adapter: TelegramAdapter) -> None:
    """Pacing at exactly the documented 1 s per private chat made a strict server answer 429 once
    network jitter brought two requests closer; pacing from each answer, with a margin, never does."""
    assert TELEGRAM_LIMITS.private_interval == 1.0
    fake.strict = True
    fake.jitter = 0.05
    busy = [("user", "4242")]  # six stories in a row: five gaps at the per-chat limit
    others = [("channel", "-100777")] + [("user", str(5000 + n)) for n in range(35)]
    for n in range(6):
        await _queue(showbot.storage, "telegram", busy, f"Severance story {n}")
    for n in range(2):  # and a crowd at the global rate, and a group, meanwhile
        await _queue(showbot.storage, "telegram", others, f"Silo story {n}", show="Silo")
    report = await asyncio.wait_for(showbot.delivery.deliver_due(), 30)
    assert fake.too_many == [], [c.params["_429"] for c in fake.too_many]
    assert report.sent == 6 + 2 * len(others) and report.retried == 0
    assert len([c for c in fake.sent if c.chat_id == "4242"]) == 6


def test_an_unlimited_rate_never_spins_on_float_rounding() -> None:
    """A global gap of a billionth of a second drowns in float rounding at monotonic-clock values:
    reserving many sends at one instant must still return (it used to loop forever)."""
    now = [2300.0]
    limiter = RateLimiter(RateLimits(per_second=1e9, private_interval=0.0, group_interval=0.0), clock=lambda: now[0])
    limiter.penalise(None, 1.0)
    delays = [limiter.reserve(f"c{n}", group=False) for n in range(100)]
    assert all(delay == pytest.approx(1.0) for delay in delays)


async def test_a_send_inside_the_same_chats_turn_does_not_wait_for_itself() -> None:
    """The delivery loop holds a chat's turn while the adapter sends; if the adapter's own port asks
    for that chat again (an edit, say), it is the same turn, not a deadlock."""
    limiter = RateLimiter(RateLimits(per_second=1000, private_interval=1.0, group_interval=3.0))
    async with limiter.slot("a", group=False) as outer:
        async with asyncio.timeout(0.5), limiter.slot("a", group=False) as inner:
            assert outer and inner

"""Delivery options end to end with a fake clock: which news rings, quiet hours (silent, in the chat's
zone), a forum topic, digests gathered and sent as one message at the chat's local hour."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import pytest

from bot.commands import Caller, ChatType, Commands
from bot.config import load_settings
from bot.notifications import Notification, Recipient, SentMessage
from bot.ports import RateLimits
from bot.service import ShowBot
from feeds.fetch import FeedFetcher
from feeds.model import Event, NewItem, ShowMatch
from storage import open_storage

SEOUL = ZoneInfo("Asia/Seoul")
FAN = Caller("fake", "1", "1")
MOD = Caller("fake", "9", "-100", ChatType.GROUP, guild_id="-100", is_chat_admin=True, thread_id="77")


@dataclass
class Clock:
    now: float

    def __call__(self) -> float:
        return self.now

    def set(self, *when: int) -> None:
        self.now = dt.datetime(*when, tzinfo=SEOUL).timestamp()  # type: ignore[misc]


@dataclass
class FakeMessenger:
    platform: str = "fake"
    limits: RateLimits = field(default_factory=lambda: RateLimits(per_second=1000.0, private_interval=0.0,
                                                                   group_interval=0.0))
    sent: list[tuple[Recipient, Notification]] = field(default_factory=list)
    digests: list[tuple[Recipient, list[Notification]]] = field(default_factory=list)

    async def send(self, recipient: Recipient, notification: Notification) -> SentMessage:
        self.sent.append((recipient, notification))
        return SentMessage(recipient.chat_id, str(len(self.sent)))

    async def edit(self, recipient: Recipient, message: SentMessage, notification: Notification) -> None:
        return None

    async def send_digest(self, recipient: Recipient, stories: Sequence[Notification]) -> None:
        self.digests.append((recipient, list(stories)))


@pytest.fixture
async def world(db_path: str) -> AsyncIterator[tuple[ShowBot, FakeMessenger, Clock]]:
    clock = Clock(0.0)
    clock.set(2026, 3, 2, 12, 0)  # a Monday noon in Seoul
    settings = load_settings(env={"SHOWBOT_TVMAZE": "off"}, db=db_path)
    async with open_storage(db_path) as storage:
        fetcher = FeedFetcher()
        bot = ShowBot(settings, storage, fetcher, clock=clock)
        await bot.prepare()
        messenger = FakeMessenger()
        bot.register(messenger)  # type: ignore[arg-type]
        try:
            yield bot, messenger, clock
        finally:
            await fetcher.aclose()


_titles = iter(range(10_000))


async def news(bot: ShowBot, show: str, events: Event, when: float) -> None:
    n = next(_titles)
    [found] = await bot.storage.catalog.find_shows(show)
    [item] = await bot.storage.items.insert_items(None, [NewItem(f"{show} story {n}", guid=f"g{n}",
                                                                 image=f"https://img.test/{n}.jpg")], when)
    match = ShowMatch(found.id, found.title, events, (), f'"{show}"')
    await bot.storage.items.save_matches(item.id, [match])
    await bot.storage.outbox.enqueue_for_match(item.id, match, when)


async def test_pings_quiet_hours_and_topics(world: tuple[ShowBot, FakeMessenger, Clock]) -> None:
    bot, messenger, clock = world
    cmds = Commands(bot)
    await cmds.run(FAN, "subscribe", show="Squid Game")
    await cmds.line(FAN, "/notify Squid Game ping renewal")
    await cmds.line(FAN, "/timezone Asia/Seoul")
    await cmds.line(FAN, "/quiet Squid Game 23-7")
    await cmds.run(MOD, "channel subscribe", show="Silo")
    await news(bot, "Squid Game", Event.RENEWAL, clock.now)
    await news(bot, "Squid Game", Event.CASTING, clock.now)
    await news(bot, "Silo", Event.TRAILER, clock.now)
    await bot.delivery.deliver_due()
    got = {(r.chat_id, n.events): r for r, n in messenger.sent}
    assert not got[("1", Event.RENEWAL)].silent  # renewals ring
    assert got[("1", Event.CASTING)].silent  # casting arrives silently
    assert got[("-100", Event.TRAILER)].thread_id == "77" and not got[("-100", Event.TRAILER)].silent
    assert messenger.sent[0][1].image is not None  # the story's picture goes along
    clock.set(2026, 3, 2, 23, 30)  # quiet hours in Seoul: even a renewal arrives silently
    await news(bot, "Squid Game", Event.RENEWAL, clock.now)
    await bot.delivery.deliver_due()
    assert messenger.sent[-1][0].silent and messenger.sent[-1][1].events == Event.RENEWAL


async def test_a_digest_gathers_and_goes_at_the_local_hour(world: tuple[ShowBot, FakeMessenger, Clock]) -> None:
    bot, messenger, clock = world
    cmds = Commands(bot)
    await cmds.run(FAN, "subscribe", show="every show")
    await cmds.line(FAN, "/timezone Asia/Seoul")
    await cmds.line(FAN, "/digest every show daily 9")
    await cmds.run(FAN, "subscribe", show="Silo")  # its own subscription: no digest, sent at once
    await news(bot, "Squid Game", Event.RENEWAL, clock.now)
    await news(bot, "Wednesday", Event.TRAILER, clock.now)
    await news(bot, "Silo", Event.CASTING, clock.now)
    report = await bot.delivery.deliver_due()
    assert report.gathered == 2 and [n.show for _r, n in messenger.sent] == ["Silo"]
    # handed to the digest: nothing of this chat left pending
    assert await bot.storage.outbox.pending_outbox(now=clock.now + 86400 * 7, platforms=["fake"]) == []
    assert await bot.digests.send_due() == 0  # not 09:00 in Seoul yet
    clock.set(2026, 3, 3, 8, 59)
    assert await bot.digests.send_due() == 0
    clock.set(2026, 3, 3, 9, 0)
    assert await bot.digests.send_due() == 1
    [(recipient, stories)] = messenger.digests
    assert recipient.chat_id == "1" and [s.show for s in stories] == ["Squid Game", "Wednesday"]
    assert await bot.digests.send_due() == 0  # sent once


async def test_a_failed_digest_is_tried_again(world: tuple[ShowBot, FakeMessenger, Clock]) -> None:
    bot, messenger, clock = world
    cmds = Commands(bot)
    await cmds.run(FAN, "subscribe", show="every show")
    await cmds.line(FAN, "/digest every show daily 12")  # UTC: 12:00 UTC is 21:00 in Seoul
    await news(bot, "Squid Game", Event.RENEWAL, clock.now)
    await bot.delivery.deliver_due()

    async def down(recipient: Recipient, stories: Sequence[Notification]) -> None:
        raise ConnectionError("platform down")

    real = messenger.send_digest
    messenger.send_digest = down  # type: ignore[method-assign]
    clock.set(2026, 3, 2, 21, 0)
    assert await bot.digests.send_due() == 0
    messenger.send_digest = real  # type: ignore[method-assign]
    assert await bot.digests.send_due() == 0  # waits a little before trying again
    clock.now += 601
    assert await bot.digests.send_due() == 1 and len(messenger.digests) == 1

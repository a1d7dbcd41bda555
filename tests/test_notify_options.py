"""Delivery options through the command layer: which news rings, digests, quiet hours, a time zone, a
Telegram forum topic, another Discord channel — and what /subscriptions and /channel list say."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.commands import Caller, ChatType, Commands, Status
from bot.config import load_settings
from bot.service import ShowBot
from feeds.model import Event
from storage.records import Audience, DeliveryOptions, Digest

FAN = Caller("telegram", "1", "1", language="en")
MOD = Caller("telegram", "3", "-100", ChatType.GROUP, guild_id="-100", is_chat_admin=True)
MEMBER = Caller("telegram", "4", "-100", ChatType.GROUP, guild_id="-100")
IN_TOPIC = Caller("telegram", "3", "-100", ChatType.GROUP, guild_id="-100", is_chat_admin=True, thread_id="55")


@pytest.fixture
async def showbot(db_path: str) -> AsyncIterator[ShowBot]:
    async with ShowBot.create(load_settings(env={"SHOWBOT_TVMAZE": "off"}, db=db_path)) as bot:
        yield bot


async def _options(showbot: ShowBot, audience: Audience, chat: str, show: str | None) -> DeliveryOptions | None:
    show_id = None if show is None else (await showbot.storage.catalog.find_shows(show))[0].id
    subs = {s.show_id: s for s in await showbot.storage.audience.subscriptions("telegram", audience, chat)}
    return subs[show_id].options if show_id in subs else None


async def test_which_news_rings(showbot: ShowBot) -> None:
    cmds = Commands(showbot)
    refused = await cmds.line(FAN, "/notify Squid Game ping renewal")
    assert "You don't follow Squid Game; /subscribe Squid Game first." in refused.text
    await cmds.run(FAN, "subscribe", show="Squid Game")
    done = await cmds.line(FAN, "/notify Squid Game ping renewal cancellation")
    assert done.ok and done.text == "Squid Game: rings for renewed, cancelled / ending."
    assert await _options(showbot, Audience.USER, "1", "Squid Game") == DeliveryOptions(
        ping=Event.RENEWAL | Event.CANCELLATION)
    assert (await cmds.line(FAN, "/notify Squid Game silent")).text == "Squid Game: silent."
    assert (await cmds.line(FAN, "/notify Squid Game ping")).text == "Squid Game: each story as it comes, ringing."
    gossip = await cmds.run(FAN, "notify", show="Squid Game", mode="ping", events="gossip")
    assert "I don't know the event “gossip”" in gossip.text
    assert "Usage: /notify" in (await cmds.line(FAN, "/notify Squid Game ping gossip")).text  # typed: no mode found
    assert "Usage: /notify <show> <mode> [events]" in (await cmds.line(FAN, "/notify Squid Game")).text
    typo = await cmds.line(FAN, "/notify Sqiud Game silent")  # a typo asks, without buttons that would subscribe
    assert typo.status is Status.ASK and not typo.choices and "Squid Game" in typo.text


async def test_digests_and_quiet_hours_with_the_time_zone(showbot: ShowBot) -> None:
    cmds = Commands(showbot)
    await cmds.run(FAN, "subscribe", show="every show")
    daily = await cmds.line(FAN, "/digest every show daily 8")
    assert daily.text.startswith("every show: daily digest at 08:00.") and "Times are UTC until" in daily.text
    assert (await cmds.line(FAN, "/timezone seoul")).text.startswith("Done: times are shown in Asia/Seoul (it is ")
    weekly = await cmds.line(FAN, "/digest every show weekly 18 sun")
    assert weekly.text == "every show: weekly digest, Sunday 18:00."
    quiet = await cmds.line(FAN, "/quiet every show 23-7")
    assert quiet.text == "every show: weekly digest, Sunday 18:00 · quiet 23:00–07:00."
    assert await _options(showbot, Audience.USER, "1", None) == DeliveryOptions(
        digest=Digest.WEEKLY, digest_hour=18, digest_weekday=6, quiet_start=23 * 60, quiet_end=7 * 60)
    listing = (await cmds.run(FAN, "subscriptions")).text
    assert "every show — all news · weekly digest, Sunday 18:00 · quiet 23:00–07:00" in listing
    for bad, why in (("/quiet every show 25-7", "Quiet hours look like"), ("/quiet every show 7-7", "Quiet hours"),
                     ("/digest every show weekly 9 someday", "Usage: /digest"),
                     ("/timezone Atlantis/Lost", "I don't know the time zone")):
        reply = await cmds.line(FAN, bad)
        assert not reply.ok and why in reply.text, bad
    someday = await cmds.run(FAN, "digest", show="every show", mode="weekly", hour="9", weekday="someday")
    assert "I don't know the day “someday”" in someday.text
    assert (await cmds.line(FAN, "/digest every show off")).text == "every show: quiet 23:00–07:00."
    assert (await cmds.line(FAN, "/quiet every show off")).ok
    assert await _options(showbot, Audience.USER, "1", None) == DeliveryOptions(digest_hour=18, digest_weekday=6)
    assert (await cmds.line(FAN, "/timezone utc")).text == "Done: times are shown in UTC."


async def test_a_channel_sets_its_own_and_only_moderators_may(showbot: ShowBot) -> None:
    cmds = Commands(showbot)
    assert (await cmds.run(MOD, "channel subscribe", show="Silo")).ok
    assert "Only moderators" in (await cmds.line(MEMBER, "/channel notify Silo silent")).text
    assert "works in a server channel or group" in (await cmds.line(FAN, "/channel quiet Silo 0-8")).text
    assert (await cmds.line(MOD, "/channel digest Silo weekly 18 fri")).ok
    assert (await cmds.line(MOD, "/channel timezone Europe/Madrid")).ok
    listing = (await cmds.run(MOD, "channel list")).text
    assert "Silo → this channel (all news) · weekly digest, Friday 18:00" in listing
    assert await showbot.preferences.timezone("telegram", "-100") is not None
    assert str(await showbot.preferences.timezone("telegram", "-100")) == "Europe/Madrid"
    assert "This channel doesn't follow Squid Game" in (await cmds.line(MOD, "/channel notify Squid Game silent")).text


async def test_a_telegram_forum_topic_receives_the_posts(showbot: ShowBot) -> None:
    cmds = Commands(showbot)
    done = await cmds.run(IN_TOPIC, "channel subscribe", show="Wednesday")
    assert done.ok and "They go to this topic." in done.text
    assert (await _options(showbot, Audience.CHANNEL, "-100", "Wednesday")) == DeliveryOptions(thread_id="55")
    # subscribing again from another topic moves the posts there, keeping the rest
    await cmds.line(MOD, "/channel notify Wednesday silent")
    moved = Caller("telegram", "3", "-100", ChatType.GROUP, guild_id="-100", is_chat_admin=True, thread_id="77")
    await cmds.run(moved, "channel subscribe", show="Wednesday")
    assert (await _options(showbot, Audience.CHANNEL, "-100", "Wednesday")) == DeliveryOptions(
        ping=Event(0), thread_id="77")


async def test_another_discord_channel_can_be_named(showbot: ShowBot) -> None:
    cmds = Commands(showbot)
    mod = Caller("discord", "5", "c1", ChatType.GROUP, guild_id="g1", is_chat_admin=True)
    done = await cmds.run(mod, "channel subscribe", show="Silo", where="900")
    assert done.ok and "They go to channel 900." in done.text
    assert [s.show for s in await showbot.storage.audience.subscriptions("discord", "channel", "900")] == ["Silo"]
    assert not (await cmds.run(mod, "channel subscribe", show="Silo", where="#news")).ok
    assert (await cmds.run(mod, "channel unsubscribe", show="Silo", where="900")).ok
    assert await showbot.storage.audience.subscriptions("discord", "channel", "900") == []

"""The chat platforms when several workers share one database: Discord's shards split by config (and
workers that only send), Telegram's updates read by one elected worker at a time."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import discord
import pytest
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.adapters.discord_bot import DiscordAdapter, ShowbotShardedDiscordBot
from bot.app import TELEGRAM_UPDATES_ROLE
from bot.config import ConfigError, load_settings
from bot.notifications import Notification, Recipient
from bot.service import ShowBot
from feeds.model import Event
from storage import open_storage
from tests.support.fake_discord import NEWS_CHANNEL, FakeDiscord
from tests.support.postgres import postgres_or_skip, temporary_schema


def _notification() -> Notification:
    return Notification(outbox_id=7, item_id=1, show="Slow Horses", events=Event.RENEWAL, seasons=(6,),
                        headline="Slow Horses renewed for season 6", link="https://news.example/sh6",
                        source="TV Wire", published_at=1_700_000_000.0, reason="title")


@pytest.fixture
def pg_url() -> Iterator[str]:
    server = postgres_or_skip()
    with temporary_schema(server, f"showbot_wp_{uuid.uuid4().hex[:12]}_{os.getpid()}") as url:
        yield url


@pytest.fixture
def other_pg_url() -> Iterator[str]:
    server = postgres_or_skip()
    with temporary_schema(server, f"showbot_wp2_{uuid.uuid4().hex[:12]}_{os.getpid()}") as url:
        yield url


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    # the adapter points discord.py's class-level endpoints at the fake: put them back afterwards
    monkeypatch.setattr(Route, "BASE", Route.BASE)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", DiscordWebSocket.DEFAULT_GATEWAY)
    async with FakeDiscord() as running:
        yield running


def _env(fake: FakeDiscord, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"DISCORD_TOKEN": fake.token, "DISCORD_API_BASE": fake.api_base, "SHOWBOT_DB": str(tmp_path / "s.db"),
            "SHOWBOT_FEEDS": "http://127.0.0.1:9/feed.xml", "SHOWBOT_ALLOW_PRIVATE_FEEDS": "1", **extra}


# -- Discord ---------------------------------------------------------------------------------------------
def test_shard_settings() -> None:
    settings = load_settings(env={"SHOWBOT_DISCORD_SHARDS": "2, 3", "SHOWBOT_DISCORD_SHARD_COUNT": "4"})
    assert (settings.discord_shards, settings.discord_shard_count) == ((2, 3), 4)
    assert load_settings(env={"SHOWBOT_DISCORD_SHARDS": "none"}).discord_shards == ()
    assert load_settings(env={}).discord_shards is None
    for bad in ({"SHOWBOT_DISCORD_SHARDS": "0,1"}, {"SHOWBOT_DISCORD_SHARDS": "4", "SHOWBOT_DISCORD_SHARD_COUNT": "4"},
                {"SHOWBOT_DISCORD_SHARDS": "x"}, {"SHOWBOT_WORKER_LEASE": "0"}):
        with pytest.raises(ConfigError):
            load_settings(env=bad)


async def test_a_worker_connects_only_its_shards(fake: FakeDiscord, tmp_path: Path) -> None:
    settings = load_settings(env=_env(fake, tmp_path, SHOWBOT_DISCORD_SHARDS="1", SHOWBOT_DISCORD_SHARD_COUNT="2"))
    async with ShowBot.create(settings) as showbot:
        adapter = DiscordAdapter(settings, showbot, ready_timeout=0.01, sync_commands=False)
        assert isinstance(adapter.bot, ShowbotShardedDiscordBot) and isinstance(adapter.bot, discord.AutoShardedClient)
        await adapter.start()
        try:
            await fake.wait_until(lambda: fake.identifies, what="an IDENTIFY")
            assert [frame.get("shard") for frame in fake.identifies] == [[1, 2]]
        finally:
            await adapter.stop()


async def test_a_send_only_worker_sends_without_the_gateway(fake: FakeDiscord, tmp_path: Path) -> None:
    settings = load_settings(env=_env(fake, tmp_path, SHOWBOT_DISCORD_SHARDS="none"))
    async with ShowBot.create(settings) as showbot:
        adapter = DiscordAdapter(settings, showbot, ready_timeout=5.0, sync_commands=False)
        await adapter.start()
        try:
            assert adapter.ready.is_set() and adapter.send_only
            await adapter.send(Recipient("discord", "channel", str(NEWS_CHANNEL)), _notification())
            [message] = fake.channel_messages(NEWS_CHANNEL)
            assert "Slow Horses" in message.embed["title"]
            assert fake.identifies == [] and not fake.connected
        finally:
            await adapter.stop()


# -- Telegram: one reader of updates ----------------------------------------------------------------------
async def test_one_worker_leads_and_another_takes_over_when_it_goes(pg_url: str) -> None:
    async with open_storage(pg_url) as first, open_storage(pg_url) as second:
        assert await first.coordination.try_lead(TELEGRAM_UPDATES_ROLE)
        assert not await second.coordination.try_lead(TELEGRAM_UPDATES_ROLE)
        # the leader's database session ends (the worker died): the lock goes with it
        first.coordination._leaders[TELEGRAM_UPDATES_ROLE].terminate()  # type: ignore[attr-defined]
        assert not await first.coordination.still_leading(TELEGRAM_UPDATES_ROLE)
        for _ in range(50):
            if await second.coordination.try_lead(TELEGRAM_UPDATES_ROLE):
                break
            await asyncio.sleep(0.1)
        assert await second.coordination.still_leading(TELEGRAM_UPDATES_ROLE)


async def test_leadership_is_per_database_schema(pg_url: str, other_pg_url: str) -> None:
    """Advisory locks are server-wide: two showbots in different schemas each elect their own reader."""
    async with open_storage(pg_url) as here, open_storage(other_pg_url) as there:
        assert await here.coordination.try_lead(TELEGRAM_UPDATES_ROLE)
        assert await there.coordination.try_lead(TELEGRAM_UPDATES_ROLE)

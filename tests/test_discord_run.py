"""`showbot run` as a real process on Discord: discord.py logs in to a fake Discord on 127.0.0.1
(REST at DISCORD_API_BASE, the gateway websocket that API announces), feeds on 127.0.0.1.

A fan subscribes with /subscribe and a moderator (by the configured role) subscribes #news with
/channel subscribe and a role to mention; only then does the feed carry a matching story. The
story must reach #news as ONE message (its embed, a ping for that role and nobody else) and the fan
by DM; after a restart, with the same story still in the feed and a new one beside it, only the
new one is sent."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path
from xml.sax.saxutils import escape

import discord
import pytest

from bot.poller import spread_offset
from bot.service import INITIAL_SPREAD_CAP
from feeds.model import Event
from storage import open_storage
from storage.records import SubscriptionRecord
from tests.support.fake_discord import (
    FANS_ROLE,
    GUILD_ID,
    MODERATOR,
    MODS_ROLE,
    NEWS_CHANNEL,
    SUBSCRIBER,
    CallbackType,
    FakeDiscord,
    Message,
    Op,
    Pings,
)
from tests.support.http_server import LocalServer, Request, Response

POLL_INTERVAL = 30.0
RENEWAL = "‘Slow Horses’ Renewed For Season 6 At Apple TV+"
TRAILER = "‘Slow Horses’ Season 5 Trailer: Jackson Lamb Is Back"
QUIET = "Weekend box office: a quiet week for premieres"


@dataclass(frozen=True)
class Story:
    title: str
    slug: str
    age_minutes: int


def _rss(*stories: Story) -> bytes:
    """A feed shaped like the bundled samples (bot/data/feeds): RSS 2.0, guid, dc:creator, description."""
    items = "".join(
        f"<item><title>{escape(s.title)}</title><link>https://news.example/tv/{s.slug}</link>"
        f"<dc:creator>A. Writer</dc:creator><pubDate>{formatdate(time.time() - 60 * s.age_minutes)}</pubDate>"
        f'<guid isPermaLink="false">tv-{s.slug}</guid><description>{escape(s.title)}.</description></item>'
        for s in stories
    )
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f"<channel><title>TV Wire</title><link>https://news.example/tv/</link><description>TV news</description>"
            f"{items}</channel></rss>").encode()


class GatedFeed:
    """The feed's body can be swapped; fetches wait until the test opens the gate, so the bot's first
    poll sees the feed as it is once the subscriptions exist."""

    def __init__(self, *stories: Story) -> None:
        self.body = _rss(*stories)
        self.gate = threading.Event()
        self.fetches = 0

    def __call__(self, request: Request) -> Response:
        self.gate.wait(timeout=30)
        self.fetches += 1
        return Response(200, self.body, {"Content-Type": "application/rss+xml; charset=utf-8"})


def _feed_paths(server: LocalServer, count: int) -> list[str]:
    """Paths whose first poll the bot schedules within a second of start (the spread is a stable hash)."""
    spread = min(POLL_INTERVAL, INITIAL_SPREAD_CAP)
    fast = (p for p in (f"/tv-{n}.xml" for n in range(10_000)) if spread_offset(server.url(p), spread) < 1.0)
    return [next(fast) for _ in range(count)]


@pytest.fixture
def fake() -> Iterator[FakeDiscord]:
    with FakeDiscord() as discord_fake:
        yield discord_fake


def _environment(fake: FakeDiscord, feed_urls: list[str], db: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHOWBOT_", "TELEGRAM_", "DISCORD_", "PTB_"))}
    env.update({
        "DISCORD_TOKEN": fake.token, "DISCORD_API_BASE": fake.api_base, "SHOWBOT_DB": db,
        "SHOWBOT_FEEDS": ",".join(feed_urls), "SHOWBOT_ALLOW_PRIVATE_FEEDS": "1", "SHOWBOT_POLL_INTERVAL": str(POLL_INTERVAL),
        "SHOWBOT_DISCORD_MOD_ROLE": "Mods", "SHOWBOT_LOG_LEVEL": "INFO",
    })
    return env


class Showbot:
    """One `showbot run` process; stopping it checks it stopped cleanly."""

    def __init__(self, env: dict[str, str], workdir: Path, name: str) -> None:
        self.env, self.workdir, self.log_path = env, workdir, workdir / f"{name}.log"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log_path.open("wb") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", env=self.env, cwd=self.workdir, stdout=log,
                stderr=subprocess.STDOUT)

    @property
    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    async def stop(self) -> None:
        process = self.process
        assert process is not None
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.wait_for(process.wait(), 15)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise AssertionError(f"showbot did not stop on SIGTERM:\n{self.output}") from None
        assert code == 0, self.output
        assert "stopped cleanly" in self.output, self.output


@pytest.fixture
async def showbots(tmp_path: Path) -> AsyncIterator[list[Showbot]]:
    started: list[Showbot] = []
    yield started
    for bot in started:  # a failing test still leaves no process behind
        if bot.process is not None and bot.process.returncode is None:
            bot.process.kill()
            await bot.process.wait()


async def _outbox(db: str, *, sent: int, within: float) -> None:
    """Wait until the outbox holds exactly `sent` rows, all sent: nothing left that could go out."""
    deadline = time.monotonic() + within
    counts: dict[str, int] = {}
    while time.monotonic() < deadline:
        async with open_storage(db) as storage:
            counts = await storage.outbox.outbox_counts()
        if counts == {"sent": sent}:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"outbox {counts}, expected {{'sent': {sent}}}")


def _is_post(message: Message, title: str) -> bool:
    return message.interaction_id is None and any(title in (e.get("title") or "") for e in message.embeds)


def _posts(fake: FakeDiscord, title: str) -> list[Message]:
    return [m for m in fake.messages if _is_post(m, title)]


async def test_run_on_discord_answers_commands_and_delivers_each_story_once(
        fake: FakeDiscord, server: LocalServer, tmp_path: Path, showbots: list[Showbot]) -> None:
    feed = GatedFeed(Story(QUIET, "box-office", 30))
    path, other_path = _feed_paths(server, 2)
    server.routes[path] = feed
    db = str(tmp_path / "showbot.db")
    first = Showbot(_environment(fake, [server.url(path)], db), tmp_path, "first")
    showbots.append(first)
    await first.start()

    # (a) logged in at the fake's REST API, synced its commands, identified on the announced gateway
    session = await fake.wait_for_ready(within=20)
    assert session.identify["intents"] == discord.Intents(guilds=True).value  # no privileged intents
    (path_used, query), = fake.gateway_connects
    assert path_used == "/gateway" and query["encoding"] == "json" and query["compress"].endswith("-stream")
    assert fake.frames_in(Op.HEARTBEAT) and fake.dispatched("GUILD_CREATE")
    assert any(f.direction == "out" and f.op == Op.HEARTBEAT_ACK for f in fake.frames)
    assert len(fake.syncs) == 1
    synced = {c["name"]: c for c in fake.commands()}
    assert {"subscribe", "unsubscribe", "channel", "help"} <= set(synced)

    # (b) a fan's /subscribe and a moderator's /channel subscribe, answered through the callback
    subscribed = await fake.wait_for_reply(fake.invoke("subscribe", user=SUBSCRIBER, show="Slow Horses"))
    assert subscribed.type is CallbackType.CHANNEL_MESSAGE and subscribed.ephemeral
    assert "You now follow Slow Horses" in subscribed.content
    refused = await fake.wait_for_reply(
        fake.invoke("channel subscribe", user=SUBSCRIBER, show="Slow Horses", role=FANS_ROLE))
    assert "Only moderators" in refused.content  # Ann holds no Mods role and no Manage Server
    assert MODS_ROLE in fake.guild().member(MODERATOR).roles  # type: ignore[union-attr]
    channel = await fake.wait_for_reply(
        fake.invoke("channel subscribe", user=MODERATOR, show="Slow Horses", role=FANS_ROLE))
    assert channel.type is CallbackType.CHANNEL_MESSAGE and not channel.ephemeral
    assert "This channel will now post Slow Horses news" in channel.content
    for reply in (subscribed, refused, channel):
        assert reply.allowed_mentions == {"parse": []}  # a reply never pings
    assert all(len(fake.replies_to(r.interaction_id)) == 1 for r in (subscribed, refused, channel))

    # (c) the story: one message in #news, its embed, a ping for the subscribed role only; a DM to the fan
    assert feed.fetches == 0, "the gate holds every fetch until the subscriptions exist"
    feed.body = _rss(Story(RENEWAL, "slow-horses-renewed", 5), Story(QUIET, "box-office", 30))
    feed.gate.set()
    post = await fake.wait_for_message(lambda m: m.channel_id == NEWS_CHANNEL and _is_post(m, "Renewed For Season 6"),
                                       within=15)
    dm = await fake.wait_for_message(
        lambda m: m.channel_id == fake.dm_channel_id(SUBSCRIBER) and _is_post(m, "Renewed For Season 6"), within=10)
    await _outbox(db, sent=2, within=10)
    assert post.content == f"<@&{FANS_ROLE}>"
    assert post.embed["title"] == RENEWAL and post.embed["url"] == "https://news.example/tv/slow-horses-renewed"
    assert "Slow Horses" in post.embed["description"]
    assert post.allowed_mentions is not None and post.allowed_mentions.get("parse") == []
    assert [int(r) for r in post.allowed_mentions.get("roles", [])] == [FANS_ROLE]  # snowflakes: ints or strings
    assert post.pings == Pings(everyone=False, roles=(FANS_ROLE,), users=())
    assert post.nonce and dm.nonce and post.nonce != dm.nonce
    assert dm.pings == Pings(everyone=False, roles=(), users=()) and not dm.content
    assert len(_posts(fake, "Renewed For Season 6")) == 2  # #news and the DM, nothing else
    assert fake.calls_to("POST", "/channels/{channel_id}/messages") and not fake.unknown_calls
    await first.stop()

    # (d) a restart: a new gateway session, no command sync (commands unchanged), and the delivered
    # story not sent again though a newly configured feed (polled at once; the first one is not due
    # for POLL_INTERVAL) carries it beside a new one
    other = GatedFeed(Story(TRAILER, "slow-horses-trailer", 1), Story(RENEWAL, "slow-horses-renewed", 5),
                      Story(QUIET, "box-office", 30))
    other.gate.set()
    server.routes[other_path] = other
    second = Showbot(_environment(fake, [server.url(path), server.url(other_path)], db), tmp_path, "second")
    showbots.append(second)
    await second.start()
    restarted = await fake.wait_for_ready(within=20)
    assert restarted.id != session.id and len(fake.identifies) == 2
    trailer = await fake.wait_for_message(lambda m: m.channel_id == NEWS_CHANNEL and _is_post(m, "Trailer"),
                                          within=15)
    await _outbox(db, sent=4, within=10)
    await second.stop()
    assert other.fetches >= 1
    assert trailer.pings == Pings(everyone=False, roles=(FANS_ROLE,), users=())
    assert len(_posts(fake, "Renewed For Season 6")) == 2
    assert len(fake.calls_to("POST", "/channels/{channel_id}/messages")) == 4  # no resend, not even deduplicated
    assert len(fake.syncs) == 1 and "slash commands unchanged" in second.output
    assert not fake.unknown_calls


async def test_run_once_with_a_discord_token_delivers(fake: FakeDiscord, server: LocalServer, tmp_path: Path) -> None:
    """`run --once` with DISCORD_TOKEN connects, delivers what the poll queued, and stops (on the
    original main it queued the notifications and never sent them)."""
    path = _feed_paths(server, 1)[0]
    server.routes[path] = Response(200, _rss(Story(RENEWAL, "renewed", 5)), {"Content-Type": "application/rss+xml"})
    db = str(tmp_path / "showbot.db")
    async with open_storage(db) as storage:
        show = await storage.catalog.upsert_show("Slow Horses")
        await storage.audience.subscribe(SubscriptionRecord("discord", "channel", str(NEWS_CHANNEL), show,
                                                            Event.all(), guild_id=str(GUILD_ID)))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--once", env=_environment(fake, [server.url(path)], db), cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output, _ = await asyncio.wait_for(process.communicate(), 90)
    assert process.returncode == 0, output.decode()
    [post] = _posts(fake, "Slow Horses")
    assert post.channel_id == NEWS_CHANNEL
    async with open_storage(db) as storage:
        assert await storage.outbox.outbox_counts() == {"sent": 1}
    assert not fake.syncs, "a once-run sends; it does not sync the slash commands"

"""The fake Discord itself, with the real discord.py client (showbot's DiscordAdapter) in this process:
the gateway's resume and compression, interactions (buttons, autocomplete, the 3-second rule),
message edits, and the scripted failures later reliability tests rely on (429, 403, 5xx)."""

from __future__ import annotations

import json
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import aiohttp
import discord
import pytest
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.adapters.discord_bot import LIBRARY_GATEWAY, DiscordAdapter, use_api_base
from bot.config import load_settings
from bot.notifications import Notification, NotificationKind, Recipient, Source
from bot.ports import ChatUnavailable, MessageGone, RetryLater
from bot.service import ShowBot
from feeds.model import Event
from tests.support.fake_discord import (
    FANS_ROLE,
    MODERATOR,
    NEWS_CHANNEL,
    SUBSCRIBER,
    CallbackType,
    Failure,
    FakeDiscord,
    Op,
    Pings,
    ReplyKind,
    _Encoder,
    pings,
)


@dataclass
class Running:
    fake: FakeDiscord
    adapter: DiscordAdapter
    showbot: ShowBot


def _notification(outbox_id: int = 7, headline: str = "Slow Horses renewed for season 6") -> Notification:
    return Notification(outbox_id=outbox_id, item_id=1, show="Slow Horses", events=Event.RENEWAL, seasons=(6,),
                        headline=headline, link="https://news.example/slow-horses-s6", source="TV Wire",
                        published_at=1_700_000_000.0, reason="title")


@pytest.fixture
async def running(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Running]:
    # the adapter points discord.py's class-level endpoints at the fake: put them back afterwards
    monkeypatch.setattr(Route, "BASE", Route.BASE)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", DiscordWebSocket.DEFAULT_GATEWAY)
    async with FakeDiscord() as fake:
        settings = load_settings(env={
            "DISCORD_TOKEN": fake.token, "DISCORD_API_BASE": fake.api_base, "SHOWBOT_DB": str(tmp_path / "s.db"),
            "SHOWBOT_FEEDS": "http://127.0.0.1:9/feed.xml", "SHOWBOT_ALLOW_PRIVATE_FEEDS": "1",
            "SHOWBOT_DISCORD_MOD_ROLE": "Mods"})
        async with ShowBot.create(settings) as showbot:
            # discord.py holds on_ready back 2 s after the last GUILD_CREATE (guild_ready_timeout);
            # these tests start as soon as the client has its guild cached instead
            adapter = DiscordAdapter(settings, showbot, ready_timeout=0.01)
            await adapter.start()
            try:
                await fake.wait_for_ready()
                await fake.wait_until(lambda: adapter.bot.get_channel(NEWS_CHANNEL), what="the guild cached")
                yield Running(fake, adapter, showbot)
            finally:
                await adapter.stop()


def test_the_api_base_is_set_for_discord_py_and_put_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Route, "BASE", Route.BASE)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", DiscordWebSocket.DEFAULT_GATEWAY)
    use_api_base("http://127.0.0.1:8090/api/v10/")
    assert Route("GET", "/users/@me").url == "http://127.0.0.1:8090/api/v10/users/@me"
    use_api_base(None)
    assert Route("GET", "/users/@me").url == "https://discord.com/api/v10/users/@me"
    assert DiscordWebSocket.DEFAULT_GATEWAY == LIBRARY_GATEWAY


@pytest.mark.parametrize("compression", ["zlib-stream", discord.utils._ActiveDecompressionContext.COMPRESSION_TYPE])
def test_compressed_frames_decode_with_discord_py_s_own_decompressor(compression: str) -> None:
    """zlib-stream always; zstd-stream too when discord.py found a zstd module and so will ask for it."""
    decoders = {"zlib-stream": _ZlibStream, compression: discord.utils._ActiveDecompressionContext}
    encoder, decoder = _Encoder(compression), decoders[compression]()
    for n in range(3):  # one stream per connection: each frame depends on the ones before
        frame = encoder.encode(json.dumps({"op": 0, "s": n, "d": {"text": "x" * 100 * n}}))
        assert isinstance(frame, bytes)
        assert json.loads(decoder.decompress(frame))["s"] == n
    assert _Encoder(None).encode("{}") == "{}"
    with pytest.raises(ValueError, match="unsupported compression"):
        _Encoder("brotli-stream")


class _ZlibStream:
    """discord.py's zlib-stream reading: a message ends with the Z_SYNC_FLUSH marker 00 00 ff ff."""

    def __init__(self) -> None:
        self._context = zlib.decompressobj()

    def decompress(self, data: bytes) -> str:
        assert data.endswith(b"\x00\x00\xff\xff")
        return self._context.decompress(data).decode()


def test_pings_follow_discord_s_allowed_mentions_rules() -> None:
    content = f"<@&{FANS_ROLE}> <@{SUBSCRIBER}> @everyone"
    assert pings(content, None) == Pings(True, (FANS_ROLE,), (SUBSCRIBER,))  # no allowed_mentions: all
    assert pings(content, {"parse": []}) == Pings(False, (), ())
    assert pings(content, {"parse": [], "roles": [str(FANS_ROLE)]}) == Pings(False, (FANS_ROLE,), ())
    assert pings(content, {"parse": ["users", "everyone"]}) == Pings(True, (), (SUBSCRIBER,))


async def test_login_sync_and_gateway_as_discord_py_does_them(running: Running) -> None:
    fake = running.fake
    routes = [(c.method, c.route) for c in fake.calls]
    assert routes[:4] == [("GET", "/users/@me"), ("GET", "/oauth2/applications/@me"),
                          ("PUT", "/applications/{application_id}/commands"), ("GET", "/gateway/bot")]
    assert running.adapter.bot.user is not None and running.adapter.bot.user.id == fake.guild().member(
        running.adapter.bot.user.id).user.id  # type: ignore[union-attr]
    assert [g.id for g in running.adapter.bot.guilds] == [fake.guild().id]
    assert running.adapter.bot.get_channel(NEWS_CHANNEL) is not None  # GUILD_CREATE's channels are cached
    assert not fake.unknown_calls


async def test_unknown_route_is_a_discord_shaped_404_and_recorded(running: Running) -> None:
    with pytest.raises(discord.NotFound) as caught:
        await running.adapter.bot.http.request(Route("GET", "/sticker-packs"))
    assert caught.value.status == 404
    assert [c.path for c in running.fake.unknown_calls] == ["/sticker-packs"]


async def test_a_wrong_token_is_refused_at_login(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Route, "BASE", Route.BASE)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", DiscordWebSocket.DEFAULT_GATEWAY)
    async with FakeDiscord() as fake:
        settings = load_settings(env={"DISCORD_TOKEN": "not-the-token", "DISCORD_API_BASE": fake.api_base,
                                      "SHOWBOT_DB": str(tmp_path / "s.db")})
        async with ShowBot.create(settings) as showbot:
            adapter = DiscordAdapter(settings, showbot, ready_timeout=5)
            await adapter.start()
            await adapter.stop()
    assert isinstance(adapter.failure, discord.LoginFailure)
    assert [c.status for c in fake.calls] == [401]


async def test_a_resumed_session_gets_the_events_it_missed(running: Running) -> None:
    fake = running.fake
    first = await fake.wait_for_ready()
    fake.reconnect()  # op 7: discord.py closes and RESUMEs on the resume_gateway_url
    await fake.wait_until(lambda: fake.dispatched("RESUMED"), what="RESUMED")
    assert [path for path, _query in fake.gateway_connects] == ["/gateway", "/resume-gateway"]
    (resume,) = [f.d for f in fake.frames_in(Op.RESUME)]
    assert resume["session_id"] == first.id and resume["seq"] >= 2
    reply = await fake.wait_for_reply(fake.invoke("help", user=SUBSCRIBER))
    assert reply.type is CallbackType.CHANNEL_MESSAGE and "/subscribe" in reply.content
    assert len(fake.identifies) == 1  # resumed, not identified again


async def test_an_invalidated_session_identifies_again(running: Running) -> None:
    fake = running.fake
    first = await fake.wait_for_ready()
    fake.invalidate_session()
    second = await fake.wait_until(lambda: len(fake.identifies) == 2 and fake.connected, within=15,
                                   what="a new IDENTIFY")
    assert second
    assert (await fake.wait_for_ready()).id != first.id


async def test_buttons_and_autocomplete(running: Running) -> None:
    fake = running.fake
    typed = await fake.wait_for_reply(fake.autocomplete("subscribe", focused="show", user=SUBSCRIBER, show="slow h"))
    assert typed.type is CallbackType.AUTOCOMPLETE_RESULT
    assert ("Slow Horses", "Slow Horses") in typed.choices
    asked = fake.invoke("subscribe", user=SUBSCRIBER, show="Slow Horses")
    reply = await fake.wait_for_reply(asked)
    assert ("✓ Trailer", reply.buttons[3][1]) in reply.buttons
    pressed = fake.press(reply, "✓ Trailer", user=SUBSCRIBER)
    toggled = await fake.wait_for_reply(pressed)
    assert toggled.type is CallbackType.UPDATE_MESSAGE
    assert "✗ Trailer" in [label for label, _ in toggled.buttons]
    assert fake.message(reply.message_id).edits == 1  # type: ignore[arg-type]
    with pytest.raises(LookupError, match="no option"):
        fake.invoke("subscribe", user=SUBSCRIBER, series="Slow Horses")
    with pytest.raises(ValueError, match="needs"):
        fake.invoke("subscribe", user=SUBSCRIBER)


async def test_an_interaction_answered_too_late_is_unknown(running: Running) -> None:
    fake = running.fake
    fake.interaction_deadline = 0.0
    asked = fake.invoke("help", user=SUBSCRIBER)
    late = await fake.wait_until(lambda: [c for c in fake.calls if c.route.endswith("/callback")], what="a callback")
    assert late[0].status == 404 and late[0].path.startswith(f"/interactions/{asked.id}/")
    assert fake.replies_to(asked) == []


async def test_a_channel_post_is_one_message_and_can_be_edited(running: Running) -> None:
    fake, adapter = running.fake, running.adapter
    await adapter.send(Recipient("discord", "channel", str(NEWS_CHANNEL), str(FANS_ROLE)), _notification())
    (post,) = fake.channel_messages(NEWS_CHANNEL)
    assert post.pings == Pings(False, (FANS_ROLE,), ()) and post.nonce == "showbot-7"
    # a resend with the same nonce (enforce_nonce) returns the first message: Discord's dedup
    await adapter.send(Recipient("discord", "channel", str(NEWS_CHANNEL), str(FANS_ROLE)), _notification())
    assert len(fake.channel_messages(NEWS_CHANNEL)) == 1
    assert len(fake.calls_to("POST", "/channels/{channel_id}/messages")) == 2
    channel = adapter.bot.get_partial_messageable(NEWS_CHANNEL)
    edited = await channel.get_partial_message(post.id).edit(content="also reported by Variety",
                                                             allowed_mentions=discord.AllowedMentions.none())
    assert edited.content == "also reported by Variety" and edited.edited_at is not None
    after = fake.message(post.id)
    assert after.edits == 1 and after.content == "also reported by Variety" and after.embeds == post.embeds
    (patch,) = fake.calls_to("PATCH", "/channels/{channel_id}/messages/{message_id}")
    assert patch.body["content"] == "also reported by Variety"


async def test_a_dm_is_opened_then_sent(running: Running) -> None:
    fake = running.fake
    await running.adapter.send(Recipient("discord", "user", str(SUBSCRIBER)), _notification(outbox_id=8))
    (dm,) = [m for m in fake.messages if m.channel_id == fake.dm_channel_id(SUBSCRIBER)]
    assert dm.pings == Pings(False, (), ()) and dm.embed["title"].startswith("Slow Horses renewed")
    assert fake.calls_to("POST", "/users/@me/channels")[0].body == {"recipient_id": SUBSCRIBER}


@pytest.mark.parametrize(("failure", "expected"), [
    (Failure.missing_permissions(), ChatUnavailable),
    (Failure.unknown_channel(), ChatUnavailable),
    (Failure.rate_limited(120.0), RetryLater),  # longer than the adapter lets discord.py sleep
])
async def test_scripted_failures_reach_the_adapter(running: Running, failure: Failure, expected: type) -> None:
    fake = running.fake
    fake.fail_next("POST", "/channels/{channel_id}/messages", failure)
    with pytest.raises(expected):
        await running.adapter.send(Recipient("discord", "channel", str(NEWS_CHANNEL)), _notification())
    assert fake.channel_messages(NEWS_CHANNEL) == []
    await running.adapter.send(Recipient("discord", "channel", str(NEWS_CHANNEL)), _notification())  # only once
    assert len(fake.channel_messages(NEWS_CHANNEL)) == 1


async def test_closed_dms_answer_50007(running: Running) -> None:
    running.fake.close_dms(SUBSCRIBER)
    with pytest.raises(ChatUnavailable, match="403"):
        await running.adapter.send(Recipient("discord", "user", str(SUBSCRIBER)), _notification())


@pytest.mark.parametrize("global_", [False, True])
async def test_a_short_429_is_retried_by_discord_py(running: Running, global_: bool) -> None:
    fake = running.fake
    fake.fail_next("POST", f"/channels/{NEWS_CHANNEL}/messages", Failure.rate_limited(0.2, global_=global_))
    await running.adapter.send(Recipient("discord", "channel", str(NEWS_CHANNEL)), _notification())
    statuses = [c.status for c in fake.calls_to("POST", "/channels/{channel_id}/messages")]
    assert statuses == [429, 200]
    assert len(fake.channel_messages(NEWS_CHANNEL)) == 1


async def test_a_500_is_retried_by_discord_py(running: Running) -> None:
    fake = running.fake
    fake.fail_next("POST", "/channels/{channel_id}/messages", Failure.server_error(502))
    await running.adapter.send(Recipient("discord", "channel", str(NEWS_CHANNEL)), _notification())
    assert [c.status for c in fake.calls_to("POST", "/channels/{channel_id}/messages")] == [502, 200]


async def test_a_moderator_by_role_subscribes_the_channel(running: Running) -> None:
    fake = running.fake
    reply = await fake.wait_for_reply(fake.invoke("channel subscribe", user=MODERATOR, show="Slow Horses",
                                                  role=FANS_ROLE))
    assert reply.kind is ReplyKind.CALLBACK and "This channel will now post Slow Horses" in reply.content
    subs = await running.showbot.storage.audience.subscriptions("discord", "channel", str(NEWS_CHANNEL))
    assert [(s.show, s.role_id) for s in subs] == [("Slow Horses", str(FANS_ROLE))]


async def test_the_standalone_control_api(running: Running) -> None:
    fake = running.fake
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{fake.base}/_fake/invoke", json={"command": "help", "user": SUBSCRIBER}) as answer:
            assert answer.status == 200
            invocation_id = int((await answer.json())["id"])
        await fake.wait_for_reply(invocation_id)
        async with http.get(f"{fake.base}/_fake/replies") as answer:
            replies: list[dict[str, Any]] = await answer.json()
    assert [r["interaction_id"] for r in replies] == [str(invocation_id)]


# -- one story, one message: edits for more sources, replies for updates ---------------------------------
async def test_the_adapter_edits_its_post_and_an_update_replies_to_it(running: Running) -> None:
    fake, adapter = running.fake, running.adapter
    news = Recipient("discord", "channel", str(NEWS_CHANNEL), str(FANS_ROLE))
    story = _notification()
    sent = await adapter.send(news, story)
    assert sent is not None and sent.chat_id == str(NEWS_CHANNEL)
    (post,) = fake.channel_messages(NEWS_CHANNEL)
    assert sent.message_id == str(post.id)

    more = story.with_sources((Source("TV Wire", "https://news.example/slow-horses-s6"),
                               Source("Variety", "https://variety.example/sh6"), Source("Deadline", None)))
    await adapter.edit(news, sent, more)
    after = fake.message(post.id)
    assert after.edits == 1 and len(fake.channel_messages(NEWS_CHANNEL)) == 1
    sources = next(f["value"] for f in after.embed["fields"] if f["name"] == "Sources")
    assert sources == "[TV Wire](https://news.example/slow-horses-s6) · [Variety](https://variety.example/sh6) · Deadline"
    assert after.pings == Pings(False, (FANS_ROLE,), ())  # the mention stays; an edit notifies nobody anew
    assert after.allowed_mentions is not None and after.allowed_mentions.get("parse") == []

    update = replace(_notification(outbox_id=9, headline="Slow Horses season 6 sets a September premiere"),
                     kind=NotificationKind.UPDATE, change="date set: September 2026", replying_to=sent)
    answer = await adapter.send(news, update)
    assert answer is not None
    reply = fake.message(int(answer.message_id))
    assert reply.message_reference is not None and int(reply.message_reference["message_id"]) == post.id
    assert reply.message_reference.get("fail_if_not_exists") is False
    assert reply.embed["description"].startswith("🔄 Update")

    await adapter.bot.get_partial_messageable(NEWS_CHANNEL).get_partial_message(post.id).delete()  # a moderator
    with pytest.raises(MessageGone):
        await adapter.edit(news, sent, more)

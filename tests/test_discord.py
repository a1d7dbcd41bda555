"""The Discord adapter, offline: the command tree as discord.py builds it, slash commands run through
discord.py's own Interaction objects (built from payload dicts, as discord.py's tests do), replies
caught at the webhook-adapter seam, sends caught at the HTTP-client seam. Never logs in."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.webhook.async_ import async_context

from bot.adapters import discord_bot, discord_commands
from bot.adapters.discord_bot import (
    COMMANDS_META_KEY,
    DISCORD_LIMITS,
    DiscordAdapter,
    ShowbotDiscordBot,
    build_message,
    delivery_error,
)
from bot.adapters.discord_commands import ChoiceButton, caller_from
from bot.commands import Action, ArgKind, ChatType, Choice, Commands, Permission, Reply, build_registry
from bot.config import load_settings
from bot.notifications import DISCORD_TITLE_LIMIT, Notification, Recipient
from bot.ports import ChatUnavailable, PermanentFailure, RetryLater, TemporaryFailure
from bot.preferences import Preferences
from bot.service import ShowBot
from feeds.model import Event
from storage.records import ChatPreferences

GUILD = 500
CHANNEL = 700
USER = 111
BOT_USER = 42
MANAGE_GUILD = str(discord.Permissions(manage_guild=True).value)
EPHEMERAL = 64
MODERATOR_COMMANDS = ("feed", "catalog", "alias", "mute", "unmute", "stats")
# everyone's commands: the registry's top-level names that are no moderator command or group
USER_COMMANDS = tuple(top for top, members in build_registry().entries()
                      if all(c.permission is Permission.ANYONE for c in members))


# -- fixtures & builders ----------------------------------------------------------------------
class FakeWebhookAdapter:
    """Stands in for discord.py's AsyncWebhookAdapter: records interaction responses and follow-ups."""

    def __init__(self) -> None:
        self.responses: list[dict[str, Any]] = []
        self.followups: list[dict[str, Any]] = []

    async def create_interaction_response(self, interaction_id: int, token: str, *, session: Any,
                                          proxy: Any = None, proxy_auth: Any = None, params: Any) -> dict[str, Any]:
        self.responses.append(params.payload)
        return {"interaction": {"id": str(interaction_id), "type": 2}}

    async def execute_webhook(self, webhook_id: int, token: str, *, payload: dict[str, Any] | None = None,
                              wait: bool = False, **_: Any) -> dict[str, Any] | None:
        self.followups.append(payload or {})
        return _message_payload(CHANNEL, (payload or {}).get("content")) if wait else None

    @property
    def last(self) -> dict[str, Any]:
        return self.responses[-1]


class FakeResponse:
    """What discord.HTTPException reads from an aiohttp response."""

    def __init__(self, status: int, reason: str = "", headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.reason = reason
        self.headers = headers or {}


def _user_payload(user_id: int = USER) -> dict[str, Any]:
    return {"id": str(user_id), "username": f"user{user_id}", "discriminator": "0", "global_name": "Ann",
            "avatar": None}


def _role_payload(role_id: int, name: str) -> dict[str, Any]:
    return {"id": str(role_id), "name": name, "color": 0, "hoist": False, "position": 1, "permissions": "0",
            "managed": False, "mentionable": True}


def interaction_payload(path: list[str], options: list[dict[str, Any]] | None = None, *, guild: bool = True,
                        permissions: str = "0", roles: tuple[int, ...] = (), user_id: int = USER,
                        kind: int = 2, resolved: dict[str, Any] | None = None) -> dict[str, Any]:
    """An INTERACTION_CREATE payload for `/path[0] path[1] ...` with the given options."""
    inner: list[dict[str, Any]] = options or []
    for name in reversed(path[1:]):
        inner = [{"type": 1, "name": name, "options": inner}]
    data: dict[str, Any] = {"id": "1", "name": path[0], "type": 1, "options": inner}
    if resolved:
        data["resolved"] = resolved
    payload: dict[str, Any] = {"id": "9999", "application_id": str(BOT_USER), "type": kind, "token": "tok",
                               "version": 1, "attachment_size_limit": 8_000_000, "locale": "en-US", "data": data}
    if guild:
        payload["guild_id"] = str(GUILD)
        payload["channel"] = {"id": str(CHANNEL), "type": 0, "guild_id": str(GUILD), "name": "tv-news",
                              "position": 0, "permission_overwrites": [], "nsfw": False, "parent_id": None}
        payload["member"] = {"user": _user_payload(user_id), "roles": [str(r) for r in roles],
                             "joined_at": "2024-01-01T00:00:00+00:00", "deaf": False, "mute": False,
                             "permissions": permissions, "flags": 0}
    else:
        payload["channel"] = {"id": "800", "type": 1, "recipients": [_user_payload(user_id)]}
        payload["user"] = _user_payload(user_id)
    return payload


def text_option(name: str, value: str, *, focused: bool = False) -> dict[str, Any]:
    option: dict[str, Any] = {"type": 3, "name": name, "value": value}
    if focused:
        option["focused"] = True
    return option


@pytest.fixture
def webhook() -> FakeWebhookAdapter:
    fake = FakeWebhookAdapter()
    token = async_context.set(fake)  # type: ignore[arg-type]
    yield fake
    async_context.reset(token)


@pytest.fixture
async def showbot(db_path: str) -> AsyncIterator[ShowBot]:
    async with ShowBot.create(load_settings(env={}, db=db_path)) as sb:
        yield sb


class FakePreferenceStore:
    """No chat chose anything."""

    async def preferences(self, platform: str, chat_id: str) -> ChatPreferences:
        return ChatPreferences()


class FakeShowBot:
    """Enough of a ShowBot for sends and lifecycle (no database, no catalog)."""

    def __init__(self) -> None:
        self.settings = load_settings(env={}, db=":memory:")
        self.storage = SimpleNamespace(meta=None)  # no database: command sync is never remembered
        self.preferences = Preferences(FakePreferenceStore())  # type: ignore[arg-type]


def make_adapter(showbot: ShowBot | FakeShowBot, **settings: Any) -> DiscordAdapter:
    adapter = DiscordAdapter(load_settings(env={}, db=showbot.settings.db, discord_token="not-a-real-token",
                                           **settings), showbot, sync_commands=False)  # type: ignore[arg-type]
    state = adapter.bot._connection
    # what login() would store: the bot's own user (no network involved)
    state.user = discord.ClientUser(state=state, data={**_user_payload(BOT_USER), "bot": True})
    return adapter


@pytest.fixture
async def adapter(showbot: ShowBot) -> AsyncIterator[DiscordAdapter]:
    adapter = make_adapter(showbot)
    await adapter.bot.setup_hook()
    yield adapter
    await adapter.bot.close()


@pytest.fixture
async def sender() -> AsyncIterator[DiscordAdapter]:
    """An adapter for send(): 'logged in' (its own user known), no catalog behind it."""
    adapter = make_adapter(FakeShowBot())
    yield adapter
    await adapter.bot.close()


async def invoke(adapter: DiscordAdapter, payload: dict[str, Any]) -> discord.Interaction:
    """Run an interaction through the tree as discord.py's gateway handler does (minus the task)."""
    interaction: discord.Interaction = discord.Interaction(data=payload, state=adapter.bot._connection)
    tree = adapter.bot.tree
    try:
        await tree._call(interaction)
    except app_commands.AppCommandError as exc:
        await tree._dispatch_error(interaction, exc)
    return interaction


def cache_guild(adapter: DiscordAdapter, roles: list[tuple[int, str]]) -> discord.Guild:
    """What GUILD_CREATE (the guilds intent) puts in the cache: the server and its roles."""
    state = adapter.bot._connection
    guild = discord.Guild(data={"id": str(GUILD), "name": "TV fans",
                                "roles": [_role_payload(GUILD, "@everyone")] + [_role_payload(i, n) for i, n in roles]},
                          state=state)
    state._add_guild(guild)
    return guild


def _notification(headline: str = "Squid Game renewed for season 3", **kw: Any) -> Notification:
    fields: dict[str, Any] = dict(outbox_id=7, item_id=1, show="Squid Game", events=Event.RENEWAL, seasons=(3,),
                                  headline=headline, link="https://news.example/squid-game-s3", source="Variety",
                                  published_at=1_700_000_000.0, reason="title")
    fields.update(kw)
    return Notification(**fields)


def _command(payloads: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(p for p in payloads if p["name"] == name)


def _options(command: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {o["name"]: o for o in command["options"]}


# -- the command tree -----------------------------------------------------------------------------
async def test_tree_has_every_command_with_typed_options(adapter: DiscordAdapter) -> None:
    payloads = adapter.bot.command_payload()
    assert {p["name"] for p in payloads} == {*USER_COMMANDS, "channel", *MODERATOR_COMMANDS}

    subscribe = _options(_command(payloads, "subscribe"))
    assert list(subscribe) == ["show", "events"]
    assert subscribe["show"]["type"] == discord.AppCommandOptionType.string.value
    assert subscribe["show"]["required"] is True and subscribe["show"]["max_length"] == 100
    assert subscribe["events"]["required"] is False

    channel = _options(_command(payloads, "channel"))
    assert set(channel) == {c.sub for c in build_registry().subcommands("channel")}
    assert {"subscribe", "unsubscribe", "list", "language", "timezone", "notify", "digest", "quiet"} <= set(channel)
    sub = _options(channel["subscribe"])
    assert list(sub) == ["show", "events", "role", "where"]
    assert sub["role"]["type"] == discord.AppCommandOptionType.role.value and sub["role"]["required"] is False

    assert set(_options(_command(payloads, "feed"))) == {"add", "remove", "list", "import", "export"}
    assert _options(_options(_command(payloads, "feed"))["add"])["url"]["required"] is True
    catalog_add = _options(_options(_command(payloads, "catalog"))["add"])
    assert catalog_add["title"]["required"] is True and catalog_add["aliases"]["required"] is False
    assert list(_options(_options(_command(payloads, "alias"))["add"])) == ["show", "alias"]
    assert _options(_command(payloads, "shows"))["query"]["required"] is False
    assert _command(payloads, "help")["description"].startswith("What I can do")  # the registry's description


async def test_every_show_option_autocompletes(adapter: DiscordAdapter) -> None:
    show_options: list[dict[str, Any]] = []

    def walk(options: list[dict[str, Any]]) -> None:
        for option in options:
            if option["type"] == 1:
                walk(option.get("options", []))
            elif option["name"] == "show":
                show_options.append(option)

    for payload in adapter.bot.command_payload():
        walk(payload["options"])
    registry = build_registry()
    assert len(show_options) == sum(1 for c in registry for a in c.args if a.kind is ArgKind.SHOW) >= 16
    assert all(o.get("autocomplete") is True for o in show_options)
    assert all(o["description"] for o in show_options)  # @describe


async def test_moderator_commands_need_manage_server_and_per_server_ones_are_guild_only(
        adapter: DiscordAdapter) -> None:
    payloads = {p["name"]: p for p in adapter.bot.command_payload()}
    manage_guild = discord.Permissions(manage_guild=True).value
    for name in MODERATOR_COMMANDS:
        assert payloads[name]["default_member_permissions"] == manage_guild, name
    for name in (*USER_COMMANDS, "channel"):
        assert payloads[name]["default_member_permissions"] is None, name
    for name in ("mute", "unmute", "channel"):
        assert payloads[name]["dm_permission"] is False, name
    for name in (*USER_COMMANDS, "feed", "catalog", "alias", "stats"):  # owners may use these in a DM
        assert payloads[name]["dm_permission"] is True, name


async def test_setup_hook_syncs_only_when_the_commands_change(showbot: ShowBot,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    bot = ShowbotDiscordBot(Commands(showbot), meta=showbot.storage.meta, sync_commands=True)
    synced: list[int] = []

    async def fake_sync(*, guild: Any = None) -> list[Any]:
        synced.append(1)
        return []

    monkeypatch.setattr(bot.tree, "sync", fake_sync)
    await bot.setup_hook()
    assert synced == [1] and await showbot.storage.meta.get_meta(COMMANDS_META_KEY)
    await bot.sync_tree()
    assert synced == [1]  # unchanged: no second sync against the daily quota
    await showbot.storage.meta.set_meta(COMMANDS_META_KEY, "an older command set")
    await bot.sync_tree()
    assert synced == [1, 1]
    await bot.close()


async def test_bot_asks_for_minimal_intents_and_never_pings_by_default(adapter: DiscordAdapter) -> None:
    intents = adapter.bot.intents
    assert intents.guilds and not intents.message_content and not intents.members and not intents.messages
    assert adapter.bot.allowed_mentions is not None
    assert adapter.bot.allowed_mentions.to_dict() == {"parse": []}
    assert adapter.platform == "discord" and adapter.limits == DISCORD_LIMITS


# -- slash commands through discord.py's Interaction objects -----------------------------------------
async def test_subscribe_in_a_server_subscribes_the_user_for_dms_and_answers_ephemerally(
        adapter: DiscordAdapter, showbot: ShowBot, webhook: FakeWebhookAdapter) -> None:
    await invoke(adapter, interaction_payload(["subscribe"], [text_option("show", "Squid Game"),
                                                              text_option("events", "trailer renewal")]))
    subs = await showbot.storage.audience.subscriptions("discord", "user", str(USER))
    assert [(s.show, s.events, s.chat_id) for s in subs] == [("Squid Game", Event.TRAILER | Event.RENEWAL, str(USER))]
    data = webhook.last["data"]
    assert "You now follow Squid Game" in data["content"]
    assert data["flags"] & EPHEMERAL
    assert data["allowed_mentions"] == {"parse": []}
    labels = [b["label"] for row in data["components"] for b in row["components"]]
    assert "✓ Trailer" in labels and "✗ Casting" in labels  # the event toggles as buttons


async def test_subscribe_in_a_dm_uses_the_user_as_the_chat(adapter: DiscordAdapter, showbot: ShowBot,
                                                           webhook: FakeWebhookAdapter) -> None:
    interaction = await invoke(adapter, interaction_payload(["subscribe"], [text_option("show", "Squid Game")],
                                                            guild=False))
    caller = caller_from(interaction)
    assert (caller.chat_type, caller.chat_id, caller.user_id, caller.guild_id) == (
        ChatType.PRIVATE, str(USER), str(USER), None)
    assert not caller.is_chat_admin
    assert await showbot.storage.audience.subscriptions("discord", "user", str(USER))
    assert "privately" not in webhook.last["data"]["content"]


async def test_a_refusal_is_a_clear_ephemeral_reply(adapter: DiscordAdapter, webhook: FakeWebhookAdapter) -> None:
    await invoke(adapter, interaction_payload(["latest"], [text_option("show", "Qwzxv Plorb")]))
    data = webhook.last["data"]
    assert "don't know" in data["content"] and data["flags"] & EPHEMERAL


async def test_show_autocomplete_offers_catalog_titles(adapter: DiscordAdapter, webhook: FakeWebhookAdapter) -> None:
    await invoke(adapter, interaction_payload(["subscribe"], [text_option("show", "squid", focused=True)], kind=4))
    response = webhook.last
    assert response["type"] == discord.InteractionResponseType.autocomplete_result.value
    names = [c["name"] for c in response["data"]["choices"]]
    assert names[0] == "Squid Game"
    assert all(len(n) <= 100 for n in names) and len(names) <= 25


async def test_events_autocomplete_completes_the_last_word(adapter: DiscordAdapter,
                                                           webhook: FakeWebhookAdapter) -> None:
    await invoke(adapter, interaction_payload(
        ["channel", "subscribe"], [text_option("show", "Squid Game"), text_option("events", "renewal, tra", focused=True)],
        kind=4))
    assert [c["value"] for c in webhook.last["data"]["choices"]] == ["renewal trailer"]


async def test_moderator_command_refused_without_manage_server_accepted_with_it(
        adapter: DiscordAdapter, webhook: FakeWebhookAdapter) -> None:
    await invoke(adapter, interaction_payload(["stats"], permissions="0"))
    refused = webhook.last["data"]
    assert refused["content"].startswith("Only moderators") and refused["flags"] & EPHEMERAL

    await invoke(adapter, interaction_payload(["stats"], permissions=MANAGE_GUILD))
    assert webhook.last["data"]["content"].startswith("Catalog:")

    await invoke(adapter, interaction_payload(["stats"], guild=False))  # a DM never borrows a server's rights
    assert webhook.last["data"]["content"].startswith("Only bot owners")


async def test_the_configured_moderator_role_moderates(showbot: ShowBot, webhook: FakeWebhookAdapter) -> None:
    adapter = make_adapter(showbot, discord_moderator_role="Show Mods")
    await adapter.bot.setup_hook()
    cache_guild(adapter, [(777, "Show Mods"), (778, "Fans")])
    try:
        await invoke(adapter, interaction_payload(["feed", "list"], roles=(778,)))
        assert webhook.last["data"]["content"].startswith("Only moderators")
        interaction = await invoke(adapter, interaction_payload(["feed", "list"], roles=(777,)))
        assert caller_from(interaction, moderator_role="Show Mods").is_chat_admin
        assert caller_from(interaction, moderator_role="777").is_chat_admin  # by id too
        assert "feeds:" in webhook.last["data"]["content"]
    finally:
        await adapter.bot.close()


async def test_channel_subscribe_posts_here_and_mentions_the_role(adapter: DiscordAdapter, showbot: ShowBot,
                                                                  webhook: FakeWebhookAdapter) -> None:
    role = {"roles": {"555": _role_payload(555, "squid-fans")}}
    await invoke(adapter, interaction_payload(
        ["channel", "subscribe"], [text_option("show", "Squid Game"), {"type": 8, "name": "role", "value": "555"}],
        permissions=MANAGE_GUILD, resolved=role))
    [sub] = await showbot.storage.audience.subscriptions("discord", "channel", str(CHANNEL))
    assert (sub.show, sub.guild_id, sub.role_id) == ("Squid Game", str(GUILD), "555")
    data = webhook.last["data"]
    assert "mentions that role" in data["content"]
    assert not data.get("flags", 0) & EPHEMERAL  # the channel sees what it will now get

    await invoke(adapter, interaction_payload(["channel", "subscribe"], [text_option("show", "Squid Game")]))
    assert webhook.last["data"]["content"].startswith("Only moderators")


async def test_channel_subscribe_refuses_the_everyone_role(adapter: DiscordAdapter, showbot: ShowBot,
                                                           webhook: FakeWebhookAdapter) -> None:
    everyone = {"roles": {str(GUILD): _role_payload(GUILD, "@everyone")}}
    await invoke(adapter, interaction_payload(
        ["channel", "subscribe"], [text_option("show", "Squid Game"), {"type": 8, "name": "role", "value": str(GUILD)}],
        permissions=MANAGE_GUILD, resolved=everyone))
    assert "@everyone can't be mentioned" in webhook.last["data"]["content"]
    assert await showbot.storage.audience.subscriptions("discord", "channel", str(CHANNEL)) == []


async def test_a_slow_command_defers_then_follows_up(adapter: DiscordAdapter, webhook: FakeWebhookAdapter,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(discord_commands, "DEFER_AFTER", 0.01)
    real = adapter.commands.execute

    async def slow(caller: Any, name: str, args: Any = None) -> Reply:
        if name != "stats":
            return await real(caller, name, args)
        await asyncio.sleep(0.1)
        return Reply("counted")

    monkeypatch.setattr(adapter.commands, "execute", slow)
    await invoke(adapter, interaction_payload(["stats"], permissions=MANAGE_GUILD))
    assert webhook.last["type"] == discord.InteractionResponseType.deferred_channel_message.value
    assert webhook.followups[-1]["content"] == "counted"


async def test_a_failing_command_is_logged_and_answered(adapter: DiscordAdapter, webhook: FakeWebhookAdapter,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    async def broken(caller: Any, name: str, args: Any = None) -> Reply:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(adapter.commands, "execute", broken)
    await invoke(adapter, interaction_payload(["subscriptions"]))
    assert webhook.last["data"]["content"].startswith("Something went wrong")
    assert webhook.last["data"]["flags"] & EPHEMERAL
    assert any("database on fire" in r.getMessage() or (r.exc_info and "database on fire" in str(r.exc_info[1]))
               for r in caplog.records)


async def test_an_out_of_date_command_on_discords_side_gets_an_explanation(
        adapter: DiscordAdapter, webhook: FakeWebhookAdapter) -> None:
    await invoke(adapter, interaction_payload(["subscribe"], [text_option("series", "Squid Game")]))
    data = webhook.last["data"]
    assert "commands have just changed" in data["content"] and data["flags"] & EPHEMERAL


async def test_pressing_a_choice_button_runs_it_as_the_presser(adapter: DiscordAdapter, showbot: ShowBot,
                                                               webhook: FakeWebhookAdapter) -> None:
    [show] = await showbot.storage.catalog.find_shows("Squid Game")
    view = await adapter.bot.command_runner.view([Choice("Follow Squid Game", Action.SUBSCRIBE, show.id, Event.TRAILER)],
                                                 caller_from(discord.Interaction(data=interaction_payload(["help"]),
                                                                                 state=adapter.bot._connection)))
    assert view is not None
    [item] = view.children
    assert isinstance(item, ChoiceButton) and item.custom_id == f"c:s:{show.id}:{int(Event.TRAILER)}:{USER}:"

    def pressed(user_id: int) -> dict[str, Any]:
        press = interaction_payload(["subscribe"], kind=3, user_id=user_id)
        press["data"] = {"custom_id": item.custom_id, "component_type": 2}
        press["message"] = {"id": "4242", "channel_id": str(CHANNEL), "author": _user_payload(BOT_USER),
                            "content": "", "timestamp": "2024-01-01T00:00:00+00:00", "edited_timestamp": None,
                            "tts": False, "mention_everyone": False, "mentions": [], "mention_roles": [],
                            "attachments": [], "embeds": [], "pinned": False, "type": 0, "flags": EPHEMERAL,
                            "components": [{"type": 1, "components": [item.to_component_dict()]}]}
        return press

    # the button is dispatched by its custom id alone (no view kept in memory: it survives a restart)
    state = adapter.bot._connection
    state._view_store.dispatch_view(2, item.custom_id, discord.Interaction(data=pressed(USER), state=state))
    await _settle(lambda: webhook.responses)

    [sub] = await showbot.storage.audience.subscriptions("discord", "user", str(USER))
    assert sub.events == Event.TRAILER
    assert webhook.last["type"] == discord.InteractionResponseType.message_update.value
    assert webhook.last["data"]["content"].startswith("You now follow Squid Game")

    state._view_store.dispatch_view(2, item.custom_id, discord.Interaction(data=pressed(222), state=state))
    await _settle(lambda: len(webhook.responses) == 2)
    assert "someone else's" in webhook.last["data"]["content"]
    assert not await showbot.storage.audience.subscriptions("discord", "user", "222")


async def _settle(done: Any) -> None:
    for _ in range(200):
        if done():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("nothing happened")


# -- notifications: the embed and its mentions -----------------------------------------------------
def test_embed_escapes_markdown_and_shows_the_fields() -> None:
    n = _notification("**Squid Game** renewed_for `season 3` [click](https://evil.example)",
                      events=Event.RENEWAL | Event.TRAILER, seasons=(3,))
    out = build_message(n)
    embed = out.embed
    assert isinstance(embed, discord.Embed)
    assert embed.title == r"\*\*Squid Game\*\* renewed\_for \`season 3\` \[click\](https://evil.example)"
    assert embed.url == "https://news.example/squid-game-s3"
    assert embed.footer.text == "Variety"
    fields = {f.name: f.value for f in embed.fields}
    assert fields == {"Show": "Squid Game", "News": "🔁 Renewed, 🎬 Trailer", "Season": "Season 3", "Why": "title"}
    assert embed.timestamp is not None and embed.timestamp.year == 2023
    assert out.content is None  # no role: nothing in the message body to ping
    assert out.nonce == "showbot-7"


def test_the_embed_says_why_the_notification_was_sent() -> None:
    n = _notification(reason="\"Squid Game\" (distinct title); renewal: 'renewed' [renewal.renewed]")
    fields = {f["name"]: f["value"] for f in build_message(n).embed.to_dict()["fields"]}
    assert fields["Why"] == "\"Squid Game\" (distinct title); renewal: 'renewed'"
    assert "Why" not in {f["name"] for f in build_message(_notification(reason="")).embed.to_dict()["fields"]}


def test_everyone_in_a_headline_cannot_ping() -> None:
    out = build_message(_notification("@everyone @here <@123> <@&456> Squid Game renewed"))
    assert "@everyone" not in (out.embed.title or "") and "@here" not in (out.embed.title or "")
    assert "<@123>" not in (out.embed.title or "") and "<@&456>" not in (out.embed.title or "")
    mentions = out.allowed_mentions
    assert mentions.everyone is False and mentions.users is False and mentions.roles is False
    assert mentions.to_dict() == {"parse": []}


def test_only_the_subscribed_role_is_mentioned() -> None:
    out = build_message(_notification("<@&999> Squid Game renewed"), role_id="555")
    assert out.content == "<@&555>"
    assert out.allowed_mentions.to_dict() == {"roles": [555], "parse": []}
    assert build_message(_notification(), role_id="not-a-snowflake").allowed_mentions.to_dict() == {"parse": []}


def test_an_overlong_headline_fits_the_embed_limits() -> None:
    out = build_message(_notification("Squid Game " + "renewed and more news " * 40))
    assert out.embed.title is not None and len(out.embed.title) <= DISCORD_TITLE_LIMIT
    assert out.embed.title.endswith("…")
    assert len(out.embed) <= 6000


# -- send(): through discord.py's Messageable.send, the HTTP client faked --------------------------------
def _message_payload(channel_id: int, content: str | None) -> dict[str, Any]:
    return {"id": "1", "channel_id": str(channel_id), "author": _user_payload(BOT_USER), "content": content or "",
            "timestamp": "2024-01-01T00:00:00+00:00", "edited_timestamp": None, "tts": False,
            "mention_everyone": False, "mentions": [], "mention_roles": [], "attachments": [], "embeds": [],
            "pinned": False, "type": 0}


class FakeDiscordHTTP:
    """Replaces the two HTTPClient calls a send makes; raises `error` from send_message if set."""

    def __init__(self, error: BaseException | None = None, dm_error: BaseException | None = None) -> None:
        self.sent: list[tuple[int, dict[str, Any]]] = []
        self.dms: list[int] = []
        self.error = error
        self.dm_error = dm_error

    async def send_message(self, channel_id: int, *, params: Any) -> dict[str, Any]:
        if self.error is not None:
            raise self.error
        self.sent.append((int(channel_id), params.payload))
        return _message_payload(int(channel_id), params.payload.get("content"))

    async def start_private_message(self, user_id: int) -> dict[str, Any]:
        if self.dm_error is not None:
            raise self.dm_error
        self.dms.append(int(user_id))
        return {"id": "900", "type": 1, "recipients": [_user_payload(int(user_id))]}

    def install(self, adapter: DiscordAdapter, monkeypatch: pytest.MonkeyPatch) -> FakeDiscordHTTP:
        monkeypatch.setattr(adapter.bot.http, "send_message", self.send_message)
        monkeypatch.setattr(adapter.bot.http, "start_private_message", self.start_private_message)
        return self


async def test_channel_send_carries_embed_nonce_and_role_mention(sender: DiscordAdapter,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    http = FakeDiscordHTTP().install(sender, monkeypatch)
    await sender.send(Recipient("discord", "channel", str(CHANNEL), "555"),
                       _notification("@everyone Squid Game renewed"))
    [(channel_id, payload)] = http.sent
    assert channel_id == CHANNEL
    assert payload["content"] == "<@&555>"
    assert payload["nonce"] == "showbot-7" and payload["enforce_nonce"] is True
    assert payload["allowed_mentions"] == {"roles": [555], "parse": []}
    [embed] = payload["embeds"]
    assert "@\u200beveryone" in embed["title"] and embed["url"] == "https://news.example/squid-game-s3"
    assert json.dumps(payload).count("@everyone") == 0


async def test_user_send_goes_to_their_dm(sender: DiscordAdapter, monkeypatch: pytest.MonkeyPatch) -> None:
    http = FakeDiscordHTTP().install(sender, monkeypatch)
    await sender.send(Recipient("discord", "user", str(USER)), _notification())
    assert http.dms == [USER]
    [(channel_id, payload)] = http.sent
    assert channel_id == 900 and payload["allowed_mentions"] == {"parse": []} and payload.get("content") is None
    await sender.send(Recipient("discord", "user", str(USER)), _notification(outbox_id=8))
    assert http.dms == [USER]  # the DM channel is cached after the first send


@pytest.mark.parametrize(("error", "expected"), [
    (discord.Forbidden(FakeResponse(403, "Forbidden"), {"code": 50013, "message": "Missing Permissions"}),
     ChatUnavailable),
    (discord.NotFound(FakeResponse(404, "Not Found"), {"code": 10003, "message": "Unknown Channel"}),
     ChatUnavailable),
    (discord.DiscordServerError(FakeResponse(500, "Internal Server Error"), "oops"), TemporaryFailure),
    (discord.HTTPException(FakeResponse(503, "Service Unavailable"), ""), TemporaryFailure),
    (discord.HTTPException(FakeResponse(400, "Bad Request"), {"code": 50035, "message": "Invalid Form Body"}),
     PermanentFailure),
    (aiohttp.ClientConnectionError("connection reset"), TemporaryFailure),
    (TimeoutError(), TemporaryFailure),
])
async def test_send_errors_map_to_the_delivery_port(sender: DiscordAdapter, monkeypatch: pytest.MonkeyPatch,
                                                    error: BaseException, expected: type[Exception]) -> None:
    FakeDiscordHTTP(error=error).install(sender, monkeypatch)
    with pytest.raises(expected) as info:
        await sender.send(Recipient("discord", "channel", str(CHANNEL)), _notification())
    assert info.value.__cause__ is error


async def test_rate_limits_that_reach_us_become_retry_later(sender: DiscordAdapter,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    FakeDiscordHTTP(error=discord.RateLimited(120.0)).install(sender, monkeypatch)
    with pytest.raises(RetryLater) as info:
        await sender.send(Recipient("discord", "channel", str(CHANNEL)), _notification())
    assert info.value.retry_after == 120.0
    too_many = discord.HTTPException(FakeResponse(429, "Too Many Requests", {"Retry-After": "7.5"}), "slow down")
    error = delivery_error(too_many)
    assert isinstance(error, RetryLater) and error.retry_after == 7.5


async def test_a_user_who_blocks_dms_is_unavailable(sender: DiscordAdapter, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = discord.Forbidden(FakeResponse(403, "Forbidden"),
                                {"code": 50007, "message": "Cannot send messages to this user"})
    FakeDiscordHTTP(dm_error=blocked).install(sender, monkeypatch)
    with pytest.raises(ChatUnavailable, match="Cannot send messages"):
        await sender.send(Recipient("discord", "user", str(USER)), _notification())


async def test_send_before_login_is_temporary() -> None:
    adapter = DiscordAdapter(load_settings(env={}, discord_token="x"), FakeShowBot())  # type: ignore[arg-type]
    with pytest.raises(TemporaryFailure):
        await adapter.send(Recipient("discord", "channel", str(CHANNEL)), _notification())
    await adapter.bot.close()


# -- lifecycle ----------------------------------------------------------------------------------------
def fake_gateway(monkeypatch: pytest.MonkeyPatch, failures: list[BaseException]) -> list[ShowbotDiscordBot]:
    """Replace login+connect: each start() raises the next failure, else becomes ready until closed."""
    started: list[ShowbotDiscordBot] = []
    closed: dict[int, asyncio.Event] = {}
    real_close = ShowbotDiscordBot.close

    async def start(self: ShowbotDiscordBot, token: str, *, reconnect: bool = True) -> None:
        assert token == "not-a-real-token"
        started.append(self)
        if failures:
            raise failures.pop(0)
        await self.on_ready()
        await closed.setdefault(id(self), asyncio.Event()).wait()

    async def close(self: ShowbotDiscordBot) -> None:
        closed.setdefault(id(self), asyncio.Event()).set()
        await real_close(self)

    monkeypatch.setattr(ShowbotDiscordBot, "start", start)
    monkeypatch.setattr(ShowbotDiscordBot, "close", close)
    return started


async def test_start_waits_for_ready_and_stop_closes(monkeypatch: pytest.MonkeyPatch) -> None:
    started = fake_gateway(monkeypatch, [])
    adapter = make_adapter(FakeShowBot())
    await asyncio.wait_for(adapter.start(asyncio.Event()), 2.0)
    assert adapter.ready.is_set() and started == [adapter.bot]
    await asyncio.wait_for(adapter.stop(), 2.0)
    assert adapter.bot.is_closed()


async def test_a_bad_token_is_logged_not_retried(monkeypatch: pytest.MonkeyPatch,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    started = fake_gateway(monkeypatch, [discord.LoginFailure("Improper token has been passed.")])
    adapter = make_adapter(FakeShowBot())
    await asyncio.wait_for(adapter.start(asyncio.Event()), 2.0)
    assert isinstance(adapter.failure, discord.LoginFailure) and len(started) == 1
    assert not adapter.ready.is_set()
    assert "Improper token" in caplog.text
    await adapter.stop()


async def test_a_network_failure_at_login_is_retried_with_a_fresh_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(discord_bot, "RECONNECT_BASE", 0.001)
    started = fake_gateway(monkeypatch, [aiohttp.ClientConnectionError("network down")])
    adapter = make_adapter(FakeShowBot())
    stop = asyncio.Event()
    await asyncio.wait_for(adapter.start(stop), 2.0)
    assert adapter.ready.is_set() and len(started) == 2
    assert started[0] is not started[1] and started[0].is_closed() and adapter.bot is started[1]
    stop.set()  # the stop event alone closes the client
    await asyncio.wait_for(asyncio.shield(adapter._task), 2.0)  # type: ignore[arg-type]
    assert started[1].is_closed()
    await adapter.stop()


def test_the_core_never_imports_discord() -> None:
    root = Path(discord_bot.__file__).resolve().parents[1]
    offenders = [p.name for p in root.glob("*.py") if "import discord" in p.read_text(encoding="utf-8")]
    assert offenders == []


# -- a paused chat comes back -----------------------------------------------------------------------------
@pytest.mark.parametrize(("guild", "kind", "resumed"), [(True, 2, str(CHANNEL)), (False, 2, str(USER)),
                                                         (True, 4, str(CHANNEL))])
async def test_any_interaction_resumes_its_paused_chat(adapter: DiscordAdapter, showbot: ShowBot,
                                                       webhook: FakeWebhookAdapter, guild: bool, kind: int,
                                                       resumed: str) -> None:
    """Any interaction (a command, an autocomplete, a button) from a paused channel or DM resumes it,
    through discord.py's own INTERACTION_CREATE handling."""
    for chat in (str(CHANNEL), str(USER), "other"):
        await showbot.storage.audience.pause_chat("discord", chat, "50013: Missing Permissions")
    options = [text_option("show", "Squid", focused=kind == 4)]
    await adapter.bot._async_setup_hook()  # the loop that login() would bind (events are scheduled on it)
    adapter.bot._connection.parse_interaction_create(  # what the gateway does with INTERACTION_CREATE
        interaction_payload(["subscribe"], options, guild=guild, kind=kind))  # type: ignore[arg-type]
    still_paused: set[str] = set()
    for _ in range(100):
        still_paused = {c for _p, c, _r, _at in await showbot.storage.audience.paused_chats("discord")}
        if resumed not in still_paused:
            break
        await asyncio.sleep(0.02)
    assert still_paused == {str(CHANNEL), str(USER), "other"} - {resumed}


async def test_feed_import_reads_an_attached_opml_file(adapter: DiscordAdapter, showbot: ShowBot,
                                                        webhook: FakeWebhookAdapter,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from feeds.opml import OpmlFeed, write_opml

    opml = write_opml([OpmlFeed("https://93.184.216.34/tv.xml", "TV")])

    async def read(self: discord.Attachment, *, use_cached: bool = False) -> bytes:
        assert self.filename == "reader.opml"
        return opml

    monkeypatch.setattr(discord.Attachment, "read", read)
    attachment = {"id": "66", "filename": "reader.opml", "size": len(opml), "url": "https://cdn.example/66",
                  "proxy_url": "https://cdn.example/66", "content_type": "text/x-opml"}
    await invoke(adapter, interaction_payload(["feed", "import"], [{"type": 11, "name": "file", "value": "66"}],
                                              permissions=MANAGE_GUILD, resolved={"attachments": {"66": attachment}}))
    assert webhook.last["data"]["content"].startswith("Added 1 feed;"), webhook.last
    assert "https://93.184.216.34/tv.xml" in {f.url for f in await showbot.storage.feeds.all()}
    too_big = {**attachment, "size": 10 * 1024 * 1024}
    await invoke(adapter, interaction_payload(["feed", "import"], [{"type": 11, "name": "file", "value": "66"}],
                                              permissions=MANAGE_GUILD, resolved={"attachments": {"66": too_big}}))
    assert "too large" in webhook.last["data"]["content"]

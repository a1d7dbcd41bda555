"""The command registry drives everything: typed lines, Telegram's menu, Discord's app commands, /help
and README's table. Every command runs through it on all three platforms: the console (`showbot
chat`), Telegram (the fake Bot API) and Discord (the real discord.py client against the fake Discord)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import discord
import pytest
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.adapters.console import ConsoleChat
from bot.adapters.discord_bot import DiscordAdapter
from bot.adapters.discord_commands import CommandRunner, app_commands_from
from bot.adapters.telegram_bot import TelegramAdapter, menu
from bot.commands import ArgKind, Command, build_registry
from bot.commands.docs import readme_section
from bot.commands.text import Parsed, parse
from bot.config import load_settings
from bot.service import ShowBot
from tests.support.fake_discord import ADMIN, NEWS_CHANNEL, OWNER, FakeDiscord
from tests.support.fake_telegram import Call, FakeTelegram
from tests.support.http_server import LocalServer, Response

ROOT = Path(__file__).resolve().parents[1]
GROUP = -100777
RSS = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>TV Wire</title>'
       b"<item><title>Silo renewed for season 3</title><link>https://news.example.test/silo</link></item>"
       b"</channel></rss>")
# what a reply says when the command never reached its handler
NOT_RUN = ("I don't know /", "Usage:", "Only moderators", "Only bot owners", "works in a server channel",
           "Something went wrong", "has just changed")


def test_readme_command_table_is_the_registrys() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme_section(build_registry()) in readme, "README is out of date: python -m bot.commands.docs --write README.md"


def test_every_command_is_declared_completely() -> None:
    registry = build_registry()
    for command in registry:
        assert command.examples, command.name
        assert command.description and len(command.description) <= 100, command.name
        for example in command.examples:
            parsed = parse(registry, example, platform="telegram")
            assert isinstance(parsed, Parsed) and parsed.command is command, (command.name, example)
        for arg in command.args:
            assert arg.description and len(arg.description) <= 100, (command.name, arg.name)


@pytest.fixture
def feed_server() -> Iterator[LocalServer]:
    with LocalServer() as server:
        server.routes["/feed.xml"] = Response(200, RSS, {"Content-Type": "application/rss+xml"})
        yield server


def invocations(registry: object, feed_url: str, platform: str) -> list[tuple[Command, dict[str, str], str]]:
    """(command, its arguments, the typed line) for every registry command, from its first example;
    a URL is the test's own feed (nothing reaches the internet)."""
    out = []
    for command in build_registry():
        example = command.examples[0]
        parsed = parse(build_registry(), example, platform=platform)
        assert isinstance(parsed, Parsed)
        args = {name: (feed_url if next(a for a in command.args if a.name == name).kind is ArgKind.URL else value)
                for name, value in parsed.args.items()}
        line = example
        for name, value in parsed.args.items():
            if args[name] != value:
                line = line.replace(value, args[name])
        out.append((command, args, line))
    return out


def _ran(text: str) -> bool:
    return bool(text) and not any(marker in text for marker in NOT_RUN)


async def test_every_command_runs_on_the_console(db_path: str, feed_server: LocalServer) -> None:
    settings = load_settings(env={"SHOWBOT_ALLOW_PRIVATE_FEEDS": "1"}, db=db_path)
    async with ShowBot.create(settings) as showbot:
        chat = ConsoleChat(showbot, output=io.StringIO())
        for command, _args, line in invocations(None, feed_server.url("/feed.xml"), "console"):
            text = await chat.handle(line)
            assert _ran(text), (command.name, line, text)
            if command.name == "whoami":
                assert "console:local" in text


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        yield fake


async def test_every_command_runs_on_telegram_and_is_in_its_menu(telegram: FakeTelegram, db_path: str,
                                                                 feed_server: LocalServer) -> None:
    owner = 4242
    settings = load_settings(env={"TELEGRAM_TOKEN": telegram.token, "TELEGRAM_BASE_URL": telegram.base_url,
                                  "SHOWBOT_FEEDS": feed_server.url("/feed.xml"), "SHOWBOT_ALLOW_PRIVATE_FEEDS": "1",
                                  "SHOWBOT_OWNERS": f"telegram:{owner}"}, db=db_path)
    async with ShowBot.create(settings) as showbot:
        adapter = TelegramAdapter(settings, showbot)
        await adapter.start()
        try:
            menus = {str(c.params["scope"]["type"]): [m["command"] for m in c.params["commands"]]
                     for c in telegram.calls_to("setMyCommands")}
            registry = adapter.commands.registry
            assert menus["all_chat_administrators"] == registry.tops() == menus["chat"]  # owners' chats
            assert set(menus["default"]) == {c.top for c in registry if c.permission.value == "anyone"}
            assert [b.command for b in menu(adapter.commands, moderators=True)] == registry.tops()
            for n, (command, _args, line) in enumerate(invocations(None, feed_server.url("/feed.xml"), "telegram")):
                before = len(answers(telegram))
                # a group per command: Telegram allows a group about 20 messages a minute, and the bot keeps to it
                group = GROUP - n
                telegram.push_message(user=owner, chat=group, chat_type="supergroup", text=line)
                reply = await telegram.wait_until(lambda n=before: next(iter(answers(telegram)[n:]), None))
                text = reply.text or str(reply.params.get("caption", ""))
                assert reply.chat_id == str(group) and _ran(text), (command.name, line, text)
                if command.name == "whoami":
                    assert f"telegram:{owner}" in text
                if command.name == "feed export":
                    assert reply.method == "sendDocument" and b"<opml" in reply.params["document"]
        finally:
            await adapter.stop()


def answers(telegram: FakeTelegram) -> list[Call]:
    """What the bot sent that Telegram accepted: messages and documents, in order."""
    return [c for c in telegram.calls if c.method in ("sendMessage", "sendDocument") and c.params.get("_accepted")]


@pytest.fixture
async def discord_bot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                      feed_server: LocalServer) -> AsyncIterator[tuple[FakeDiscord, DiscordAdapter, str]]:
    monkeypatch.setattr(Route, "BASE", Route.BASE)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", DiscordWebSocket.DEFAULT_GATEWAY)
    async with FakeDiscord() as fake:
        settings = load_settings(env={
            "DISCORD_TOKEN": fake.token, "DISCORD_API_BASE": fake.api_base, "SHOWBOT_DB": str(tmp_path / "d.db"),
            "SHOWBOT_FEEDS": feed_server.url("/feed.xml"), "SHOWBOT_ALLOW_PRIVATE_FEEDS": "1",
            "SHOWBOT_OWNERS": f"discord:{OWNER}"})
        async with ShowBot.create(settings) as showbot:
            adapter = DiscordAdapter(settings, showbot, ready_timeout=0.01)
            await adapter.start()
            try:
                await fake.wait_for_ready()
                await fake.wait_until(lambda: adapter.bot.get_channel(NEWS_CHANNEL), what="the guild cached")
                yield fake, adapter, feed_server.url("/feed.xml")
            finally:
                await adapter.stop()


async def test_every_command_runs_on_discord_as_synced_from_the_registry(
        discord_bot: tuple[FakeDiscord, DiscordAdapter, str]) -> None:
    fake, adapter, feed_url = discord_bot
    registry = adapter.commands.registry
    synced = {c["name"]: c for c in fake.commands()}
    assert list(synced) == registry.tops()
    for command in registry:
        top = synced[command.top]
        schema = top if command.sub is None else next(o for o in top["options"] if o["name"] == command.sub)
        assert [o["name"] for o in schema.get("options", [])] == [a.name for a in command.args_on("discord")]
        assert all(o.get("autocomplete") for o in schema.get("options", []) if o["name"] == "show")
    for command, args, _line in invocations(None, feed_url, "discord"):
        user = ADMIN if command.permission.value != "anyone" and command.place.value == "group" else OWNER
        reply = await fake.wait_for_reply(fake.invoke(command.name, user=user, **args), within=10)
        assert _ran(reply.content), (command.name, args, reply.content)
        if command.name == "whoami":
            assert f"discord:{user}" in reply.content
        assert reply.allowed_mentions == {"parse": []}


def test_discord_commands_follow_the_registrys_permissions(db_path: str) -> None:
    class _Layer:
        registry = build_registry()

    commands = {c.name: c for c in app_commands_from(CommandRunner(_Layer()))}  # type: ignore[arg-type]
    registry = build_registry()
    for top, members in registry.entries():
        slash = commands[top]
        manage = discord.Permissions(manage_guild=True)
        assert (slash.default_permissions == manage) == all(c.restricted for c in members), top
        assert slash.guild_only == all(c.place.value == "group" for c in members), top

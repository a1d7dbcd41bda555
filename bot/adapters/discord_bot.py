"""The Discord adapter: slash commands in, notifications out, on discord.py 2.x.

    adapter = DiscordAdapter(settings, showbot)
    await adapter.start(stop_event)   # login + gateway in a background task; waits (bounded) for ready
    showbot.register(adapter)         # a Messenger: personal news by DM, channel news in the channel
    await adapter.stop()

Minimal intents (guilds only, no message content): everything arrives as an interaction. The
slash commands are generated from the command registry in discord_commands.py. discord.py keeps per-route rate-limit buckets and retries
429s itself; only a wait longer than `MAX_RATELIMIT_WAIT` comes back to us, as RetryLater."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import discord
import yarl
from discord import app_commands
from discord.ext import commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.adapters.discord_commands import (
    NO_PINGS,
    PLATFORM,
    ChoiceButton,
    CommandRunner,
    RegistryTranslator,
    app_commands_from,
)
from bot.commands import Commands
from bot.config import Settings
from bot.i18n import N_, catalog_digest
from bot.notifications import Notification, Recipient, SentMessage, render_discord
from bot.ports import (
    ChatUnavailable,
    DeliveryError,
    MessageGone,
    PermanentFailure,
    RateLimits,
    RetryLater,
    TemporaryFailure,
)
from bot.service import ShowBot
from bot.supervise import Supervisor
from storage.ports import MetaStore

_log = logging.getLogger(__name__)

# Discord: 50 requests/s per bot overall; discord.py handles the per-route buckets.
DISCORD_LIMITS = RateLimits(per_second=40, private_interval=0.25, group_interval=0.25)
READY_TIMEOUT = 30.0
MAX_RATELIMIT_WAIT = 60.0  # discord.py sleeps through shorter 429 waits; longer ones raise RateLimited
RECONNECT_BASE = 5.0
RECONNECT_CAP = 300.0
DEFAULT_RETRY_AFTER = 5.0
COMMANDS_META_KEY = "discord_commands_hash"
FATAL_CLOSE_CODES = frozenset({4004, 4010, 4011, 4012, 4013, 4014})  # bad token, sharding, intents


# discord.py's own endpoints, kept to restore them when no other API is configured
LIBRARY_API_BASE = Route.BASE
LIBRARY_GATEWAY = DiscordWebSocket.DEFAULT_GATEWAY


def use_api_base(base: str | None) -> None:
    """Point discord.py's REST calls at `base` (DISCORD_API_BASE: a local fake Discord in tests, a
    REST proxy), or back at discord.com when None. discord.py builds every REST URL, webhooks and
    interaction callbacks included, from the class attribute `Route.BASE`, the same one its
    `_set_api_version` rewrites; it has no per-client option. The gateway follows in `login`."""
    Route.BASE = base.rstrip("/") if base else LIBRARY_API_BASE
    if not base:
        DiscordWebSocket.DEFAULT_GATEWAY = LIBRARY_GATEWAY


def discord_intents() -> discord.Intents:
    """Guild events only: slash commands arrive as interactions, no message content needed."""
    intents = discord.Intents.none()
    intents.guilds = True
    return intents


# -- the bot ----------------------------------------------------------------------------------
class ShowbotTree(app_commands.CommandTree):
    """Logs every command failure in one place and tells the user, instead of leaving silence."""

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        command = interaction.command.qualified_name if interaction.command else "?"
        if interaction.type is discord.InteractionType.autocomplete:
            _log.error("autocomplete for /%s failed", command, exc_info=error)
            return  # nothing to say: the user just sees no suggestions
        if isinstance(error, app_commands.NoPrivateMessage):
            text = N_("That command works in a server channel, not in a DM.")
        elif isinstance(error, app_commands.CheckFailure):
            text = N_("You can't use that command here.")
        elif isinstance(error, app_commands.CommandSignatureMismatch | app_commands.CommandNotFound):
            _log.warning("/%s is out of date on Discord's side: %s", command, error)
            text = N_("My commands have just changed and Discord is still updating them; try again in a minute.")
        else:
            _log.error("/%s failed", command, exc_info=error)
            text = N_("Something went wrong; please try again.")
        runner = getattr(interaction.client, "command_runner", None)
        if isinstance(runner, CommandRunner):
            with contextlib.suppress(discord.HTTPException):
                await runner.error(interaction, text)


class ShowbotDiscordBot(commands.Bot):
    """discord.py's Bot with showbot's Cogs; its resources come in through the constructor."""

    def __init__(self, layer: Commands, *, moderator_role: str | None = None, meta: MetaStore | None = None,
                 sync_commands: bool = True, ready_event: asyncio.Event | None = None,
                 api_base: str | None = None,
                 chat_alive: Callable[[tuple[str, ...]], Awaitable[object]] | None = None,
                 **client_options: Any) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,  # no prefix commands: everything is a slash command
            help_command=None,
            intents=discord_intents(),
            tree_cls=ShowbotTree,
            allowed_mentions=NO_PINGS,  # the default for every message; sends loosen it per message
            max_ratelimit_timeout=MAX_RATELIMIT_WAIT,
            chunk_guilds_at_startup=False,
            **client_options,
        )
        self.layer = layer
        self.moderator_role = moderator_role
        self.command_runner = CommandRunner(layer, moderator_role=moderator_role)
        self.meta = meta
        self.sync_commands = sync_commands
        self.ready_event = ready_event or asyncio.Event()
        self.api_base = api_base
        self.chat_alive = chat_alive

    async def login(self, token: str) -> None:
        """Log in at the configured API; with another API than discord.com, connect to the gateway
        it announces (GET /gateway/bot) rather than discord.py's built-in gateway.discord.gg."""
        use_api_base(self.api_base)
        if self.api_base:
            _log.warning("discord: using the Discord API at %s (DISCORD_API_BASE), not discord.com", Route.BASE)
        await super().login(token)
        if self.api_base:
            _shards, url, _limits = await self.http.get_bot_gateway()
            DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
            _log.info("discord: gateway %s", url)

    async def setup_hook(self) -> None:
        for command in app_commands_from(self.command_runner):
            self.tree.add_command(command)
        self.add_dynamic_items(ChoiceButton)
        await self.tree.set_translator(RegistryTranslator())
        if self.sync_commands:
            await self.sync_tree()

    def command_payload(self) -> list[dict[str, Any]]:
        """The global commands as Discord receives them on sync."""
        return [command.to_dict(self.tree) for command in self.tree.get_commands()]

    async def sync_tree(self) -> None:
        """Sync the global commands, but only when they changed since the last sync (daily quota)."""
        payload = json.dumps(self.command_payload(), sort_keys=True, default=str)
        digest = hashlib.sha256(f"{self.application_id}:{catalog_digest()}:{payload}".encode()).hexdigest()
        try:
            if self.meta is not None and await self.meta.get_meta(COMMANDS_META_KEY) == digest:
                _log.info("discord: slash commands unchanged; not syncing")
                return
            synced = await self.tree.sync()
            if self.meta is not None:
                await self.meta.set_meta(COMMANDS_META_KEY, digest)
            _log.info("discord: synced %d slash commands", len(synced))
        except discord.HTTPException:
            _log.exception("discord: syncing slash commands failed; the previous set stays active")

    async def on_ready(self) -> None:
        _log.info("discord: ready as %s in %d server(s)", self.user, len(self.guilds))
        self.ready_event.set()

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Every interaction (a slash command, a button, an autocomplete): a sign of life from its chat,
        which resumes it if a 403 paused it. discord.py runs this beside the command tree's own handling."""
        if self.chat_alive is not None:
            await self.chat_alive(signs_of_life(interaction))


def signs_of_life(interaction: discord.Interaction) -> tuple[str, ...]:
    """The chat an interaction shows to be reachable: the channel it came from in a server, the
    person's DM (which showbot addresses by their user id) in a direct message."""
    if interaction.guild_id is None:
        return (str(interaction.user.id),)
    return (str(interaction.channel_id),) if interaction.channel_id is not None else ()


# -- notifications ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DiscordOutgoing:
    """What one send passes to `Messageable.send`."""

    content: str | None
    embed: discord.Embed
    allowed_mentions: discord.AllowedMentions
    nonce: str


def build_message(notification: Notification, *, role_id: str | None = None) -> DiscordOutgoing:
    rendered = render_discord(notification, role_id=role_id)
    mention = rendered.mention_role_id
    allowed = discord.AllowedMentions(
        everyone=False, users=False, replied_user=False,
        roles=[discord.Object(id=int(mention))] if mention else False,
    )
    return DiscordOutgoing(rendered.content, discord.Embed.from_dict(rendered.embed), allowed, notification.nonce)


def _reply_to(destination: discord.abc.Messageable, notification: Notification) -> discord.MessageReference | None:
    """An update replies to the earlier message when it is in the same channel (and is sent anyway
    if that message was deleted)."""
    earlier = notification.replying_to
    channel_id = getattr(destination, "id", None)
    if earlier is None or not earlier.message_id.isdigit() or str(channel_id) != earlier.chat_id:
        return None
    return discord.MessageReference(message_id=int(earlier.message_id), channel_id=int(earlier.chat_id),
                                    fail_if_not_exists=False)


def _retry_after(exc: discord.HTTPException) -> float:
    headers = getattr(exc.response, "headers", None) or {}
    try:
        return float(headers.get("Retry-After", DEFAULT_RETRY_AFTER))
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER


def _retryable_at_login(exc: BaseException) -> bool:
    """A failure to reach Discord (network, outage) rather than a refusal of this bot."""
    if isinstance(exc, discord.HTTPException):
        return exc.status >= 500 or exc.status == 429
    if isinstance(exc, discord.ConnectionClosed):
        return exc.code not in FATAL_CLOSE_CODES
    return isinstance(exc, aiohttp.ClientError | TimeoutError | OSError | discord.RateLimited | discord.GatewayNotFound)


def delivery_error(exc: BaseException) -> DeliveryError | None:
    """The port's error for a discord.py/aiohttp failure, or None when it is not a send failure."""
    if isinstance(exc, discord.Forbidden | discord.NotFound):
        return ChatUnavailable(f"{exc.status}: {exc.text or 'forbidden'}")
    if isinstance(exc, discord.RateLimited):
        return RetryLater(str(exc), exc.retry_after)
    if isinstance(exc, discord.HTTPException):
        if exc.status == 429:
            return RetryLater(f"429: {exc.text}", _retry_after(exc))
        if exc.status >= 500:
            return TemporaryFailure(f"{exc.status}: {exc.text or 'server error'}")
        return PermanentFailure(f"{exc.status}: {exc.text or 'rejected'}")
    if isinstance(exc, aiohttp.ClientError | TimeoutError | OSError):
        return TemporaryFailure(f"{type(exc).__name__}: {exc}")
    return None


class ShowbotShardedDiscordBot(ShowbotDiscordBot, commands.AutoShardedBot):
    """The same bot running some of the shards (`shard_ids` of `shard_count`): with several workers,
    each connects its share of the servers to the gateway, and any of them sends."""


# -- the adapter ------------------------------------------------------------------------------
class DiscordAdapter:
    """A Messenger for the delivery loop and the owner of the discord.py client."""

    platform = PLATFORM
    limits = DISCORD_LIMITS

    def __init__(self, settings: Settings, showbot: ShowBot, *, ready_timeout: float = READY_TIMEOUT,
                 sync_commands: bool = True) -> None:
        self._settings = settings
        self._showbot = showbot
        self._layer = Commands(showbot)
        self._ready_timeout = ready_timeout
        self._sync_commands = sync_commands
        self.ready = asyncio.Event()  # set once the gateway said READY (shared by replacement clients)
        self.bot = self._new_bot()
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self.failure: BaseException | None = None

    def _new_bot(self) -> ShowbotDiscordBot:
        options: dict[str, Any] = dict(
            moderator_role=self._settings.discord_moderator_role, meta=self._showbot.storage.meta,
            sync_commands=self._sync_commands, ready_event=self.ready, api_base=self._settings.discord_api_base,
            chat_alive=lambda chats: self._showbot.chat_alive(PLATFORM, *chats))
        shards = self._settings.discord_shards
        if shards:  # this worker's shards of SHOWBOT_DISCORD_SHARD_COUNT
            return ShowbotShardedDiscordBot(self._layer, shard_ids=list(shards),
                                            shard_count=self._settings.discord_shard_count, **options)
        return ShowbotDiscordBot(self._layer, **options)

    @property
    def send_only(self) -> bool:
        """SHOWBOT_DISCORD_SHARDS=none: logged in for sending, no gateway (other workers hold the shards)."""
        return self._settings.discord_shards == ()

    @property
    def commands(self) -> Commands:
        return self._layer

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self, stop: asyncio.Event | None = None, *, supervisor: Supervisor | None = None) -> None:
        """Log in and connect in the background (under `supervisor` when given, so its failure is
        logged and shown in the liveness line); return once ready, or after `ready_timeout`."""
        token = self._settings.discord_token
        if not token:
            raise ValueError("DiscordAdapter needs settings.discord_token")
        if supervisor is not None:
            supervisor.spawn("discord", lambda: self._run(token, stop), restart=False)  # _run retries itself
            self._task = supervisor.task("discord")
        else:
            self._task = asyncio.create_task(self._run(token, stop), name="discord")
        ready = asyncio.ensure_future(self.ready.wait())
        try:
            await asyncio.wait({self._task, ready}, timeout=self._ready_timeout,
                               return_when=asyncio.FIRST_COMPLETED)
        finally:
            ready.cancel()
        if self.ready.is_set():
            return
        if self._task.done():
            _log.error("discord adapter did not start: %s", self.failure or "stopped")
        else:
            _log.warning("discord not ready after %.0fs; still connecting in the background", self._ready_timeout)

    async def _run(self, token: str, stop: asyncio.Event | None) -> None:
        """`bot.start(token)` until stopped; a network failure before the gateway is up is retried."""
        attempt = 0
        while not self._stopping.is_set() and not (stop is not None and stop.is_set()):
            bot = self.bot
            runner = asyncio.create_task(self._send_only(bot, token) if self.send_only else bot.start(token),
                                         name="discord-client")
            waiters = {runner, asyncio.ensure_future(self._stopping.wait())}
            if stop is not None:
                waiters.add(asyncio.ensure_future(stop.wait()))
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters - {runner}:
                waiter.cancel()
            if not runner.done():  # asked to stop
                await bot.close()
                if self.send_only:
                    runner.cancel()
                with contextlib.suppress(Exception, asyncio.CancelledError):
                    await asyncio.wait_for(runner, 10.0)
                return
            exc = runner.exception()
            if exc is None:
                return  # closed by stop()
            if isinstance(exc, discord.LoginFailure | discord.PrivilegedIntentsRequired):
                self.failure = exc
                _log.error("discord: %s (check DISCORD_TOKEN and the bot's settings); not retrying", exc)
                await bot.close()
                return
            if not _retryable_at_login(exc):
                self.failure = exc
                _log.error("discord client stopped", exc_info=exc)
                await bot.close()
                return
            attempt += 1
            delay = random.uniform(0.5, 1.0) * min(RECONNECT_CAP, RECONNECT_BASE * 2 ** min(attempt, 8))
            _log.warning("discord: connecting failed (%s); retrying in %.0fs", exc, delay)
            await bot.close()
            self.bot = self._new_bot()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), delay)

    async def _send_only(self, bot: ShowbotDiscordBot, token: str) -> None:
        """Log in (REST only) and stay logged in until closed: sends need no gateway connection."""
        await bot.login(token)
        _log.info("discord: logged in as %s to send only (SHOWBOT_DISCORD_SHARDS=none)", bot.user)
        self.ready.set()
        await asyncio.get_running_loop().create_future()  # until stop() cancels it

    async def stop(self) -> None:
        self._stopping.set()
        await self.bot.close()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, 15.0)
            except TimeoutError:
                _log.warning("discord client did not close in time")
            except Exception:
                _log.exception("discord client failed while closing")

    # -- Messenger ---------------------------------------------------------------------------
    async def send(self, recipient: Recipient, notification: Notification) -> SentMessage | None:
        bot = self.bot
        if bot.is_closed() or bot.user is None:
            raise TemporaryFailure("discord is not connected")
        if not recipient.chat_id.isdigit():
            raise ChatUnavailable(f"not a Discord id: {recipient.chat_id!r}")
        async with self._showbot.preferences.reading(PLATFORM, recipient.chat_id):
            message = build_message(notification, role_id=recipient.role_id)
        try:
            destination = await self._destination(bot, recipient)
            reference = _reply_to(destination, notification)
            if reference is None:
                sent = await destination.send(message.content, embed=message.embed,
                                              allowed_mentions=message.allowed_mentions, nonce=message.nonce)
            else:
                sent = await destination.send(message.content, embed=message.embed,
                                              allowed_mentions=message.allowed_mentions, nonce=message.nonce,
                                              reference=reference)
        except Exception as exc:
            error = delivery_error(exc)
            if error is None:
                raise
            raise error from exc
        return SentMessage(str(sent.channel.id), str(sent.id))

    async def edit(self, recipient: Recipient, message: SentMessage, notification: Notification) -> None:
        """PATCH the message with the notification as it reads now (more sources); an edit pings nobody."""
        bot = self.bot
        if bot.is_closed() or bot.user is None:
            raise TemporaryFailure("discord is not connected")
        if not (message.chat_id.isdigit() and message.message_id.isdigit()):
            raise MessageGone(f"not a Discord message: {message}")
        async with self._showbot.preferences.reading(PLATFORM, recipient.chat_id):
            outgoing = build_message(notification, role_id=recipient.role_id)
        target = bot.get_partial_messageable(int(message.chat_id)).get_partial_message(int(message.message_id))
        try:
            await target.edit(content=outgoing.content, embed=outgoing.embed, allowed_mentions=outgoing.allowed_mentions)
        except (discord.NotFound, discord.Forbidden) as exc:  # deleted, or no longer ours to edit: left alone
            raise MessageGone(f"{exc.status}: {exc.text or 'gone'}") from exc
        except Exception as exc:
            error = delivery_error(exc)
            if error is None:
                raise
            raise error from exc

    @staticmethod
    async def _destination(bot: discord.Client, recipient: Recipient) -> discord.abc.Messageable:
        target = int(recipient.chat_id)
        if recipient.kind == "user":  # a personal subscription: a DM to the subscriber
            user = bot.get_user(target)
            dm = user.dm_channel if user is not None else None
            return dm or await bot.create_dm(user or discord.Object(id=target))
        channel = bot.get_channel(target)
        if channel is None:  # not cached: address it by id; a missing channel answers 404 on send
            return bot.get_partial_messageable(target)
        if not isinstance(channel, discord.abc.Messageable):
            raise ChatUnavailable(f"channel {target} cannot receive messages")
        return channel

"""The composition root: builds the core and the adapters the settings ask for, and runs them
in one asyncio loop until SIGINT/SIGTERM.

Every background loop (poll, delivery, housekeeping, liveness, a platform's start-up) runs under
one Supervisor (bot/supervise.py). A platform that can't be reached at start is retried in the
background while the others run; one whose token is refused is reported in one line and left
out (the process exits 2 when it was the only platform)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bot.adapters.console import ConsoleMessenger
from bot.config import Settings
from bot.heap import freeze_long_lived
from bot.service import ShowBot
from bot.supervise import Supervisor

if TYPE_CHECKING:
    from bot.adapters.telegram_bot import TelegramAdapter
    from bot.adapters.web.server import WebServer
    from bot.push_subscriptions import PushSubscriptions

_log = logging.getLogger(__name__)

EXIT_CONFIG = 2  # a token the platform refuses is a configuration error
EXIT_UNDELIVERED = 1  # `run --once`: a platform could not be reached; its notifications stay pending
TELEGRAM_UPDATES_ROLE = "telegram-updates"  # with several workers, the one that reads Telegram's updates
LEADER_RETRY = 5.0  # seconds between a follower's tries to become the reader
LEADER_CHECK = 5.0  # seconds between the reader's checks that it still is


class Platform(Protocol):
    platform: str

    async def stop(self) -> None: ...


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)


class _Platforms:
    """The chat platforms of one run: started (in the background, supervised), registered with the
    core once they answer, stopped at the end."""

    def __init__(self, settings: Settings, showbot: ShowBot, stop: asyncio.Event) -> None:
        self._settings = settings
        self._showbot = showbot
        self._stop = stop
        self.started: list[Platform] = []
        self.exit_code = 0

    def _register(self, adapter: Platform) -> None:
        self._showbot.register(adapter)  # type: ignore[arg-type]  # adapters are Messengers
        self.started.append(adapter)
        self._showbot.delivery.notify()  # what queued up meanwhile goes out now

    def _refused(self, platform: str, reason: str) -> None:
        _log.error("%s: %s", platform, reason)
        tokens = {"telegram": self._settings.telegram_token, "discord": self._settings.discord_token}
        others = self._settings.use_console or any(token for name, token in tokens.items() if name != platform)
        if not others:
            _log.error("no platform left to deliver to; stopping")
            self.exit_code = EXIT_CONFIG
            self._stop.set()

    async def start(self, supervisor: Supervisor) -> None:
        if self._settings.telegram_token:
            supervisor.spawn("telegram start-up", lambda: self._start_telegram(supervisor), restart=False)
        if self._settings.discord_token:
            from bot.adapters.discord_bot import DiscordAdapter

            discord = DiscordAdapter(self._settings, self._showbot)
            await discord.start(self._stop, supervisor=supervisor)  # connects (and retries) in the background
            if discord.failure is not None:
                self._refused("discord", f"{discord.failure} (check DISCORD_TOKEN)")
                await discord.stop()
            else:
                self._register(discord)

    async def _start_telegram(self, supervisor: Supervisor) -> None:
        from bot.adapters.telegram_bot import TelegramAdapter, TokenRejected

        adapter = TelegramAdapter(self._settings, self._showbot)
        several = self._showbot.storage.several_workers  # then one elected worker reads the updates
        try:
            if await adapter.connect(self._stop, updates=not several):
                self._register(adapter)
                if several:
                    supervisor.spawn("telegram updates", lambda: self._lead_telegram_updates(adapter))
        except TokenRejected as exc:
            self._refused("telegram", str(exc))

    async def _lead_telegram_updates(self, adapter: TelegramAdapter) -> None:
        """Read Telegram's updates while this worker holds the leadership; every worker sends. A leader
        that dies loses the lock with its database session, and the next worker to ask takes over."""
        coordination = self._showbot.storage.coordination
        try:
            while not self._stop.is_set():
                if not await coordination.try_lead(TELEGRAM_UPDATES_ROLE):
                    await _wait(self._stop, LEADER_RETRY)
                    continue
                _log.info("telegram: this worker (%s) reads the updates", self._showbot.worker)
                await adapter.start_updates()
                while not self._stop.is_set() and await coordination.still_leading(TELEGRAM_UPDATES_ROLE):
                    await _wait(self._stop, LEADER_CHECK)
                await adapter.stop_updates()
                if not self._stop.is_set():
                    _log.warning("telegram: lost the updates to another worker; sending goes on")
        finally:
            await coordination.release_lead(TELEGRAM_UPDATES_ROLE)

    async def start_once(self) -> None:
        """For `run --once`: start each platform for sending only (no updates), a few tries each."""
        if self._settings.telegram_token:
            from bot.adapters.telegram_bot import BotApiUnreachable, TelegramAdapter, TokenRejected

            telegram = TelegramAdapter(self._settings, self._showbot)
            try:
                if await telegram.connect(self._stop, updates=False, attempts=3):
                    self._register(telegram)
            except TokenRejected as exc:
                _log.error("telegram: %s", exc)
                self.exit_code = EXIT_CONFIG
            except BotApiUnreachable as exc:
                _log.error("telegram: %s; its notifications stay pending for the next run", exc)
                self.exit_code = self.exit_code or EXIT_UNDELIVERED
        if self._settings.discord_token:
            from bot.adapters.discord_bot import DiscordAdapter

            discord = DiscordAdapter(self._settings, self._showbot, sync_commands=False)
            await discord.start(self._stop)
            if discord.ready.is_set():
                self._register(discord)
            else:
                _log.error("discord: not connected (%s); its notifications stay pending for the next run",
                           discord.failure or "not ready in time")
                self.exit_code = self.exit_code or (
                    EXIT_CONFIG if discord.failure is not None else EXIT_UNDELIVERED)
                await discord.stop()

    async def stop(self) -> None:
        for adapter in reversed(self.started):
            try:
                await adapter.stop()
            except Exception as exc:
                _log.warning("%s did not stop cleanly: %s: %s", adapter.platform, type(exc).__name__, exc)
        self.started.clear()


async def run_bot(settings: Settings, *, once: bool = False) -> int:
    async with ShowBot.create(settings) as showbot:
        freeze_long_lived()  # the catalog's index and the modules: out of the loop-stopping full collections
        if settings.use_console:
            showbot.register(ConsoleMessenger(preferences=showbot.preferences))
        stop = asyncio.Event()
        _stop_on_signals(stop)
        platforms = _Platforms(settings, showbot, stop)
        if once:
            return await _run_once(showbot, platforms)
        async with open_web(settings, showbot) as web:
            try:
                async with Supervisor() as supervisor:
                    if web is not None:
                        web.supervise(supervisor, showbot, stop)
                    await platforms.start(supervisor)
                    _log.info("showbot running: %s; polling %d feeds every %.0fs (Ctrl-C to stop)",
                              ", ".join(showbot.delivery.platforms) or "no platform yet",
                              len(await showbot.storage.feeds.all()), settings.poll_interval)
                    await showbot.run(stop, supervisor=supervisor)
            finally:  # the loops have stopped (or were cancelled): nothing is being sent any more
                await platforms.stop()
        if platforms.exit_code:
            return platforms.exit_code
        _log.info("stopped cleanly")
    return 0


@dataclass(frozen=True, slots=True)
class WebSide:
    """The running web server, and the WebSub subscriptions whose callbacks it serves (when
    SHOWBOT_PUBLIC_URL says where hubs can reach it)."""

    server: WebServer
    push: PushSubscriptions | None

    def supervise(self, supervisor: Supervisor, showbot: ShowBot, stop: asyncio.Event) -> None:
        if self.push is not None:
            push = self.push
            supervisor.spawn("websub", lambda: push.run(stop))
            showbot.health.watch("websub", supervisor.task("websub"))


@contextlib.asynccontextmanager
async def open_web(settings: Settings, showbot: ShowBot) -> AsyncIterator[WebSide | None]:
    """The web server, when SHOWBOT_WEB is not off. An address that can't be bound is logged and
    the bot runs on without it (the chats matter more than the panel)."""
    bind = settings.web_bind
    if bind is None:
        yield None
        return
    from bot.adapters.web.app import build_app
    from bot.adapters.web.context import PanelAccess, WebContext
    from bot.adapters.web.server import WebServer
    from bot.adapters.web.signing import Signer, web_secret
    from bot.commands import Commands
    from bot.metrics import stored_counts
    from bot.panel_auth import SESSION_TTL
    from bot.push_subscriptions import PushSubscriptions
    from feeds.websub import HubClient

    async with contextlib.AsyncExitStack() as stack:
        push: PushSubscriptions | None = None
        if settings.public_url:
            hubs = await stack.enter_async_context(HubClient(allow_private=settings.allow_private_feeds))
            push = PushSubscriptions(showbot.storage.push, showbot.storage.feeds, showbot.poller, showbot.fetcher,
                                     hubs, callback_base=settings.public_url, meta=showbot.storage.meta,
                                     coordination=showbot.storage.coordination
                                     if showbot.storage.several_workers else None)
            push.on_ingested = showbot.pushed
            showbot.poller.fetch_listeners.append(push.feed_fetched)
            stack.callback(showbot.poller.fetch_listeners.remove, push.feed_fetched)
        secret = settings.web_secret or await web_secret(showbot.storage.meta)
        context = WebContext(settings=settings, health=showbot.health, metrics=showbot.metrics,
                             stored_counts=lambda: stored_counts(showbot.storage),
                             panel=PanelAccess(showbot.panel_auth, Signer(secret, max_age=SESSION_TTL)),
                             push=push, commands=Commands(showbot), storage=showbot.storage)
        server = WebServer(build_app(context), *bind, public_url=settings.public_url)
        try:
            await stack.enter_async_context(server)
        except OSError as exc:
            _log.error("web server: cannot listen on %s:%d (%s); running without the panel, /healthz and /metrics",
                       bind[0], bind[1], exc.strerror or exc)
            yield None
            return
        showbot.web_url = server.url
        stack.callback(setattr, showbot, "web_url", None)
        _log.info("web panel at %s (send /panel in chat for a sign-in link; health: %s/healthz, metrics: "
                  "%s/metrics)%s", server.url, server.local_url, server.local_url,
                  "; WebSub on" if push is not None else "; WebSub off (set SHOWBOT_PUBLIC_URL)")
        yield WebSide(server, push)
        if push is not None:
            await push.drain()


async def _run_once(showbot: ShowBot, platforms: _Platforms) -> int:
    """One poll of every feed, then deliver what is due on every configured platform, then stop."""
    try:
        await platforms.start_once()
        report = await showbot.run_once()
    finally:
        await platforms.stop()
    _log.info("poll: %s", report.poll)
    _log.info("delivered %d notifications (%d to retry, %d failed)", report.delivery.sent,
              report.delivery.retried, report.delivery.failed)
    for url, error in report.poll.errors.items():
        _log.warning("feed %s: %s", url, error)
    return platforms.exit_code


async def run_chat(settings: Settings, *, poll: bool = True) -> int:
    from bot.adapters.console import ConsoleChat

    async with ShowBot.create(settings, exclusive=poll) as showbot:  # chatting alone may run beside a bot
        showbot.register(ConsoleMessenger(preferences=showbot.preferences))
        stop = asyncio.Event()
        _stop_on_signals(stop)
        chat = ConsoleChat(showbot, settings)
        async with open_web(settings, showbot) as web, Supervisor() as supervisor:
            if web is not None and poll:
                web.supervise(supervisor, showbot, stop)
            if poll:
                supervisor.spawn("showbot", lambda: showbot.run(stop, supervisor=supervisor), restart=False)
            await chat.run(sys.stdin, stop)
            stop.set()
    return 0

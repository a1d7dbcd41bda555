"""The composition root: builds the core and the adapters the settings ask for, and runs them
in one asyncio loop until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from bot.adapters.console import ConsoleMessenger
from bot.config import Settings
from bot.service import ShowBot

if TYPE_CHECKING:
    from bot.adapters.web.server import WebServer

_log = logging.getLogger(__name__)


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)


async def run_bot(settings: Settings, *, once: bool = False) -> int:
    async with ShowBot.create(settings) as showbot:
        if settings.use_console:
            showbot.register(ConsoleMessenger())
        if once:
            report = await showbot.run_once()
            _log.info("poll: %s", report.poll)
            _log.info("delivered %d notifications (%d to retry, %d failed)", report.delivery.sent,
                      report.delivery.retried, report.delivery.failed)
            for url, error in report.poll.errors.items():
                _log.warning("feed %s: %s", url, error)
            return 0
        stop = asyncio.Event()
        _stop_on_signals(stop)
        async with open_web(settings, showbot):
            adapters = await _start_platforms(settings, showbot, stop)
            try:
                _log.info("showbot running: %s; polling %d feeds every %.0fs (Ctrl-C to stop)",
                          ", ".join(showbot.delivery.platforms) or "no platform",
                          len(await showbot.repo.feeds()), settings.poll_interval)
                await showbot.run(stop)
            finally:
                for adapter in reversed(adapters):
                    with contextlib.suppress(Exception):
                        await adapter.stop()
        _log.info("stopped cleanly")
    return 0


@contextlib.asynccontextmanager
async def open_web(settings: Settings, showbot: ShowBot) -> AsyncIterator[WebServer | None]:
    """The web server, when SHOWBOT_WEB is not off. An address that can't be bound is logged and
    the bot runs on without it (the chats matter more than the panel)."""
    bind = settings.web_bind
    if bind is None:
        yield None
        return
    from bot.adapters.web.app import build_app
    from bot.adapters.web.context import WebContext
    from bot.adapters.web.server import WebServer
    from bot.metrics import stored_counts

    context = WebContext(settings=settings, health=showbot.health, metrics=showbot.metrics,
                         stored_counts=lambda: stored_counts(showbot.repo))
    server = WebServer(build_app(context), *bind, public_url=settings.public_url)
    try:
        await server.__aenter__()
    except OSError as exc:
        _log.error("web server: cannot listen on %s:%d (%s); running without the panel, /healthz and /metrics",
                   bind[0], bind[1], exc.strerror or exc)
        yield None
        return
    try:
        _log.info("web panel at %s (health: %s/healthz, metrics: %s/metrics)", server.url, server.local_url,
                  server.local_url)
        yield server
    finally:
        await server.__aexit__(None, None, None)


async def _start_platforms(settings: Settings, showbot: ShowBot, stop: asyncio.Event) -> list:
    started: list = []
    if settings.telegram_token:
        from bot.adapters.telegram_bot import TelegramAdapter

        adapter = TelegramAdapter(settings, showbot)
        await adapter.start()
        showbot.register(adapter)
        started.append(adapter)
    if settings.discord_token:
        from bot.adapters.discord_bot import DiscordAdapter

        adapter = DiscordAdapter(settings, showbot)
        await adapter.start(stop)
        showbot.register(adapter)
        started.append(adapter)
    return started


async def run_chat(settings: Settings, *, poll: bool = True) -> int:
    from bot.adapters.console import ConsoleChat

    async with ShowBot.create(settings) as showbot:
        showbot.register(ConsoleMessenger())
        stop = asyncio.Event()
        _stop_on_signals(stop)
        chat = ConsoleChat(showbot, settings)
        async with open_web(settings, showbot), asyncio.TaskGroup() as group:
            if poll:
                group.create_task(showbot.run(stop))
            await chat.run(sys.stdin, stop)
            stop.set()
    return 0

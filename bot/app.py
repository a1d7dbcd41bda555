"""The composition root: builds the core and the adapters the settings ask for, and runs them
in one asyncio loop until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys

from bot.adapters.console import ConsoleMessenger
from bot.config import Settings
from bot.service import ShowBot

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
        adapters = await _start_platforms(settings, showbot, stop)
        try:
            _log.info("showbot running: %s; polling %d feeds every %.0fs (Ctrl-C to stop)",
                      ", ".join(showbot.delivery.platforms) or "no platform",
                      len(await showbot.storage.feeds.all()), settings.poll_interval)
            await showbot.run(stop)
        finally:
            for adapter in reversed(adapters):
                with contextlib.suppress(Exception):
                    await adapter.stop()
        _log.info("stopped cleanly")
    return 0


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

    async with ShowBot.create(settings, exclusive=poll) as showbot:  # chatting alone may run beside a bot
        showbot.register(ConsoleMessenger())
        stop = asyncio.Event()
        _stop_on_signals(stop)
        chat = ConsoleChat(showbot, settings)
        async with asyncio.TaskGroup() as group:
            if poll:
                group.create_task(showbot.run(stop))
            await chat.run(sys.stdin, stop)
            stop.set()
    return 0

"""The console adapter: notifications printed to a terminal, commands typed at a prompt.

A peer of the Discord and Telegram adapters (same Messenger port, same command layer), so a
newcomer can try the whole bot offline with no token."""

from __future__ import annotations

import sys
from typing import TextIO

from bot.notifications import Notification, Recipient, render_plain
from bot.ports import RateLimits

CONSOLE_LIMITS = RateLimits(per_second=1000.0, private_interval=0.0, group_interval=0.0)


class ConsoleMessenger:
    platform = "console"
    limits = CONSOLE_LIMITS

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    async def send(self, recipient: Recipient, notification: Notification) -> None:
        stream = self._stream or sys.stdout
        stream.write(render_plain(notification) + "\n\n")
        stream.flush()

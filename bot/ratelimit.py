"""A send scheduler that keeps under a platform's global and per-chat rate limits.

Each `acquire` reserves the earliest instant that respects both the chat's own interval and the
global rate, then sleeps until it: no burst ever exceeds the limits, and the global slot is never
wasted by a chat that has to wait longer."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from bot.ports import RateLimits


class RateLimiter:
    def __init__(
        self, limits: RateLimits, *, clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limits = limits
        self._clock = clock
        self._sleep = sleep
        self._next_global = 0.0
        self._next_chat: dict[str, float] = {}

    def reserve(self, chat_key: str, *, group: bool) -> float:
        """Reserve a send slot; returns the delay before it may happen."""
        now = self._clock()
        at = max(now, self._next_chat.get(chat_key, 0.0), self._next_global)
        self._next_global = at + 1.0 / self.limits.per_second
        interval = self.limits.group_interval if group else self.limits.private_interval
        self._next_chat[chat_key] = at + interval
        if len(self._next_chat) > 50_000:  # forget chats whose slot has long passed
            self._next_chat = {k: v for k, v in self._next_chat.items() if v > now}
        return at - now

    async def acquire(self, chat_key: str, *, group: bool) -> None:
        delay = self.reserve(chat_key, group=group)
        if delay > 0:
            await self._sleep(delay)

    def penalise(self, chat_key: str | None, seconds: float) -> None:
        """After a 429: nothing more to that chat (or, with None, to anyone) for `seconds`."""
        until = self._clock() + seconds
        if chat_key is None:
            self._next_global = max(self._next_global, until)
        else:
            self._next_chat[chat_key] = max(self._next_chat.get(chat_key, 0.0), until)

"""A send scheduler that keeps under a platform's global and per-chat rate limits.

Each `acquire` reserves the earliest instant that respects both the chat's own interval and the
global rate, then sleeps until it: no burst ever exceeds the limits, and the global slot is never
wasted by a chat that has to wait longer."""

from __future__ import annotations

import asyncio
import bisect
import contextlib
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
        self._next_global = 0.0  # after a global 429: nobody before this
        self._slots: list[float] = []  # reserved send instants, sorted: at most one per 1/per_second
        self._next_chat: dict[str, float] = {}

    def reserve(self, chat_key: str, *, group: bool) -> float:
        """Reserve a send slot; returns the delay before it may happen."""
        now = self._clock()
        gap = 1.0 / self.limits.per_second
        del self._slots[:bisect.bisect_left(self._slots, now - gap)]  # past slots constrain nothing
        at = self._free_slot(max(now, self._next_chat.get(chat_key, 0.0), self._next_global), gap)
        bisect.insort(self._slots, at)
        interval = self.limits.group_interval if group else self.limits.private_interval
        self._next_chat[chat_key] = at + interval
        if len(self._next_chat) > 50_000:  # forget chats whose slot has long passed
            self._next_chat = {k: v for k, v in self._next_chat.items() if v > now}
        return at - now

    def _free_slot(self, earliest: float, gap: float) -> float:
        """The first instant from `earliest` at least `gap` away from every reserved slot."""
        at = earliest
        close = gap * (1 - 1e-9)  # (slot + gap) - slot may round to a hair under gap
        index = bisect.bisect_left(self._slots, at)
        while True:
            if index > 0 and at - self._slots[index - 1] < close:
                at = self._slots[index - 1] + gap
            elif index < len(self._slots) and self._slots[index] - at < close:
                at = self._slots[index] + gap
                index += 1
            else:
                return at

    async def acquire(self, chat_key: str, *, group: bool, stop: asyncio.Event | None = None) -> bool:
        """Wait for a send slot. False when `stop` was set meanwhile (nothing may be sent then)."""
        delay = self.reserve(chat_key, group=group)
        if delay > 0:
            if stop is None:
                await self._sleep(delay)
            else:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
        return stop is None or not stop.is_set()

    def penalise(self, chat_key: str | None, seconds: float) -> None:
        """After a 429: nothing more to that chat (or, with None, to anyone) for `seconds`."""
        until = self._clock() + seconds
        if chat_key is None:
            self._next_global = max(self._next_global, until)
        else:
            self._next_chat[chat_key] = max(self._next_chat.get(chat_key, 0.0), until)

"""A send scheduler that keeps under a platform's global and per-chat rate limits — for every
message the bot sends to a chat: notifications from the delivery loop and command replies alike
(the Telegram adapter plugs it into python-telegram-bot as its BaseRateLimiter).

    async with limiter.slot(chat_id, group=False, stop=stop) as ready:
        if ready:
            await send()
    # a 429 from the platform:
    limiter.rate_limited(chat_id, retry_after)

- The global rate: each send reserves the earliest instant that is 1/per_second away from every
  other reserved instant, so no burst exceeds it and a chat that must wait never wastes a slot.
- Per chat: one send at a time, and the next one starts `interval x (1 + PACING_MARGIN)` after
  the previous one *finished*. The server counts when requests arrive; spacing them from the
  answer (which comes after the arrival) keeps the gap at the server above the limit whatever
  the network's jitter, where spacing from the start would not.
- 429s: a chat's wait holds that chat only; a wait without a chat, or 429s for two different
  chats within FLOOD_WINDOW (the platform's global flood control), holds everyone."""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import contextvars
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from bot.ports import RateLimits

PACING_MARGIN = 0.1  # per-chat spacing is 10 % above the platform's documented interval
RETRY_MARGIN = 0.1  # seconds added to a platform's retry_after
FLOOD_WINDOW = 1.0  # 429s for two different chats this close together: a global flood wait
MIN_GAP = 1e-6  # a global rate above a million a second is no limit (and its gap would drown in float rounding)

# the chat turns the current task holds, as (limiter id, chat key)
_TURNS: contextvars.ContextVar[frozenset[tuple[int, str]]] = contextvars.ContextVar("turns", default=frozenset())


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
        self._next_chat: dict[str, float] = {}  # pacing: a chat's next send not before this
        self._held: dict[str, float] = {}  # after a chat's 429: nothing to it before this
        self._last_429: dict[str | None, float] = {}
        self._chat_locks: dict[str, tuple[asyncio.Lock, int]] = {}  # one send per chat at a time (+ users)

    # -- reserving ----------------------------------------------------------------------------
    def reserve(self, chat_key: str, *, group: bool) -> float:
        """Reserve a send slot; returns the delay before it may happen."""
        now = self._clock()
        gap = 1.0 / self.limits.per_second
        del self._slots[:bisect.bisect_left(self._slots, now - gap)]  # past slots constrain nothing
        earliest = max(now, self._next_chat.get(chat_key, 0.0), self._held.get(chat_key, 0.0), self._next_global)
        if gap < MIN_GAP:  # no global rate to keep (a test's or a benchmark's "unlimited")
            at = earliest
        else:
            at = self._free_slot(earliest, gap)
            bisect.insort(self._slots, at)
        self._next_chat[chat_key] = at + self._interval(group)
        if len(self._next_chat) > 50_000:  # forget chats whose slot has long passed
            self._next_chat = {k: v for k, v in self._next_chat.items() if v > now}
            self._held = {k: v for k, v in self._held.items() if v > now}
        return at - now

    def _interval(self, group: bool) -> float:
        return self.limits.group_interval if group else self.limits.private_interval

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

    def _clear(self, chat_key: str) -> bool:
        """No 429 wait (the chat's or everyone's) is running now."""
        now = self._clock() + 1e-6
        return self._next_global <= now and self._held.get(chat_key, 0.0) <= now

    async def _pause(self, delay: float, stop: asyncio.Event | None) -> None:
        if stop is None:
            await self._sleep(delay)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)

    async def acquire(self, chat_key: str, *, group: bool, stop: asyncio.Event | None = None) -> bool:
        """Wait for a send slot (and out any 429 wait that starts meanwhile). False when `stop` was
        set meanwhile: nothing may be sent then."""
        while True:
            delay = self.reserve(chat_key, group=group)
            if delay > 0:
                await self._pause(delay, stop)
            if stop is not None and stop.is_set():
                return False
            if self._clear(chat_key):
                return True

    @contextlib.asynccontextmanager
    async def slot(self, chat_key: str, *, group: bool, stop: asyncio.Event | None = None) -> AsyncIterator[bool]:
        """Hold the chat's turn: wait for a slot, yield (True, or False once `stop` is set), and pace
        the chat's next send from the moment this one finished. Within a turn the same task may ask
        for the chat again (a send inside a send: the adapter's own port under the delivery loop's
        turn): that is the same turn, not a second one to wait for."""
        held = _TURNS.get()
        if (id(self), chat_key) in held:
            yield True
            return
        lock, users = self._chat_locks.get(chat_key, (asyncio.Lock(), 0))
        self._chat_locks[chat_key] = (lock, users + 1)
        try:
            async with lock:
                ready = await self.acquire(chat_key, group=group, stop=stop)
                token = _TURNS.set(held | {(id(self), chat_key)})
                try:
                    yield ready
                finally:
                    _TURNS.reset(token)
                    if ready:
                        after = self._clock() + self._interval(group) * (1 + PACING_MARGIN)
                        self._next_chat[chat_key] = max(self._next_chat.get(chat_key, 0.0), after)
        finally:
            lock, users = self._chat_locks[chat_key]
            if users <= 1:
                del self._chat_locks[chat_key]
            else:
                self._chat_locks[chat_key] = (lock, users - 1)

    # -- 429s ---------------------------------------------------------------------------------
    def penalise(self, chat_key: str | None, seconds: float) -> None:
        """Nothing more to that chat (or, with None, to anyone) for `seconds`."""
        until = self._clock() + seconds
        if chat_key is None:
            self._next_global = max(self._next_global, until)
        else:
            self._held[chat_key] = max(self._held.get(chat_key, 0.0), until)

    def rate_limited(self, chat_key: str | None, retry_after: float) -> str | None:
        """The platform answered 429 with `retry_after` for a send to `chat_key` (None: a request
        with no chat). Holds that chat, or everyone when the wait is global; returns the chat held,
        or None when everyone is."""
        now = self._clock()
        flood = chat_key is None or any(
            other != chat_key and now - at <= FLOOD_WINDOW for other, at in self._last_429.items())
        self._last_429 = {k: at for k, at in self._last_429.items() if now - at <= FLOOD_WINDOW}
        self._last_429[chat_key] = now
        scope = None if flood else chat_key
        self.penalise(scope, retry_after + RETRY_MARGIN)
        return scope

"""Every background loop of the bot runs here: logged, restarted with backoff, never silently gone.

    async with Supervisor() as supervisor:
        supervisor.spawn("poll", lambda: showbot.poll_loop(stop))
        supervisor.spawn("delivery", lambda: delivery.run(stop))
        await stop.wait()
    # leaving the block lets each loop finish (it watches `stop`) for a short grace, then cancels it

A loop that raises is logged (the traceback the first time in a row, one line after that) and
started again after an exponential backoff; a loop that returns while the supervisor is still
running is restarted too, unless it was spawned with `restart=False` (a one-off job: a platform's
start-up, say). `status()` says which loops are alive, for the periodic liveness line. In the
spirit of python-telegram-bot's `Application.create_task` → `process_error`: no task's failure
goes unseen."""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType

_log = logging.getLogger(__name__)

BACKOFF_BASE = 1.0
BACKOFF_CAP = 60.0
HEALTHY_AFTER = 60.0  # a loop that ran this long before failing starts its backoff afresh
CLOSE_GRACE = 3.0


class LoopState(enum.Enum):
    RUNNING = "running"
    RESTARTING = "restarting"  # failed; waiting out its backoff
    DONE = "done"  # a one-off job that finished
    FAILED = "failed"  # a one-off job that raised
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class LoopStatus:
    name: str
    state: LoopState
    failures: int  # in a row
    last_error: str | None

    def __str__(self) -> str:
        if self.state is LoopState.RUNNING:
            return self.name
        if self.state is LoopState.RESTARTING:
            return f"{self.name} (restarting after {self.failures} failure(s): {self.last_error})"
        return f"{self.name} ({self.state.value})"


@dataclass(slots=True)
class _Loop:
    name: str
    run: Callable[[], Awaitable[None]]
    restart: bool
    task: asyncio.Task[None] | None = None
    state: LoopState = LoopState.RUNNING
    failures: int = 0
    last_error: str | None = None


def restart_delay(failures: int, *, base: float = BACKOFF_BASE, cap: float = BACKOFF_CAP) -> float:
    """1 s, 2 s, 4 s … up to a minute, with jitter."""
    ceiling = min(cap, base * 2 ** max(0, failures - 1))
    return random.uniform(ceiling / 2, ceiling)


class Supervisor:
    def __init__(self, *, backoff_base: float = BACKOFF_BASE, backoff_cap: float = BACKOFF_CAP,
                 close_grace: float = CLOSE_GRACE, clock: Callable[[], float] = time.monotonic) -> None:
        self._base = backoff_base
        self._cap = backoff_cap
        self._grace = close_grace
        self._clock = clock
        self._loops: dict[str, _Loop] = {}
        self._closing = asyncio.Event()

    async def __aenter__(self) -> Supervisor:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.close()

    def spawn(self, name: str, run: Callable[[], Awaitable[None]], *, restart: bool = True) -> None:
        """Run `run()` (a fresh coroutine each time) under supervision, as `name`."""
        if self._closing.is_set():
            raise RuntimeError(f"the supervisor is closing; {name} not started")
        if name in self._loops and self._loops[name].state in (LoopState.RUNNING, LoopState.RESTARTING):
            raise ValueError(f"a loop named {name} is already running")
        loop = _Loop(name, run, restart)
        loop.task = asyncio.create_task(self._supervise(loop), name=f"showbot-{name}")
        self._loops[name] = loop

    def task(self, name: str) -> asyncio.Task[None]:
        """The task supervising `name`: running as long as the loop is supervised."""
        task = self._loops[name].task
        assert task is not None
        return task

    def status(self) -> list[LoopStatus]:
        return [LoopStatus(loop.name, loop.state, loop.failures, loop.last_error) for loop in self._loops.values()]

    def describe(self) -> str:
        """'poll, delivery, housekeeping; restarting: …' for the liveness line."""
        statuses = self.status()
        alive = [s.name for s in statuses if s.state is LoopState.RUNNING]
        trouble = [str(s) for s in statuses if s.state in (LoopState.RESTARTING, LoopState.FAILED)]
        text = "alive: " + (", ".join(alive) or "none")
        if trouble:
            text += "; " + "; ".join(trouble)
        return text

    async def _supervise(self, loop: _Loop) -> None:
        while True:
            loop.state = LoopState.RUNNING
            started = self._clock()
            try:
                await loop.run()
            except asyncio.CancelledError:
                loop.state = LoopState.STOPPED
                raise
            except Exception as exc:
                if self._closing.is_set():
                    loop.state = LoopState.STOPPED
                    _log.warning("%s failed while stopping: %s: %s", loop.name, type(exc).__name__, exc)
                    return
                if self._clock() - started >= HEALTHY_AFTER:
                    loop.failures = 0
                loop.failures += 1
                loop.last_error = f"{type(exc).__name__}: {exc}"
                if not loop.restart:
                    loop.state = LoopState.FAILED
                    _log.error("%s failed: %s", loop.name, loop.last_error, exc_info=exc)
                    return
                delay = restart_delay(loop.failures, base=self._base, cap=self._cap)
                if loop.failures == 1:  # the traceback once; a streak of the same trouble is one line each
                    _log.error("%s loop failed; restarting in %.1fs", loop.name, delay, exc_info=exc)
                else:
                    _log.error("%s loop failed again (%d in a row: %s); restarting in %.1fs", loop.name,
                               loop.failures, loop.last_error, delay)
            else:
                if self._closing.is_set() or not loop.restart:
                    loop.state = LoopState.DONE if not self._closing.is_set() else LoopState.STOPPED
                    return
                loop.failures += 1
                loop.last_error = "returned"
                delay = restart_delay(loop.failures, base=self._base, cap=self._cap)
                _log.error("%s loop ended on its own; restarting in %.1fs", loop.name, delay)
            loop.state = LoopState.RESTARTING
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), delay)
            if self._closing.is_set():
                loop.state = LoopState.STOPPED
                return
            _log.info("%s loop restarting", loop.name)

    async def close(self, grace: float | None = None) -> None:
        """Let every loop finish (each watches its own stop signal) within `grace` seconds, then
        cancel what is left."""
        self._closing.set()
        tasks = [loop.task for loop in self._loops.values() if loop.task is not None and not loop.task.done()]
        if not tasks:
            return
        _done, pending = await asyncio.wait(tasks, timeout=self._grace if grace is None else grace)
        for task in pending:
            _log.warning("%s did not stop within %.0fs; cancelling it", task.get_name().removeprefix("showbot-"),
                         self._grace if grace is None else grace)
            task.cancel()
        if pending:
            await asyncio.wait(pending)

"""Is the bot well? The answer `/healthz` gives (and Docker's HEALTHCHECK asks for).

Healthy means: the database answers, every long-running loop the composition root started is
still running, and some feed was fetched successfully recently (or there are no feeds). A feed
outage everywhere — the bot's own network is down — is unhealthy too: nothing reaches anyone."""

from __future__ import annotations

import asyncio
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.config import Settings
    from storage.ports import Storage

_log = logging.getLogger(__name__)

PROBE_TIMEOUT = 5.0


class HealthProbe(Protocol):
    """What health needs from storage."""

    async def ping(self) -> None:
        """Raise when the database does not answer."""
        ...

    async def last_poll_success(self) -> tuple[int, float | None]:
        """(how many feeds there are, when any of them was last fetched successfully)."""
        ...


@dataclass(frozen=True, slots=True)
class LoopStatus:
    name: str
    alive: bool
    error: str | None = None


@dataclass(frozen=True, slots=True)
class HealthReport:
    database: bool
    loops: tuple[LoopStatus, ...]
    feeds: int
    last_poll_age: float | None  # seconds since the last successful fetch of any feed
    stale_after: float
    problems: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, object]:
        return {
            "status": "ok" if self.ok else "unhealthy",
            "database": "ok" if self.database else "unreachable",
            "loops": {loop.name: "alive" if loop.alive else f"stopped: {loop.error or 'finished'}"
                      for loop in self.loops},
            "feeds": self.feeds,
            "last_successful_poll_age_seconds": None if self.last_poll_age is None else round(self.last_poll_age, 1),
            "stale_after_seconds": self.stale_after,
            "problems": list(self.problems),
        }


class Health:
    """Loops register their task here; `check` reads them and the probe."""

    def __init__(self, probe: HealthProbe, *, stale_after: float, clock: Callable[[], float] = time.time) -> None:
        self._probe = probe
        self._clock = clock
        self.stale_after = stale_after
        self.started_at = clock()
        self._loops: dict[str, asyncio.Task[object]] = {}

    def watch(self, name: str, task: asyncio.Task[object]) -> None:
        """A long-running loop: healthz is unhealthy once it has stopped while the bot runs."""
        self._loops[name] = task

    def forget(self, name: str) -> None:
        self._loops.pop(name, None)

    def loops(self) -> tuple[LoopStatus, ...]:
        out = []
        for name, task in sorted(self._loops.items()):
            if not task.done():
                out.append(LoopStatus(name, True))
            elif task.cancelled():
                out.append(LoopStatus(name, False, "cancelled"))
            else:
                exc = task.exception()
                out.append(LoopStatus(name, False, f"{type(exc).__name__}: {exc}" if exc else None))
        return tuple(out)

    async def check(self) -> HealthReport:
        problems: list[str] = []
        database = True
        feeds, last = 0, None
        try:
            async with asyncio.timeout(PROBE_TIMEOUT):
                await self._probe.ping()
                feeds, last = await self._probe.last_poll_success()
        except Exception as exc:
            database = False
            problems.append(f"database: {type(exc).__name__}: {exc}")
        loops = self.loops()
        problems += [f"loop {loop.name} stopped" for loop in loops if not loop.alive]
        now = self._clock()
        age: float | None = None
        if database and feeds:
            # a bot that has just started gets its first poll's worth of grace
            age = now - max(last or 0.0, self.started_at)
            if age > self.stale_after:
                problems.append(f"no feed fetched successfully for {age:.0f}s")
        return HealthReport(database, loops, feeds, age, self.stale_after, tuple(problems))


class StorageProbe:
    """HealthProbe over the bot's storage."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    async def ping(self) -> None:
        await self._storage.catalog.show_count()

    async def last_poll_success(self) -> tuple[int, float | None]:
        feeds = await self._storage.feeds.all()
        times = [f.last_success_at for f in feeds if f.last_success_at is not None]
        return len(feeds), max(times, default=None)


def probe_running_bot(settings: Settings, *, timeout: float = PROBE_TIMEOUT) -> tuple[bool, str]:
    """`showbot health`: GET the running bot's /healthz on its own address (never through a proxy).
    With the web server off, only the database can be checked."""
    bind = settings.web_bind
    if bind is None:
        return asyncio.run(_probe_database(settings.storage_target, timeout))
    host, port = bind
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    url = f"http://{'[' + host + ']' if ':' in host else host}:{port}/healthz"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as response:
            return True, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return False, exc.read().decode("utf-8", "replace") or f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        return False, f"{url}: {getattr(exc, 'reason', exc)}"


async def _probe_database(db: str, seconds: float) -> tuple[bool, str]:
    from storage import describe_target, open_storage

    try:  # read-only: a health check never creates or migrates a database
        async with asyncio.timeout(seconds), open_storage(db, read_only=True) as storage:
            await StorageProbe(storage).ping()
    except Exception as exc:
        return False, f"database {describe_target(db)}: {type(exc).__name__}: {exc}"
    return True, "web server off (SHOWBOT_WEB=off): the database answers"

"""Supervised background loops: a loop that fails is logged and restarted with backoff, never
silently gone, and never takes the others down; the liveness line says what is alive."""

from __future__ import annotations

import asyncio
import itertools
import logging
import sqlite3
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

from bot.config import load_settings
from bot.notifications import Notification, Recipient
from bot.ports import RateLimits
from bot.service import ShowBot
from bot.supervise import LoopState, Supervisor
from feeds.model import Event, NewItem, ShowMatch


async def _eventually(check: object, within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("not within the time allowed")
        await asyncio.sleep(0.01)


# -- the supervisor ----------------------------------------------------------------------------------
async def test_a_failing_loop_is_logged_and_restarted_with_backoff(caplog: pytest.LogCaptureFixture) -> None:
    runs: list[float] = []
    stop = asyncio.Event()

    async def flaky() -> None:
        runs.append(time.monotonic())
        if len(runs) <= 3:
            raise sqlite3.OperationalError("database is locked")
        await stop.wait()

    caplog.set_level(logging.INFO)
    async with Supervisor(backoff_base=0.05) as supervisor:
        supervisor.spawn("delivery", flaky)
        await _eventually(lambda: len(runs) == 4)
        [status] = supervisor.status()
        assert status.state is LoopState.RUNNING and status.failures == 3
        assert supervisor.describe() == "alive: delivery"
        stop.set()
    gaps = [b - a for a, b in itertools.pairwise(runs)]
    assert gaps[0] >= 0.025 and gaps[2] >= 0.1  # 0.05 s, 0.1 s, 0.2 s (with jitter down to half)
    failures = [r for r in caplog.records if r.name == "bot.supervise" and r.levelno == logging.ERROR]
    assert len(failures) == 3
    assert failures[0].exc_info is not None  # the traceback once …
    assert all(r.exc_info is None for r in failures[1:])  # … then one line per failure in the streak
    assert "database is locked" in failures[2].getMessage() and "3 in a row" in failures[2].getMessage()


async def test_a_loop_that_returns_early_is_restarted_and_one_offs_are_not() -> None:
    stop = asyncio.Event()
    runs = {"early": 0, "once": 0}

    async def early() -> None:
        runs["early"] += 1
        if runs["early"] < 2:
            return
        await stop.wait()

    async def once() -> None:
        runs["once"] += 1

    async with Supervisor(backoff_base=0.01) as supervisor:
        supervisor.spawn("early", early)
        supervisor.spawn("once", once, restart=False)
        await _eventually(lambda: runs["early"] == 2)
        states = {s.name: s.state for s in supervisor.status()}
        assert states == {"early": LoopState.RUNNING, "once": LoopState.DONE}
        stop.set()
    assert runs == {"early": 2, "once": 1}


async def test_close_cancels_a_loop_that_ignores_its_stop_signal() -> None:
    supervisor = Supervisor(close_grace=0.1)
    supervisor.spawn("stubborn", lambda: asyncio.sleep(3600))
    started = time.monotonic()
    await supervisor.close()
    assert time.monotonic() - started < 1.0
    assert [s.state for s in supervisor.status()] == [LoopState.STOPPED]


# -- the bot's loops -------------------------------------------------------------------------------
FAST = RateLimits(per_second=1000.0, private_interval=0.0, group_interval=0.0)


@dataclass
class Recorder:
    platform: str = "console"
    limits: RateLimits = FAST
    sent: list[str] = field(default_factory=list)

    async def send(self, recipient: Recipient, notification: Notification) -> None:
        self.sent.append(notification.headline)


@pytest.fixture
async def showbot(db_path: str) -> AsyncIterator[ShowBot]:
    async with ShowBot.create(load_settings(env={}, db=db_path)) as bot:  # the console user follows everything
        yield bot


async def _queue_story(showbot: ShowBot, title: str) -> None:
    storage = showbot.storage
    [item] = await storage.items.insert_items(None, [NewItem(title, guid=title)], time.time())
    [show] = await storage.catalog.find_shows("Squid Game")
    match = ShowMatch(show.id, show.title, Event.RENEWAL, (3,), "test")
    await storage.items.save_matches(item.id, [match])
    assert await storage.outbox.enqueue_for_match(item.id, match, time.time()) == 1
    showbot.delivery.notify()


async def test_a_locked_database_does_not_stop_delivery(showbot: ShowBot, monkeypatch: pytest.MonkeyPatch) -> None:
    """On main one "database is locked" in the delivery loop ended the whole bot."""
    recorder = Recorder()
    showbot.register(recorder)
    real = showbot.storage.outbox.next_outbox_due_at
    locked = {"times": 0}

    async def once_locked(*args: object, **kwargs: object) -> float | None:
        if locked["times"] == 0:
            locked["times"] += 1
            raise sqlite3.OperationalError("database is locked")
        return await real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(showbot.storage.outbox, "next_outbox_due_at", once_locked)
    stop = asyncio.Event()
    run = asyncio.create_task(showbot.run(stop))
    try:
        await _eventually(lambda: locked["times"] == 1 or run.done())
        await asyncio.sleep(0.05)
        assert not run.done(), run.exception() if run.done() else None
        await _queue_story(showbot, "Squid Game renewed for season 3")
        await _eventually(lambda: recorder.sent or run.done(), within=5.0)
        assert recorder.sent == ["Squid Game renewed for season 3"]
    finally:
        stop.set()
        await asyncio.wait_for(run, 10)


async def test_the_liveness_line_names_the_loops_the_last_poll_and_the_outbox(
    showbot: ShowBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.service")
    showbot.liveness_interval = 0.1
    await _queue_story(showbot, "Squid Game renewed for season 3")  # nobody delivers it: no console messenger
    stop = asyncio.Event()
    async with Supervisor() as supervisor:
        run = asyncio.create_task(showbot.run(stop, supervisor=supervisor))
        await _eventually(lambda: any("liveness:" in r.getMessage() for r in caplog.records))
        stop.set()
        await run
    [line, *_] = [r.getMessage() for r in caplog.records if "liveness:" in r.getMessage()]
    assert "alive: poll, delivery, digests, housekeeping, liveness" in line
    assert "outbox 1 pending" in line
    assert "poll" in line.split(";")[-2]  # the age of the last successful poll (or that there was none yet)

"""Graceful shutdown: `python -m bot run` on the embedded default (no tokens, the console adapter)
stops promptly on SIGTERM or SIGINT, exits 0 and leaves a consistent database — also when the
signal arrives in the middle of fetching a slow feed (`docker stop` sends SIGKILL 10 s later)."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest

from bot.poller import Poller
from feeds.fetch import FeedFetcher, bundled_feed_urls
from feeds.model import Event
from feeds.understand.matcher import Matcher
from storage import open_storage
from storage.records import SubscriptionRecord
from tests.support.http_server import LocalServer, Response

STARTED = "showbot running"
STARTUP_TIMEOUT = 20.0
SHUTDOWN_LIMIT = 10.0


def _env(db: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHOWBOT_", "DISCORD_", "TELEGRAM_"))}
    env.update(SHOWBOT_DB=str(db), PYTHONUNBUFFERED="1", **extra)
    return env


def _due_now(db: Path, urls: list[str]) -> None:
    """Feeds due at once (the first polls after start are otherwise spread over up to two minutes)."""

    async def add() -> None:
        async with open_storage(db) as storage:
            for url in urls:
                await storage.feeds.add_feed(url, next_poll_at=0.0)

    asyncio.run(add())


def _wait_until_nothing_pending(db: Path, proc: subprocess.Popen[bytes], timeout: float = STARTUP_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
            if not conn.execute("SELECT COUNT(*) FROM outbox WHERE status = 'pending'").fetchone()[0]:
                return
        time.sleep(0.05)
    pytest.fail("the second run did not send what the first one left pending")


def _wait_for(log: Path, text: str, proc: subprocess.Popen[bytes], timeout: float = STARTUP_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in log.read_text(errors="replace"):
            return
        if proc.poll() is not None:
            pytest.fail(f"showbot exited early ({proc.returncode}):\n{log.read_text(errors='replace')}")
        time.sleep(0.05)
    pytest.fail(f"showbot did not log {text!r} within {timeout:g}s:\n{log.read_text(errors='replace')}")


@contextmanager
def showbot_run(tmp_path: Path, env: dict[str, str], name: str = "run") -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    log = tmp_path / f"{name}.stderr"
    with log.open("wb") as stderr:
        proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr)
        try:
            yield proc, log
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.communicate()


def _stop(proc: subprocess.Popen[bytes], sig: signal.Signals) -> tuple[int, float, str]:
    sent_at = time.monotonic()
    proc.send_signal(sig)
    stdout, _ = proc.communicate(timeout=SHUTDOWN_LIMIT + 5)
    return proc.returncode, time.monotonic() - sent_at, stdout.decode(errors="replace")


def _check_db_closed_cleanly(db: Path) -> None:
    wal = Path(f"{db}-wal")
    assert not wal.exists() or wal.stat().st_size == 0, "the write-ahead log was not checkpointed on close"
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_run_stops_cleanly_on_a_signal(tmp_path: Path, sig: signal.Signals) -> None:
    db = tmp_path / "showbot.db"
    _due_now(db, bundled_feed_urls())
    with showbot_run(tmp_path, _env(db)) as (proc, log):
        _wait_for(log, STARTED, proc)
        _wait_for(log, "poll:", proc)  # the first poll cycle has run and written
        code, took, stdout = _stop(proc, sig)
    output = log.read_text(errors="replace")
    assert code == 0, output
    assert took < SHUTDOWN_LIMIT
    assert "stopped cleanly" in output and "Traceback" not in output, output
    _check_db_closed_cleanly(db)
    with closing(sqlite3.connect(db)) as conn:
        failing = conn.execute("SELECT COUNT(*) FROM feeds WHERE failures > 0").fetchone()[0]
        items = conn.execute("SELECT COUNT(*) FROM items").fetchone()[0]
    assert failing == 0 and items > 0  # it really polled the bundled feeds before stopping
    assert stdout.strip()  # and told the console user about the news


def test_a_restart_after_sigterm_sends_nothing_twice(tmp_path: Path) -> None:
    db = tmp_path / "showbot.db"
    outputs = []
    for n in range(2):
        _due_now(db, bundled_feed_urls())
        if n:  # make the feeds due again: the second run polls the same stories
            with closing(sqlite3.connect(db)) as conn, conn:
                conn.execute("UPDATE feeds SET next_poll_at = 0")
        with showbot_run(tmp_path, _env(db), f"run{n}") as (proc, log):
            _wait_for(log, "poll:", proc)
            if n:  # delivery runs beside the poll: let it send what the first run left before stopping
                _wait_until_nothing_pending(db, proc)
            code, _took, stdout = _stop(proc, signal.SIGTERM)
        assert code == 0, log.read_text(errors="replace")
        outputs.append(stdout)
    # SIGTERM may come while the first run is still sending: what it left pending goes out on the
    # second run, and nothing goes out twice
    first, second = ([block for block in out.strip().split("\n\n") if block] for out in outputs)
    assert first
    assert not set(first) & set(second), "a notification was sent by both runs"
    assert len(first) + len(second) == len(set(first) | set(second))
    _check_db_closed_cleanly(db)
    with closing(sqlite3.connect(db)) as conn:
        statuses = dict(conn.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status").fetchall())
    assert set(statuses) == {"sent"}


def test_sigterm_during_a_slow_fetch_stops_promptly(tmp_path: Path, server: LocalServer) -> None:
    """A feed that takes far longer than the shutdown budget is being fetched when SIGTERM comes."""
    body = b'<?xml version="1.0"?><rss version="2.0"><channel><title>slow</title>' + b" " * 5000
    server.routes["/slow.xml"] = Response(200, body, {"Content-Type": "application/rss+xml"}, drip_delay=0.01)
    url = server.url("/slow.xml")
    db = tmp_path / "showbot.db"
    _due_now(db, [url])
    env = _env(db, SHOWBOT_FEEDS=url, SHOWBOT_ALLOW_PRIVATE_FEEDS="1")
    with showbot_run(tmp_path, env) as (proc, log):
        _wait_for(log, STARTED, proc)
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not server.requests and time.monotonic() < deadline:
            time.sleep(0.02)
        assert server.requests, "the feed was never requested"
        time.sleep(0.3)  # well into the body
        code, took, _stdout = _stop(proc, signal.SIGTERM)
    output = log.read_text(errors="replace")
    assert code == 0, output
    assert took < 5.0, f"shutdown waited {took:.1f}s for a slow feed"
    assert "stopped cleanly" in output and "Traceback" not in output, output
    _check_db_closed_cleanly(db)
    with closing(sqlite3.connect(db)) as conn:
        failures, next_poll_at = conn.execute("SELECT failures, next_poll_at FROM feeds WHERE url = ?",
                                              (url,)).fetchone()
    # an interrupted fetch is not the feed's fault: no failure recorded, and it is polled again at start
    assert failures == 0 and next_poll_at <= time.time()


async def test_a_stopped_poll_keeps_what_it_fetched_and_leaves_the_rest_due(server: LocalServer, db_path: str) -> None:
    fast = (b'<rss version="2.0"><channel><title>fast</title><item><title>Severance renewed for season 3'
            b'</title><guid>fast-1</guid></item></channel></rss>')
    server.routes["/fast.xml"] = Response(200, fast, {"Content-Type": "application/rss+xml"})
    server.routes["/slow.xml"] = Response(200, fast.replace(b"fast", b"slow").ljust(3000), drip_delay=0.01)
    stop = asyncio.Event()
    async with open_storage(db_path) as storage, FeedFetcher(allow_private=True) as fetcher:
        await storage.catalog.import_catalog([("Severance", [])])
        await storage.audience.subscribe(SubscriptionRecord("console", "user", "local", None, Event.all()))
        matcher = Matcher(await storage.catalog.shows())
        for path in ("/fast.xml", "/slow.xml"):
            await storage.feeds.add_feed(server.url(path))
        poller = Poller(storage, fetcher, lambda: matcher, interval=600.0, clock=lambda: 1000.0)
        poll = asyncio.create_task(poller.poll(stop=stop))
        while (await storage.outbox.outbox_counts()).get("pending", 0) == 0:  # noqa: ASYNC110 - no event to wait on: the db
            await asyncio.sleep(0.02)
        stop.set()
        started = time.monotonic()
        report = await asyncio.wait_for(poll, 2)
        assert time.monotonic() - started < 1.0
        slow = await storage.feeds.feed_by_url(server.url("/slow.xml"))
        fast_feed = await storage.feeds.feed_by_url(server.url("/fast.xml"))
    assert report.failed == 0 and report.notifications == 1
    assert fast_feed is not None and fast_feed.last_success_at == 1000.0
    assert slow is not None and slow.failures == 0 and slow.last_polled_at is None and slow.next_poll_at <= 1000.0


def test_ctrl_c_in_chat_stops_at_once(tmp_path: Path) -> None:
    """`showbot chat` waiting at its prompt (stdin open, nothing typed) stops on Ctrl-C without
    waiting for Enter."""
    db = tmp_path / "showbot.db"
    proc = subprocess.Popen([sys.executable, "-m", "bot", "chat", "--no-poll"], cwd=tmp_path, env=_env(db),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        banner = proc.stdout.readline().decode()
        assert "showbot chat" in banner
        time.sleep(0.3)  # at the prompt, reading stdin
        sent_at = time.monotonic()
        proc.send_signal(signal.SIGINT)
        try:  # stdin stays open: nothing but the signal may end the wait
            code = proc.wait(timeout=SHUTDOWN_LIMIT)
        except subprocess.TimeoutExpired:
            code = None
        took = time.monotonic() - sent_at
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert took < 3.0, f"Ctrl-C took {took:.1f}s"
    assert code in (0, 130)

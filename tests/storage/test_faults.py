"""Issue 11's storage faults, each reproduced the way an operator meets it: through the bot and the
`showbot` command line, not through storage calls.

- a feed that changes an item's guid (same link, same headline) must not re-send the story;
- `/feed remove` of a configured feed must survive a restart;
- a database that can't be opened: one clear line and a non-zero exit, no traceback, no hang;
- a database newer than the code is refused;
- a second `showbot run` on the same SQLite file is refused;
- read-only commands create no database and no folder."""

from __future__ import annotations

import itertools
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.commands import Caller, Commands
from bot.config import load_settings
from bot.notifications import Notification, Recipient
from bot.ports import RateLimits
from bot.service import ShowBot
from tests.support.http_server import LocalServer, Request, Response

RUN_TIMEOUT = 60.0
FAN = Caller("fake", "u1", "u1")
CONSOLE = Caller("console", "local", "local")


class FakeMessenger:
    platform = "fake"
    limits = RateLimits(per_second=1000.0, private_interval=0.0, group_interval=0.0)

    def __init__(self) -> None:
        self.sent: list[tuple[Recipient, Notification]] = []

    async def send(self, recipient: Recipient, notification: Notification) -> None:
        self.sent.append((recipient, notification))


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHOWBOT_", "DISCORD_", "TELEGRAM_"))}
    env.update(PYTHONUNBUFFERED="1", **extra)
    return env


def _showbot(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, env=env or _env(), capture_output=True,
                          text=True, timeout=RUN_TIMEOUT, stdin=subprocess.DEVNULL, check=False)


# -- dedup must not trust the guid alone --------------------------------------------------------------
async def test_a_feed_that_changes_guids_does_not_resend_the_story(db_path: str, server: LocalServer) -> None:
    guids = itertools.count(1)

    def regenerating_cms(_request: Request) -> Response:  # a new guid for the same story on every request
        body = ('<?xml version="1.0"?><rss version="2.0"><channel><title>TV news</title><item>'
                "<title>Wednesday renewed for season 3 at Netflix</title>"
                "<link>https://news.example.test/wednesday-renewed-season-3</link>"
                f"<guid isPermaLink=\"false\">post-{next(guids)}</guid></item></channel></rss>")
        return Response(200, body.encode(), {"Content-Type": "application/rss+xml"})

    server.routes["/feed.xml"] = regenerating_cms
    settings = load_settings(env={"SHOWBOT_FEEDS": server.url("/feed.xml"), "SHOWBOT_ALLOW_PRIVATE_FEEDS": "1"},
                             db=db_path)
    messenger = FakeMessenger()
    async with ShowBot.create(settings) as showbot:
        showbot.register(messenger)
        assert (await Commands(showbot).run(FAN, "subscribe", show="Wednesday", events="renewal")).ok
        for _ in range(4):
            await showbot.poll_once(force=True)
            await showbot.delivery.deliver_due()
    assert next(guids) == 5  # the feed was fetched (and its guid changed) four times
    assert [n.headline for _r, n in messenger.sent] == ["Wednesday renewed for season 3 at Netflix"]


# -- a removed configured feed stays removed -----------------------------------------------------------
async def test_feed_remove_of_a_configured_feed_survives_a_restart(db_path: str) -> None:
    urls = ["https://one.example.test/feed", "https://two.example.test/feed"]
    settings = load_settings(env={"SHOWBOT_FEEDS": ",".join(urls)}, db=db_path)
    async with ShowBot.create(settings) as showbot:
        assert (await Commands(showbot).run(CONSOLE, "feed remove", url=urls[0])).ok
    async with ShowBot.create(settings) as showbot:  # the next start
        listing = (await Commands(showbot).run(CONSOLE, "feed list")).text
    assert urls[1] in listing and urls[0] not in listing


# -- a database that can't be opened -----------------------------------------------------------------
def _garbage(path: Path) -> None:
    path.write_bytes(b"\x00garbage, not SQLite\xff" * 200)


def _truncated(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE filler (x TEXT)")
        conn.executemany("INSERT INTO filler VALUES (?)", [("x" * 400,) for _ in range(300)])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _folder_is_a_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    blocker = path.parent / "blocker"
    blocker.write_text("a file where a folder should be")


COMMANDS = [("run", "--once"), ("chat", "--no-poll"), ("feeds",), ("catalog", "list")]


@pytest.mark.parametrize("spoil", [_garbage, _truncated], ids=["garbage", "truncated"])
@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_a_database_that_cannot_be_opened_exits_with_one_line(
    tmp_path: Path, spoil: Callable[[Path], None], command: tuple[str, ...]
) -> None:
    db = tmp_path / "showbot.db"
    spoil(db)
    started = time.monotonic()
    result = _showbot(*command, "--db", str(db), cwd=tmp_path)  # a hang would raise TimeoutExpired
    assert time.monotonic() - started < RUN_TIMEOUT
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("showbot:")]
    assert errors == [f"showbot: cannot open database {db}: {errors[0].split(': ', 2)[2]}"] if errors else False, \
        result.stderr


def test_a_database_folder_that_cannot_be_made_exits_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "blocker").write_text("a file where a folder should be")
    result = _showbot("run", "--once", "--db", str(tmp_path / "blocker" / "showbot.db"), cwd=tmp_path)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "showbot: cannot open database" in result.stderr


def test_a_database_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "showbot.db"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA user_version = 999")
    result = _showbot("run", "--once", "--db", str(db), cwd=tmp_path)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "schema version 999" in result.stderr and "newer showbot" in result.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 999
        assert conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0] == 0  # nothing created


# -- one bot per SQLite file ---------------------------------------------------------------------------
@pytest.fixture
def running_bot(tmp_path: Path) -> Iterator[Path]:
    """`showbot run` (console, bundled sample feeds) in the background, until the test ends."""
    db = tmp_path / "showbot.db"
    log = tmp_path / "first.stderr"
    with log.open("wb") as stderr:
        proc = subprocess.Popen([sys.executable, "-m", "bot", "run", "--db", str(db)], cwd=tmp_path, env=_env(),
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            deadline = time.monotonic() + RUN_TIMEOUT
            while "showbot running" not in log.read_text(errors="replace"):
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the first showbot did not start:\n{log.read_text(errors='replace')}")
                time.sleep(0.05)
            yield db
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_a_second_showbot_run_on_the_same_file_is_refused(running_bot: Path, tmp_path: Path) -> None:
    for command in (("run",), ("run", "--once"), ("chat",)):
        result = _showbot(*command, "--db", str(running_bot), cwd=tmp_path)
        assert result.returncode != 0, command
        assert "Traceback" not in result.stderr
        assert f"showbot: another showbot is already running on {running_bot}" in result.stderr, result.stderr
    # looking, and chatting without polling, are fine beside the running bot
    assert _showbot("feeds", "--db", str(running_bot), cwd=tmp_path).returncode == 0
    assert _showbot("catalog", "list", "--db", str(running_bot), cwd=tmp_path).returncode == 0


# -- read-only commands create nothing ------------------------------------------------------------------
def _tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("command", [["feeds"], ["catalog", "list"]], ids=["feeds", "catalog list"])
def test_read_only_commands_create_no_database_or_folder(
    tmp_path: Path, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "data" / "showbot" / "showbot.db"
    assert main([*command, "--db", str(db)]) == 0
    assert _tree(tmp_path) == []
    captured = capsys.readouterr()
    assert "no database" in captured.out + captured.err


def test_feeds_on_a_database_the_bot_made_lists_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "showbot.db"
    assert main(["run", "--once", "--db", str(db)]) == 0
    before = json.dumps(_tree(tmp_path))
    capsys.readouterr()
    assert main(["feeds", "--db", str(db)]) == 0
    assert "bundled:" in capsys.readouterr().out
    assert json.dumps(_tree(tmp_path)) == before

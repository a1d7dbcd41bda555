"""Telegram start-up against the fake Bot API: a wrong token is one line that never shows the token
(and the bot exits 2 when Telegram was its only platform); an unreachable Bot API is retried with
backoff while the other platforms and polling keep running."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import closing
from pathlib import Path

import pytest

from bot.adapters.telegram_bot import BotApiUnreachable, TelegramAdapter, TokenRejected
from bot.config import load_settings
from bot.service import ShowBot
from storage import open_storage
from tests.support.fake_telegram import FakeTelegram
from tests.support.http_server import LocalServer, Response

WRONG_TOKEN = "123456:WRONG-token-that-must-never-be-printed"
FEED = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>TV</title>'
        b"<item><title>Slow Horses renewed for season 6 at Apple TV+</title><guid>sh-6</guid></item>"
        b"</channel></rss>")


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as telegram:
        yield telegram


@pytest.fixture
async def showbot(fake: FakeTelegram, db_path: str) -> AsyncIterator[ShowBot]:
    settings = load_settings(env={"TELEGRAM_TOKEN": fake.token, "TELEGRAM_BASE_URL": fake.base_url,
                                  "SHOWBOT_FEEDS": fake.server.url("/feed.xml"),
                                  "SHOWBOT_ALLOW_PRIVATE_FEEDS": "1"}, db=db_path)
    async with ShowBot.create(settings) as bot:
        yield bot


# -- the adapter on its own ----------------------------------------------------------------------
async def test_a_wrong_token_is_named_without_echoing_it(fake: FakeTelegram, showbot: ShowBot) -> None:
    settings = load_settings(env={"TELEGRAM_TOKEN": WRONG_TOKEN, "TELEGRAM_BASE_URL": fake.base_url})
    with pytest.raises(TokenRejected) as caught:
        await TelegramAdapter(settings, showbot).start()
    assert "TELEGRAM_TOKEN" in str(caught.value) and "401" in str(caught.value)
    assert "WRONG" not in str(caught.value) and caught.value.__cause__ is None
    assert caught.value.__suppress_context__


async def test_an_unreachable_bot_api_is_its_own_error(fake: FakeTelegram, showbot: ShowBot) -> None:
    fake.unreachable = True
    adapter = TelegramAdapter(showbot.settings, showbot)
    with pytest.raises(BotApiUnreachable) as caught:
        await adapter.start()
    assert fake.token not in str(caught.value)
    fake.unreachable = False
    await adapter.start()  # the same adapter starts once the server is back
    await adapter.stop()


# -- `showbot run` as a process ----------------------------------------------------------------------
def _wait_until_console_sent(db: Path, proc: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
            if conn.execute("SELECT COUNT(*) FROM outbox WHERE platform = 'console' AND status = 'sent'").fetchone()[0]:
                return
        time.sleep(0.05)
    pytest.fail("nothing was delivered to the console")


def _env(tmp_path: Path, token: str, base_url: str, feed: str) -> dict[str, str]:
    """The environment of a run whose one feed is due at once (first polls are otherwise spread)."""

    async def due_now() -> None:
        async with open_storage(tmp_path / "showbot.db") as storage:
            await storage.feeds.add_feed(feed, next_poll_at=0.0)

    asyncio.run(due_now())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHOWBOT_", "TELEGRAM_", "DISCORD_"))}
    env.update(TELEGRAM_TOKEN=token, TELEGRAM_BASE_URL=base_url, SHOWBOT_DB=str(tmp_path / "showbot.db"),
               SHOWBOT_FEEDS=feed, SHOWBOT_ALLOW_PRIVATE_FEEDS="1", PYTHONUNBUFFERED="1")
    return env


def _wait_for(log: Path, text: str, proc: subprocess.Popen[bytes], timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        output = log.read_text(errors="replace")
        if text in output:
            return output
        if proc.poll() is not None:
            pytest.fail(f"showbot exited ({proc.returncode}) before logging {text!r}:\n{output}")
        time.sleep(0.05)
    pytest.fail(f"showbot did not log {text!r} within {timeout:g}s:\n{log.read_text(errors='replace')}")


def test_a_wrong_token_alone_exits_2_in_one_line(fake: FakeTelegram, server: LocalServer, tmp_path: Path) -> None:
    server.routes["/feed.xml"] = Response(200, FEED)
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        result = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=tmp_path, stdout=out,
                                stderr=subprocess.STDOUT, timeout=30, check=False,
                                env=_env(tmp_path, WRONG_TOKEN, fake.base_url, server.url("/feed.xml")))
    output = log.read_text(errors="replace")
    assert result.returncode == 2, output
    assert "Traceback" not in output and "WRONG" not in output, output
    complaints = [line for line in output.splitlines() if "TELEGRAM_TOKEN" in line]
    assert len(complaints) == 1 and "401" in complaints[0], output


def test_a_wrong_token_leaves_the_other_platforms_running(fake: FakeTelegram, server: LocalServer,
                                                          tmp_path: Path) -> None:
    server.routes["/feed.xml"] = Response(200, FEED)
    log = tmp_path / "run.log"
    env = _env(tmp_path, WRONG_TOKEN, fake.base_url, server.url("/feed.xml"))
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "bot", "run", "--console"], cwd=tmp_path, env=env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=out)
        try:
            _wait_for(log, "poll:", proc)
            _wait_until_console_sent(tmp_path / "showbot.db", proc)  # delivery runs beside the poll's log line
            proc.send_signal(signal.SIGTERM)
            stdout, _ = proc.communicate(timeout=15)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    output = log.read_text(errors="replace")
    assert proc.returncode == 0, output
    assert "Slow Horses" in stdout.decode()  # the console still got the news
    assert "Traceback" not in output and "WRONG" not in output, output
    assert len([line for line in output.splitlines() if "TELEGRAM_TOKEN" in line]) == 1, output


def test_an_unreachable_bot_api_is_retried_while_the_rest_runs(fake: FakeTelegram, server: LocalServer,
                                                                tmp_path: Path) -> None:
    server.routes["/feed.xml"] = Response(200, FEED)
    fake.unreachable = True
    log = tmp_path / "run.log"
    env = _env(tmp_path, fake.token, fake.base_url, server.url("/feed.xml"))
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "bot", "run", "--console"], cwd=tmp_path, env=env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=out)
        try:
            _wait_for(log, "poll:", proc)  # polling runs while Telegram is away
            output = _wait_for(log, "retrying in", proc)
            assert "unreachable" in output
            fake.unreachable = False
            _wait_for(log, "telegram: polling as", proc, timeout=20)
            fake.push_message(user=42, text="/subscribe Slow Horses")
            asyncio.run(fake.wait_for_sent(lambda c: c.chat_id == "42", within=10))
            proc.send_signal(signal.SIGTERM)
            stdout, _ = proc.communicate(timeout=15)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    output = log.read_text(errors="replace")
    assert proc.returncode == 0, output
    assert "Slow Horses" in stdout.decode()
    assert "Traceback" not in output and fake.token not in output, output


def test_tokens_are_scrubbed_from_every_log_record(capsys: pytest.CaptureFixture[str]) -> None:
    """A library's message or traceback may quote the token (PTB's InvalidToken does, httpx logs
    request URLs at DEBUG): the handlers `showbot` sets up print *** instead."""
    import logging

    from bot.cli import _redact_in_logs

    root = logging.getLogger()
    handler = logging.StreamHandler()
    root.addHandler(handler)
    try:
        _redact_in_logs(WRONG_TOKEN, None)
        log = logging.getLogger("telegram.test")
        log.error("POST https://api.telegram.org/bot%s/getMe", WRONG_TOKEN)
        try:
            raise RuntimeError(f"The token `{WRONG_TOKEN}` was rejected by the server.")
        except RuntimeError:
            log.exception("start failed")
    finally:
        root.removeHandler(handler)
    err = capsys.readouterr().err
    assert WRONG_TOKEN not in err
    assert "bot***/getMe" in err and "The token `***`" in err

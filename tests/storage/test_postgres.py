"""What only the PostgreSQL backend does, and moving a SQLite database over: the bot end to end on
PostgreSQL, `showbot migrate`, a newer schema refused, an unreachable server in one line, and
`showbot db copy --to postgresql://…` with nothing lost.

Needs a server (SHOWBOT_TEST_POSTGRES, default postgresql://postgres@127.0.0.1:5432/test); without
one these skip with the reason (see tests/support/postgres.py)."""

from __future__ import annotations

import asyncio
import os
import socket
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.cli import main
from bot.commands import Caller, Commands
from bot.config import load_settings
from bot.notifications import Notification, Recipient
from bot.ports import RateLimits
from bot.service import ShowBot
from feeds.model import Event, NewItem, ShowMatch
from feeds.understand.stories import Report, decide
from storage import SchemaTooNew, StorageError, StorageLocked, StorageUnavailable, open_storage
from storage.postgres.migrations import MIGRATIONS
from storage.records import PanelGrant, PushState, PushSubscription, SubscriptionRecord
from storage.transfer import POSTGRES_ONLY, TABLES
from tests.support.http_server import LocalServer, Response
from tests.support.postgres import postgres_or_skip, temporary_schema

NOW = 1_800_000_000.0
FAN = Caller("fake", "u1", "u1")


@pytest.fixture
def pg_url() -> Iterator[str]:
    server = postgres_or_skip()
    with temporary_schema(server, f"showbot_pg_{uuid.uuid4().hex[:12]}_{os.getpid()}") as url:
        yield url


@pytest.fixture
def other_pg_url() -> Iterator[str]:
    server = postgres_or_skip()
    with temporary_schema(server, f"showbot_pg2_{uuid.uuid4().hex[:12]}_{os.getpid()}") as url:
        yield url


class FakeMessenger:
    platform = "fake"
    limits = RateLimits(per_second=1000.0, private_interval=0.0, group_interval=0.0)

    def __init__(self) -> None:
        self.sent: list[tuple[Recipient, Notification]] = []

    async def send(self, recipient: Recipient, notification: Notification) -> None:
        self.sent.append((recipient, notification))


# -- the bot on PostgreSQL -------------------------------------------------------------------------
async def test_the_bot_runs_on_postgresql_and_sends_nothing_twice(pg_url: str, server: LocalServer) -> None:
    feed = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>TV</title><item>'
            b"<title>Wednesday renewed for season 3 at Netflix</title><link>https://news.example.test/w3</link>"
            b"<guid>w3</guid></item></channel></rss>")
    server.routes["/feed.xml"] = Response(200, feed, {"Content-Type": "application/rss+xml"})
    env = {"SHOWBOT_FEEDS": server.url("/feed.xml"), "SHOWBOT_ALLOW_PRIVATE_FEEDS": "1", "SHOWBOT_DATABASE_URL": pg_url}
    settings = load_settings(env=env, db="/nonexistent/never-used.db")
    messenger = FakeMessenger()
    async with ShowBot.create(settings) as showbot:
        assert showbot.storage.location.startswith("postgresql://")
        showbot.register(messenger)
        assert (await Commands(showbot).run(FAN, "subscribe", show="Wednesday", events="renewal")).ok
        report = await showbot.run_once()
        assert (report.poll.new_items, report.delivery.sent) == (1, 1)
    async with ShowBot.create(settings) as showbot:  # a restart
        showbot.register(messenger)
        report = await showbot.run_once()
        assert (report.poll.new_items, report.delivery.sent) == (0, 0)
    assert [n.headline for _r, n in messenger.sent] == ["Wednesday renewed for season 3 at Netflix"]
    assert not await asyncio.to_thread(os.path.exists, "/nonexistent")


async def test_several_bots_may_share_one_postgresql(pg_url: str) -> None:
    async with open_storage(pg_url, exclusive=True) as first, open_storage(pg_url, exclusive=True) as second:
        assert first.several_workers and second.several_workers
        await first.catalog.upsert_show("Alpha")
        assert await second.catalog.show_count() == 1


# -- schema ------------------------------------------------------------------------------------------
def test_showbot_migrate_brings_either_backend_up_to_date(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "showbot.db"
    monkeypatch.delenv("SHOWBOT_DATABASE_URL", raising=False)
    assert main(["migrate", "--db", str(db)]) == 0
    assert f"{db} is at schema version" in capsys.readouterr().out
    monkeypatch.setenv("SHOWBOT_DATABASE_URL", pg_url)
    assert main(["migrate"]) == 0
    assert f"is at schema version {len(MIGRATIONS)}" in capsys.readouterr().out
    assert main(["migrate"]) == 0  # again: nothing to do


async def test_a_postgresql_schema_newer_than_the_code_is_refused(pg_url: str) -> None:
    async with open_storage(pg_url):
        pass
    await _sql(pg_url, "UPDATE schema_version SET version = 99")
    for read_only in (False, True):
        with pytest.raises(SchemaTooNew) as refused:
            await open_storage(pg_url, read_only=read_only)
        assert "schema version 99" in str(refused.value)
    assert await _sql(pg_url, "SELECT version FROM schema_version") == [(99,)]


async def test_an_unreachable_server_is_one_clear_error() -> None:
    with socket.socket() as s:  # a port that was free a moment ago and has no listener now
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(StorageUnavailable) as failed:
        await asyncio.wait_for(open_storage(f"postgresql://showbot:secret@127.0.0.1:{port}/showbot"), 30)
    message = str(failed.value)
    assert message.startswith(f"cannot open database postgresql://showbot@127.0.0.1:{port}/showbot: ")
    assert "secret" not in message and "\n" not in message


def test_the_command_line_never_prints_the_password(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("SHOWBOT_DATABASE_URL", f"postgresql://showbot:hunter2@127.0.0.1:{port}/showbot")
    assert main(["feeds"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("showbot: cannot open database postgresql://showbot@127.0.0.1") and "hunter2" not in err


# -- db copy -------------------------------------------------------------------------------------------
async def _fill_every_table(db: str) -> None:
    """A SQLite database with rows in every table, including awkward values."""
    async with open_storage(db) as storage:
        alpha = await storage.catalog.upsert_show("Alpha", ["Ålpha", "アルファ"])
        beta = await storage.catalog.upsert_show("Beta")
        await storage.feeds.sync_config_feeds(["https://a.example/feed", "https://gone.example/feed"], [NOW, NOW])
        await storage.feeds.remove_feed("https://gone.example/feed", removed_by="telegram:1")
        await storage.feeds.add_feed("https://mod.example/feed", added_by="discord:9")
        [feed, *_] = await storage.feeds.all()
        await storage.feeds.record_feed_failure(feed.id, error="HTTP 503", next_poll_at=NOW + 60, now=NOW)
        items = await storage.items.insert_items(feed.id, [
            NewItem("Alpha renewed for season 2", "A summary — with “quotes”", guid="a-2",
                    link="https://a.example/alpha", published_at=NOW - 3600),
            NewItem("Beta trailer", link="https://a.example/beta"),
            NewItem("Nul\x00 in a headline", guid="nul"),
        ], NOW)
        await storage.items.save_matches(items[0].id, [ShowMatch(alpha, "Alpha", Event.RENEWAL, (2,), "renewed")])
        await storage.items.save_matches(items[1].id, [ShowMatch(beta, "Beta", Event.TRAILER, (), "trailer")])
        renewal = ShowMatch(alpha, "Alpha", Event.RENEWAL, (2,), "renewed")
        first = decide(Report("Alpha renewed for season 2", "", "https://a.example/alpha", "A", NOW - 3600), renewal, [])
        story = await storage.stories.save(first, item_id=items[0].id, reported_at=NOW - 3600)
        again = decide(Report("Alpha renewed for season 2", "", "https://a.example/alpha", "A", NOW - 3600),
                       renewal, [story])
        await storage.stories.save(again, item_id=items[2].id, reported_at=NOW)
        await storage.audience.subscribe(SubscriptionRecord("telegram", "user", "1", None, Event.all(), user_id="1"))
        await storage.audience.subscribe(SubscriptionRecord("discord", "channel", "c1", alpha, Event.RENEWAL,
                                                            guild_id="g1", role_id="42"))
        await storage.audience.subscribe(SubscriptionRecord("telegram", "user", "2", beta, Event.TRAILER, user_id="2"))
        await storage.audience.mute("discord", "g2", beta)
        await storage.outbox.enqueue_for_match(items[0].id, ShowMatch(alpha, "Alpha", Event.RENEWAL), NOW)
        await storage.outbox.enqueue_for_match(items[1].id, ShowMatch(beta, "Beta", Event.TRAILER), NOW)
        rows = await storage.outbox.pending_outbox(now=NOW, platforms=["telegram", "discord"])
        assert await storage.outbox.claim_outbox(now=NOW, platforms=["telegram", "discord"], worker="w1", lease=60)
        await storage.outbox.mark_sent(rows[0].id, NOW + 1)
        await storage.outbox.mark_retry(rows[1].id, error="HTTP 502", next_attempt_at=NOW + 30)
        await storage.audience.pause_chat("telegram", "2", "Forbidden: bot was blocked by the user")
        await storage.meta.set_meta("console_default", "subscribed to every show")
        await storage.feeds.claim_due_feeds(NOW + 120, worker="w1", lease=300)  # a lease in flight
        await storage.preferences.set_language("telegram", "1", "ko")
        grant = PanelGrant("discord", "5", "c1", group=True, guild_id="g1", chat_admin=True, name="Mod")
        await storage.panel.save_login_link("l" * 64, grant, expires_at=NOW + 600, now=NOW)
        await storage.panel.save_panel_session("s" * 64, grant, expires_at=NOW + 3600, now=NOW)
        await storage.panel.calendar_token("telegram", "user", "1", new="calendar-token")
        await storage.push.save_push_subscription(PushSubscription(
            feed.id, feed.url, "https://hub.example/", feed.url, "cb-1", "s3cret", PushState.ACTIVE, NOW,
            lease_seconds=86400, expires_at=NOW + 86400, renew_at=NOW + 80000))


def _sqlite_rows(db: str, table: str, columns: tuple[str, ...]) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()
    return sorted((_plain(row) for row in rows), key=repr)


def _plain(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(float(v) if isinstance(v, float | int) and not isinstance(v, bool) else
                 v.replace("\x00", "") if isinstance(v, str) else v for v in row)


async def _sql(url: str, sql: str) -> list[tuple[Any, ...]]:
    conn = await asyncpg.connect(url)
    try:
        return [tuple(r) for r in await conn.fetch(sql)]
    finally:
        await conn.close()


async def test_db_copy_moves_every_row_and_the_bot_carries_on(pg_url: str, tmp_path: Path) -> None:
    db = str(tmp_path / "showbot.db")
    await _fill_every_table(db)
    assert await asyncio.to_thread(main, ["db", "copy", "--db", db, "--to", pg_url]) == 0
    for table, columns in TABLES:
        copied = sorted((_plain(r) for r in await _sql(pg_url, f"SELECT {', '.join(columns)} FROM {table}")), key=repr)
        assert copied == _sqlite_rows(db, table, columns), table
        assert copied, f"{table} was empty in the test's source: fill it"
    async with open_storage(pg_url) as storage:  # and the copy works as the bot's storage
        assert (await storage.stats()) == (await _stats(db))
        new_show = await storage.catalog.upsert_show("Gamma")  # ids continue after the copied ones
        assert new_show > max(s.id for s in await storage.catalog.shows() if s.title != "Gamma")
        assert [f.url for f in await storage.feeds.all()][:1] == ["https://a.example/feed"]
        assert await storage.feeds.sync_config_feeds(["https://a.example/feed", "https://gone.example/feed"],
                                                     [NOW, NOW]) == (0, 0)  # the removal came along
        known = NewItem("Alpha renewed for season 2", guid="regenerated", link="https://a.example/alpha")
        assert await storage.items.insert_items(1, [known], NOW + 10) == []  # and so did the item keys


async def _stats(db: str) -> Any:
    async with open_storage(db, read_only=True) as storage:
        return await storage.stats()


async def test_db_copy_refuses_a_target_that_holds_data(pg_url: str, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "showbot.db")
    await _fill_every_table(db)
    async with open_storage(pg_url) as storage:
        await storage.catalog.upsert_show("Already here")
    assert await asyncio.to_thread(main, ["db", "copy", "--db", db, "--to", pg_url]) == 1
    assert "already holds data (1 shows)" in capsys.readouterr().err
    assert await _sql(pg_url, "SELECT title FROM shows") == [("Already here",)]


async def test_db_copy_refuses_while_a_bot_runs_on_the_source(pg_url: str, tmp_path: Path) -> None:
    from storage.transfer import copy_sqlite_to_postgres

    db = str(tmp_path / "showbot.db")
    await _fill_every_table(db)
    async with open_storage(db, exclusive=True):
        with pytest.raises(StorageLocked):
            await copy_sqlite_to_postgres(db, pg_url)
    assert await _sql(pg_url, "SELECT to_regclass('shows') IS NULL") == [(True,)]  # the target untouched


async def test_db_copy_of_a_missing_file_creates_nothing(pg_url: str, tmp_path: Path) -> None:
    from storage.transfer import copy_sqlite_to_postgres

    with pytest.raises(StorageError):
        await copy_sqlite_to_postgres(str(tmp_path / "missing.db"), pg_url)
    assert not (tmp_path / "missing.db").exists()


async def test_every_table_and_column_is_copied(tmp_path: Path, pg_url: str) -> None:
    """TABLES must name every table and column of both schemas: what it leaves out, a copy would lose."""
    db = str(tmp_path / "schema.db")
    async with open_storage(db):
        pass
    with sqlite3.connect(db) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                             "AND name NOT LIKE 'sqlite_%'")]
        sqlite_schema = {name: {r[1] for r in conn.execute(f"PRAGMA table_info({name})")} for name in names}
    async with open_storage(pg_url):
        pass
    pg_schema: dict[str, set[str]] = {}
    for table, column in await _sql(pg_url, "SELECT table_name, column_name FROM information_schema.columns "
                                            "WHERE table_schema = current_schema()"):
        pg_schema.setdefault(table, set()).add(column)
    for table in POSTGRES_ONLY:
        pg_schema.pop(table)
    copied = {table: set(columns) for table, columns in TABLES}
    assert copied == sqlite_schema
    assert copied == pg_schema


def test_the_database_url_setting() -> None:
    from bot.config import ConfigError

    settings = load_settings(env={"SHOWBOT_DATABASE_URL": "postgresql://bot:s3cret@db.internal:5432/showbot"})
    assert settings.storage_target == "postgresql://bot:s3cret@db.internal:5432/showbot"
    assert "s3cret" not in repr(settings) and "db.internal" in repr(settings)
    assert load_settings(env={}, db="x.db").storage_target == "x.db"
    with pytest.raises(ConfigError, match="postgresql://"):
        load_settings(env={"SHOWBOT_DATABASE_URL": "mysql://bot@db/showbot"})

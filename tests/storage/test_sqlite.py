"""What only the SQLite backend does: its migrations and `user_version`, WAL, the lock file that keeps a
second bot off the same file, read-only opening, and files that cannot be opened."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from pathlib import Path

import pytest

import storage.sqlite.database as database_module
from feeds.model import Event, NewItem, ShowMatch
from storage import NoDatabase, SchemaTooNew, StorageError, StorageLocked, StorageUnavailable, open_storage
from storage.records import SubscriptionRecord
from storage.sqlite.migrations import MIGRATIONS

NOW = 1_800_000_000.0


def _contents(path: str) -> bytes:
    return Path(path).read_bytes()


def _listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def _user_version(path: str) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])


# -- migrations ------------------------------------------------------------------------------------
async def test_migrations_reach_latest_version_from_an_empty_file(db_path: str) -> None:
    async with open_storage(db_path) as storage:
        assert await storage.schema_version() == len(MIGRATIONS)
        await storage.meta.set_meta("k", "v")
    assert _user_version(db_path) == len(MIGRATIONS)


async def test_reopening_does_not_rerun_migrations(db_path: str, caplog: pytest.LogCaptureFixture) -> None:
    async with open_storage(db_path) as storage:
        show_id = await storage.catalog.upsert_show("Alpha")
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="storage.sqlite.database"):
        async with open_storage(db_path) as storage:
            assert await storage.schema_version() == len(MIGRATIONS)
            assert [s.id for s in await storage.catalog.shows()] == [show_id]
    assert not [r for r in caplog.records if "migrating" in r.getMessage()]


async def test_an_old_database_is_upgraded_keeping_its_data(db_path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(database_module, "MIGRATIONS", MIGRATIONS[:1])
    async with open_storage(db_path) as storage:
        assert await storage.schema_version() == 1
        await storage.catalog.upsert_show("Alpha")
    monkeypatch.setattr(database_module, "MIGRATIONS", MIGRATIONS)
    async with open_storage(db_path) as storage:
        assert await storage.schema_version() == len(MIGRATIONS)
        assert [s.title for s in await storage.catalog.shows()] == ["Alpha"]
        assert await storage.meta.get_meta("missing") is None


async def test_items_stored_before_version_4_are_known_by_every_key(
    db_path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database from before item keys: its items still count as seen when their guid changes."""
    monkeypatch.setattr(database_module, "MIGRATIONS", MIGRATIONS[:3])
    async with open_storage(db_path):
        pass
    old = NewItem("Alpha renewed for season 2", guid="cms-1", link="https://a.example/alpha")
    with sqlite3.connect(db_path) as conn:  # written as version 3 code wrote it
        conn.execute("INSERT INTO feeds(id, url, created_at) VALUES (1, 'https://a.example/feed', 0)")
        conn.execute("INSERT INTO items(feed_id, dedup_key, guid, link, title, first_seen_at) VALUES (1, ?, ?, ?, ?, ?)",
                     (old.dedup_key, old.guid, old.link, old.title, NOW))
    monkeypatch.setattr(database_module, "MIGRATIONS", MIGRATIONS)
    async with open_storage(db_path) as storage:
        assert await storage.schema_version() == len(MIGRATIONS)
        renamed = NewItem("Alpha renewed for season 2", guid="cms-2", link="https://a.example/alpha")
        assert await storage.items.insert_items(1, [old, renamed], NOW + 60) == []


async def test_a_database_newer_than_the_code_is_refused_and_left_alone(db_path: str) -> None:
    async with open_storage(db_path) as storage:
        await storage.catalog.upsert_show("Alpha")
    future = len(MIGRATIONS) + 3
    with sqlite3.connect(db_path) as conn:
        conn.execute(f"PRAGMA user_version = {future}")
    before = _contents(db_path)
    for read_only in (False, True):
        with pytest.raises(SchemaTooNew) as refused:
            await open_storage(db_path, read_only=read_only)
        assert f"schema version {future}" in str(refused.value) and "newer showbot" in str(refused.value)
    assert _user_version(db_path) == future
    assert _contents(db_path) == before


async def test_a_failing_migration_leaves_the_previous_version(db_path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = (*MIGRATIONS, "CREATE TABLE extra (x INTEGER); INSERT INTO no_such_table VALUES (1);")
    monkeypatch.setattr(database_module, "MIGRATIONS", broken)
    with pytest.raises(StorageUnavailable):
        await open_storage(db_path)
    assert _user_version(db_path) == len(MIGRATIONS)
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'extra'").fetchone()[0] == 0


async def test_wal_journal_mode_is_on(db_path: str) -> None:
    async with open_storage(db_path):
        with sqlite3.connect(db_path) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"


async def test_memory_databases_work_for_tests(tmp_path: Path) -> None:
    async with open_storage(":memory:") as storage:
        show = await storage.catalog.upsert_show("Alpha")
        await storage.audience.subscribe(SubscriptionRecord("console", "user", "local", show, Event.all()))
        [item] = await storage.items.insert_items(None, [NewItem("Alpha renewed", guid="a")], NOW)
        match = ShowMatch(show, "Alpha", Event.RENEWAL)
        await storage.items.save_matches(item.id, [match])
        assert await storage.outbox.enqueue_for_match(item.id, match, NOW) == 1
    assert _listing(tmp_path) == []


# -- one bot per file ------------------------------------------------------------------------------
async def test_a_second_exclusive_open_is_refused_until_the_first_closes(db_path: str) -> None:
    first = await open_storage(db_path, exclusive=True)
    try:
        with pytest.raises(StorageLocked) as refused:
            await open_storage(db_path, exclusive=True)
        assert "another showbot is already running" in str(refused.value)
        async with open_storage(db_path) as commands_only:  # a CLI command beside the bot is fine
            assert await commands_only.catalog.show_count() == 0
    finally:
        await first.close()
    async with open_storage(db_path, exclusive=True) as again:
        assert await again.schema_version() == len(MIGRATIONS)


# -- read-only opening -----------------------------------------------------------------------------
async def test_read_only_opening_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "not" / "there" / "showbot.db"
    with pytest.raises(NoDatabase):
        await open_storage(str(missing), read_only=True)
    assert _listing(tmp_path) == []


async def test_read_only_opening_reads_and_never_writes(db_path: str) -> None:
    async with open_storage(db_path) as storage:
        await storage.catalog.upsert_show("Alpha")
    async with open_storage(db_path, read_only=True) as storage:
        assert [s.title for s in await storage.catalog.shows()] == ["Alpha"]
        assert (await storage.stats()).shows == 1
        with pytest.raises(StorageError):
            await storage.catalog.upsert_show("Beta")
    async with open_storage(db_path) as storage:
        assert await storage.catalog.show_count() == 1


# -- files that can't be opened --------------------------------------------------------------------
def _connection_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if "connection_worker" in t.name]


def _garbage(path: Path) -> None:
    path.write_bytes(b"this is not a database, just some text that happens to sit here " * 20)


def _truncated(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x TEXT)")
        conn.executemany("INSERT INTO t VALUES (?)", [("x" * 500,) for _ in range(200)])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


@pytest.mark.parametrize("spoil", [_garbage, _truncated])
@pytest.mark.parametrize("read_only", [False, True])
async def test_a_spoilt_file_is_one_clear_error_and_nothing_left_running(
    tmp_path: Path, spoil: object, read_only: bool
) -> None:
    path = tmp_path / "showbot.db"
    spoil(path)  # type: ignore[operator]
    with pytest.raises(StorageUnavailable) as failed:
        await asyncio.wait_for(open_storage(str(path), read_only=read_only, exclusive=not read_only), 10)
    assert str(failed.value).startswith(f"cannot open database {path}: ")
    assert "\n" not in str(failed.value)
    for _ in range(50):  # the connection threads end (a live one would keep the process from exiting)
        if not _connection_threads():
            break
        await asyncio.sleep(0.02)
    assert _connection_threads() == []
    async with open_storage(str(tmp_path / "fine.db"), exclusive=True):
        pass  # and the lock of the failed open was let go of (here: never taken on the spoilt file's lock)


async def test_a_folder_that_cannot_be_made_is_one_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StorageUnavailable) as failed:
        await open_storage(str(blocker / "showbot.db"))
    assert str(failed.value).startswith("cannot open database")

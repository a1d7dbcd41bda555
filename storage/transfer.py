"""`showbot db copy`: every row of a SQLite database into an empty PostgreSQL database, ids kept.

The source is opened exclusively (a running bot is refused: stop it first) and read in one read
transaction, so the copy is one consistent moment; the target is migrated, must be empty, and is
written in one transaction, so a failed copy leaves it empty. Afterwards every table's row count is
compared; any difference is an error. TABLES lists every table of the schema: a test checks it
against the SQLite schema, so a table added later cannot be left behind silently."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from storage.errors import NoDatabase, StorageError

_log = logging.getLogger(__name__)

CHUNK = 5000

# (table, columns), parents before children
TABLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("shows", ("id", "title", "title_key", "created_at", "tvmaze_id")),
    ("aliases", ("id", "show_id", "alias", "alias_key")),
    ("feeds", ("id", "url", "title", "etag", "last_modified", "failures", "last_error", "last_success_at",
               "last_polled_at", "next_poll_at", "added_by", "created_at", "origin", "lease_owner", "lease_until")),
    ("removed_feeds", ("url", "removed_by", "removed_at")),
    ("items", ("id", "feed_id", "dedup_key", "guid", "link", "title", "summary", "published_at", "first_seen_at",
               "image")),
    ("item_keys", ("key", "item_id", "seen_at")),
    ("item_matches", ("item_id", "show_id", "events", "seasons", "reason")),
    ("subscriptions", ("id", "platform", "kind", "chat_id", "guild_id", "user_id", "role_id", "show_id", "events",
                       "created_at", "ping_events", "digest", "digest_hour", "digest_weekday", "quiet_start",
                       "quiet_end", "thread_id")),
    ("mutes", ("platform", "guild_id", "show_id", "created_at")),
    ("paused_chats", ("platform", "chat_id", "reason", "paused_at")),
    ("outbox", ("id", "platform", "kind", "chat_id", "role_id", "item_id", "show_id", "status", "attempts",
                "next_attempt_at", "last_error", "created_at", "sent_at")),
    ("meta", ("key", "value")),
    ("chat_preferences", ("platform", "chat_id", "language", "timezone", "platform_language", "updated_at")),
    ("stories", ("id", "show_id", "events", "seasons", "facts", "signature", "headline", "first_seen", "last_seen",
                 "updates", "release_start", "release_end", "created_at")),
    ("story_items", ("item_id", "show_id", "story_id", "verdict", "reported_at")),
    ("panel_links", ("token_hash", "grant_json", "created_at", "expires_at", "used_at")),
    ("panel_sessions", ("session_hash", "grant_json", "created_at", "expires_at", "ended_at")),
    ("calendar_tokens", ("platform", "kind", "chat_id", "token", "created_at")),
    ("push_subscriptions", ("feed_id", "feed_url", "hub", "topic", "callback_id", "secret", "state", "requested_at",
                            "lease_seconds", "expires_at", "renew_at", "last_error", "last_push_at")),
    ("chat_claims", ("platform", "kind", "chat_id", "owner", "until")),
)
POSTGRES_ONLY = ("schema_version", "rate_slots")  # the version row; send slots (SQLite keeps them in memory)
IDENTITY_TABLES = ("shows", "aliases", "feeds", "items", "subscriptions", "outbox", "stories")


@dataclass(slots=True)
class CopyReport:
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows copied
    nul_characters_dropped: int = 0

    @property
    def total(self) -> int:
        return sum(self.rows.values())

    def __str__(self) -> str:
        parts = ", ".join(f"{n} {table}" for table, n in self.rows.items() if n)
        text = f"{self.total} rows copied ({parts or 'an empty database'})"
        if self.nul_characters_dropped:
            text += f"; {self.nul_characters_dropped} NUL characters dropped from text (PostgreSQL cannot hold them)"
        return text


async def copy_sqlite_to_postgres(sqlite_path: str, postgres_url: str) -> CopyReport:
    """Copy everything; raises StorageError (and leaves the target empty) when it cannot."""
    from storage import describe_target
    from storage.postgres.database import open_database as open_postgres_database
    from storage.sqlite.database import open_database as open_sqlite_database

    if not await asyncio.to_thread(_is_file, sqlite_path):
        raise NoDatabase(f"there is no SQLite database at {sqlite_path} to copy")
    source = await open_sqlite_database(sqlite_path, exclusive=True)  # refused while a bot runs on it
    try:
        target = await open_postgres_database(postgres_url, describe_target(postgres_url))
        try:
            report = CopyReport()
            async with target.transaction() as pg, source.reading() as sqlite:
                await _refuse_unless_empty(pg, describe_target(postgres_url))
                await sqlite.execute("BEGIN")  # one snapshot of the source for the whole copy
                try:
                    for table, columns in TABLES:
                        convert = _converters(await _column_types(pg, table), columns, report)
                        copied = 0
                        async for chunk in _chunks(sqlite, table, columns):
                            await pg.copy_records_to_table(table, records=[convert(row) for row in chunk],
                                                           columns=list(columns))
                            copied += len(chunk)
                        report.rows[table] = copied
                        expected = int(next(iter(await sqlite.execute_fetchall(f"SELECT COUNT(*) FROM {table}")))[0])
                        landed = int(await pg.fetchval(f"SELECT COUNT(*) FROM {table}"))
                        if not copied == expected == landed:
                            raise StorageError(f"copying {table}: {expected} rows in SQLite, {copied} read, "
                                               f"{landed} in PostgreSQL; nothing was copied")
                        _log.info("copied %d rows of %s", copied, table)
                    for table in IDENTITY_TABLES:  # new rows continue after the copied ids
                        await pg.execute(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id)) FROM {table} "
                            "HAVING MAX(id) IS NOT NULL"
                        )
                finally:
                    await sqlite.execute("COMMIT")
            return report
        finally:
            await target.close()
    finally:
        await source.close()


async def _refuse_unless_empty(pg: Any, where: str) -> None:
    counts = {table: int(await pg.fetchval(f"SELECT COUNT(*) FROM {table}")) for table, _ in TABLES}
    held = {table: n for table, n in counts.items() if n}
    if held:
        listed = ", ".join(f"{n} {table}" for table, n in held.items())
        raise StorageError(f"{where} already holds data ({listed}): copy into an empty database")


async def _column_types(pg: Any, table: str) -> dict[str, str]:
    rows = await pg.fetch(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = $1 AND table_schema = current_schema()", table,
    )
    return {r[0]: r[1] for r in rows}


def _converters(types: dict[str, str], columns: tuple[str, ...],
                report: CopyReport) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    """SQLite's values as PostgreSQL's columns want them (SQLite may keep 1700000000 for a REAL)."""

    def text(value: Any) -> Any:
        if value is None:
            return None
        value = str(value)
        if "\x00" in value:
            report.nul_characters_dropped += value.count("\x00")
            value = value.replace("\x00", "")
        return value

    def whole(value: Any) -> Any:
        return None if value is None else int(value)

    def real(value: Any) -> Any:
        return None if value is None else float(value)

    by_type = {"bigint": whole, "integer": whole, "double precision": real}
    missing = [c for c in columns if c not in types]
    if missing:
        raise StorageError(f"PostgreSQL has no column(s) {', '.join(missing)}: its schema is not the one this "
                           "showbot copies into")
    convert = [by_type.get(types[c], text) for c in columns]
    return lambda row: tuple(f(v) for f, v in zip(convert, row, strict=True))


async def _chunks(sqlite: Any, table: str, columns: tuple[str, ...]) -> Any:
    """Rows in rowid order, CHUNK at a time (the whole table never sits in memory)."""
    order = "rowid" if table not in ("item_keys",) else "key"  # item_keys is WITHOUT ROWID
    last: Any = None
    names = ", ".join(columns)
    while True:
        if last is None:
            rows = list(await sqlite.execute_fetchall(
                f"SELECT {order}, {names} FROM {table} ORDER BY {order} LIMIT {CHUNK}"))
        else:
            rows = list(await sqlite.execute_fetchall(
                f"SELECT {order}, {names} FROM {table} WHERE {order} > ? ORDER BY {order} LIMIT {CHUNK}", (last,)))
        if not rows:
            return
        last = rows[-1][0]
        yield [tuple(row[1:]) for row in rows]


def _is_file(path: str) -> bool:
    return os.path.isfile(os.path.expanduser(path))

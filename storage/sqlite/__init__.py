"""The SQLite backend: the embedded default. One module per aggregate, sharing one `SqliteDatabase`
(one writer connection, reader connections, WAL); `migrations.py` holds the schema history."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from storage.records import Stats
from storage.sqlite.audience import SqliteAudience
from storage.sqlite.catalog import SqliteCatalog
from storage.sqlite.coordination import LocalCoordination
from storage.sqlite.database import SqliteDatabase, open_database
from storage.sqlite.feeds import SqliteFeeds
from storage.sqlite.items import SqliteItems
from storage.sqlite.meta import SqliteMeta
from storage.sqlite.outbox import OUTBOX_FAILED, OUTBOX_HELD, OUTBOX_PENDING, OUTBOX_SENT, SqliteOutbox
from storage.sqlite.panel import SqlitePanel
from storage.sqlite.preferences import SqlitePreferences
from storage.sqlite.push import SqlitePush
from storage.sqlite.stories import SqliteStories

__all__ = ["SqliteStorage", "open_sqlite"]


class SqliteStorage:
    """Every aggregate over one SQLite file. Implements `storage.ports.Storage`."""

    def __init__(self, db: SqliteDatabase) -> None:
        self.db = db
        self.catalog = SqliteCatalog(db)
        self.feeds = SqliteFeeds(db)
        self.outbox = SqliteOutbox(db)
        self.items = SqliteItems(db, self.outbox)
        self.audience = SqliteAudience(db)
        self.stories = SqliteStories(db)
        self.meta = SqliteMeta(db)
        self.preferences = SqlitePreferences(db)
        self.panel = SqlitePanel(db)
        self.push = SqlitePush(db)
        self.coordination = LocalCoordination()

    @property
    def location(self) -> str:
        return self.db.path

    @property
    def several_workers(self) -> bool:
        return False

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        async with self.db.transaction():
            yield

    async def stats(self) -> Stats:
        async with self.db.reading() as conn:  # one connection: every count from the same database
            async def count(sql: str) -> int:
                rows = list(await conn.execute_fetchall(sql))
                return int(rows[0][0]) if rows and rows[0][0] is not None else 0

            statuses = {s: int(n) for s, n in await conn.execute_fetchall(
                "SELECT status, COUNT(*) FROM outbox GROUP BY status")}
            return Stats(
                shows=await count("SELECT COUNT(*) FROM shows"),
                feeds=await count("SELECT COUNT(*) FROM feeds"),
                failing_feeds=await count("SELECT COUNT(*) FROM feeds WHERE failures > 0"),
                items=await count("SELECT COUNT(*) FROM items"),
                matched_items=await count("SELECT COUNT(DISTINCT item_id) FROM item_matches WHERE events != 0"),
                stories=await count("SELECT COUNT(*) FROM stories"),
                subscriptions=await count("SELECT COUNT(*) FROM subscriptions"),
                subscribers=await count(
                    "SELECT COUNT(*) FROM (SELECT DISTINCT platform, kind, chat_id FROM subscriptions)"),
                paused_chats=await count("SELECT COUNT(*) FROM paused_chats"),
                sent=statuses.get(OUTBOX_SENT, 0),
                pending=statuses.get(OUTBOX_PENDING, 0),
                failed=statuses.get(OUTBOX_FAILED, 0),
                held=statuses.get(OUTBOX_HELD, 0),
            )

    async def migrate(self) -> int:
        return await self.db.migrate()

    async def schema_version(self) -> int:
        return await self.db.schema_version()

    async def close(self) -> None:
        await self.db.close()


async def open_sqlite(path: str, *, exclusive: bool = False, read_only: bool = False) -> SqliteStorage:
    return SqliteStorage(await open_database(path, exclusive=exclusive, read_only=read_only))

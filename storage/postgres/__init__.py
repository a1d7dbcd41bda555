"""The PostgreSQL backend (asyncpg), for deployments that outgrow one machine: the same ports as
SQLite, one module per aggregate over `PostgresDatabase` (a pool and the unit of work), its own
migrations (`migrations.py`). Selected by a `postgresql://` URL (SHOWBOT_DATABASE_URL)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from storage.postgres.audience import PostgresAudience
from storage.postgres.catalog import PostgresCatalog
from storage.postgres.coordination import PostgresCoordination
from storage.postgres.database import PostgresDatabase, open_database
from storage.postgres.feeds import PostgresFeeds
from storage.postgres.items import PostgresItems
from storage.postgres.meta import PostgresMeta
from storage.postgres.outbox import OUTBOX_FAILED, OUTBOX_HELD, OUTBOX_PENDING, OUTBOX_SENT, PostgresOutbox
from storage.postgres.panel import PostgresPanel
from storage.postgres.preferences import PostgresPreferences
from storage.postgres.push import PostgresPush
from storage.postgres.stories import PostgresStories
from storage.records import Stats

__all__ = ["PostgresStorage", "open_postgres"]


class PostgresStorage:
    """Every aggregate over one PostgreSQL database. Implements `storage.ports.Storage`."""

    def __init__(self, db: PostgresDatabase) -> None:
        self.db = db
        self.catalog = PostgresCatalog(db)
        self.feeds = PostgresFeeds(db)
        self.outbox = PostgresOutbox(db)
        self.items = PostgresItems(db, self.outbox)
        self.audience = PostgresAudience(db)
        self.stories = PostgresStories(db)
        self.meta = PostgresMeta(db)
        self.preferences = PostgresPreferences(db)
        self.panel = PostgresPanel(db)
        self.push = PostgresPush(db)
        self.coordination = PostgresCoordination(db)

    @property
    def location(self) -> str:
        return self.db.location

    @property
    def several_workers(self) -> bool:
        return True

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        async with self.db.transaction():
            yield

    async def stats(self) -> Stats:
        row = await self.db.fetchrow(
            """
            SELECT (SELECT COUNT(*) FROM shows), (SELECT COUNT(*) FROM feeds),
                   (SELECT COUNT(*) FROM feeds WHERE failures > 0), (SELECT COUNT(*) FROM items),
                   (SELECT COUNT(DISTINCT item_id) FROM item_matches WHERE events != 0),
                   (SELECT COUNT(*) FROM subscriptions),
                   (SELECT COUNT(*) FROM (SELECT DISTINCT platform, kind, chat_id FROM subscriptions) AS chats),
                   (SELECT COUNT(*) FROM paused_chats), (SELECT COUNT(*) FROM stories)
            """
        )
        assert row is not None
        statuses = {r[0]: int(r[1]) for r in await self.db.fetch("SELECT status, COUNT(*) FROM outbox GROUP BY status")}
        return Stats(
            shows=int(row[0]), feeds=int(row[1]), failing_feeds=int(row[2]), items=int(row[3]),
            matched_items=int(row[4]), subscriptions=int(row[5]), subscribers=int(row[6]), paused_chats=int(row[7]),
            sent=statuses.get(OUTBOX_SENT, 0), pending=statuses.get(OUTBOX_PENDING, 0),
            failed=statuses.get(OUTBOX_FAILED, 0), held=statuses.get(OUTBOX_HELD, 0), stories=int(row[8]),
        )

    async def migrate(self) -> int:
        return await self.db.migrate()

    async def schema_version(self) -> int:
        return await self.db.schema_version()

    async def close(self) -> None:
        await self.coordination.close()
        await self.db.close()


async def open_postgres(url: str, location: str, *, read_only: bool = False) -> PostgresStorage:
    return PostgresStorage(await open_database(url, location, read_only=read_only))

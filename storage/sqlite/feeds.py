"""The feed list, each feed's health and its poll schedule, in SQLite."""

from __future__ import annotations

import time
from collections.abc import Sequence

from feeds.model import FeedRecord
from storage.sqlite.database import SqliteDatabase

FEED_COLUMNS = (
    "id, url, title, etag, last_modified, failures, last_error, last_success_at, last_polled_at, next_poll_at"
)
ORIGIN_CONFIG = "config"
END_LEASE = "lease_owner = NULL, lease_until = NULL"


class SqliteFeeds:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def add_feed(self, url: str, *, added_by: str | None = None, next_poll_at: float = 0.0) -> bool:
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM removed_feeds WHERE url = ?", (url,))
            cur = await conn.execute(
                "INSERT INTO feeds(url, added_by, next_poll_at, created_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(url) DO NOTHING",
                (url, added_by, next_poll_at, time.time()),
            )
            return cur.rowcount > 0

    async def remove_feed(self, url: str, *, removed_by: str | None = None) -> bool:
        async with self._db.transaction() as conn:
            rows = list(await conn.execute_fetchall("DELETE FROM feeds WHERE url = ? RETURNING origin", (url,)))
            if rows and rows[0][0] == ORIGIN_CONFIG:  # remembered, or the next start would add it back
                await conn.execute(
                    "INSERT INTO removed_feeds(url, removed_by, removed_at) VALUES (?, ?, ?) "
                    "ON CONFLICT(url) DO NOTHING",
                    (url, removed_by, time.time()),
                )
            return bool(rows)

    async def sync_config_feeds(self, urls: Sequence[str], first_poll_at: Sequence[float]) -> tuple[int, int]:
        now = time.time()
        added = 0
        async with self._db.transaction() as conn:
            for url, at in zip(urls, first_poll_at, strict=True):
                cur = await conn.execute(
                    "INSERT INTO feeds(url, added_by, origin, next_poll_at, created_at) "
                    "SELECT ?, 'config', 'config', ?, ? WHERE NOT EXISTS (SELECT 1 FROM removed_feeds WHERE url = ?) "
                    "ON CONFLICT(url) DO NOTHING",
                    (url, at, now, url),
                )
                added += max(cur.rowcount, 0)
            marks = ",".join("?" for _ in urls) or "''"
            cur = await conn.execute(
                f"DELETE FROM feeds WHERE origin = 'config' AND url NOT IN ({marks})", tuple(urls)
            )
            # a removal is remembered only while the feed stays configured: configured again later, it returns
            await conn.execute(f"DELETE FROM removed_feeds WHERE url NOT IN ({marks})", tuple(urls))
            return added, max(cur.rowcount, 0)

    async def all(self) -> list[FeedRecord]:
        return [FeedRecord(*row) for row in await self._db.fetchall(f"SELECT {FEED_COLUMNS} FROM feeds ORDER BY id")]

    async def feed_by_url(self, url: str) -> FeedRecord | None:
        row = await self._db.fetchone(f"SELECT {FEED_COLUMNS} FROM feeds WHERE url = ?", (url,))
        return FeedRecord(*row) if row else None

    async def due_feeds(self, now: float) -> list[FeedRecord]:
        rows = await self._db.fetchall(
            f"SELECT {FEED_COLUMNS} FROM feeds WHERE next_poll_at <= ? ORDER BY next_poll_at, id", (now,)
        )
        return [FeedRecord(*row) for row in rows]

    async def next_feed_due_at(self) -> float | None:
        row = await self._db.fetchone("SELECT MIN(MAX(next_poll_at, COALESCE(lease_until, 0))) FROM feeds")
        return float(row[0]) if row and row[0] is not None else None

    async def claim_due_feeds(self, now: float, *, worker: str, lease: float, limit: int = 1000) -> list[FeedRecord]:
        async with self._db.transaction() as conn:
            rows = await conn.execute_fetchall(
                f"UPDATE feeds SET lease_owner = ?, lease_until = ? WHERE id IN ("
                "SELECT id FROM feeds WHERE next_poll_at <= ? AND (lease_until IS NULL OR lease_until <= ?) "
                "ORDER BY next_poll_at, id LIMIT ?) "
                f"RETURNING {FEED_COLUMNS}",
                (worker, now + lease, now, now, limit),
            )
        return sorted((FeedRecord(*row) for row in rows), key=lambda f: (f.next_poll_at, f.id))

    async def release_feeds(self, worker: str, feed_ids: Sequence[int] | None = None) -> None:
        async with self._db.transaction() as conn:
            if feed_ids is None:
                await conn.execute(f"UPDATE feeds SET {END_LEASE} WHERE lease_owner = ?", (worker,))
            else:
                await conn.executemany(f"UPDATE feeds SET {END_LEASE} WHERE lease_owner = ? AND id = ?",
                                       [(worker, feed_id) for feed_id in feed_ids])

    async def record_feed_success(
        self, feed_id: int, *, etag: str | None, last_modified: str | None, title: str | None,
        next_poll_at: float, now: float,
    ) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE feeds SET etag = ?, last_modified = ?, title = COALESCE(?, title), failures = 0, "
                "last_error = NULL, last_success_at = ?, last_polled_at = ?, next_poll_at = ?, "
                f"{END_LEASE} WHERE id = ?",
                (etag, last_modified, title, now, now, next_poll_at, feed_id),
            )

    async def record_not_modified(self, rows: Sequence[tuple[int, float, float]]) -> None:
        async with self._db.transaction() as conn:
            await conn.executemany(
                "UPDATE feeds SET failures = 0, last_error = NULL, last_success_at = ?, last_polled_at = ?, "
                f"next_poll_at = ?, {END_LEASE} WHERE id = ?",
                [(at, at, next_poll_at, feed_id) for feed_id, next_poll_at, at in rows],
            )

    async def record_feed_failure(self, feed_id: int, *, error: str, next_poll_at: float, now: float) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE feeds SET failures = failures + 1, last_error = ?, last_polled_at = ?, next_poll_at = ?, "
                f"{END_LEASE} WHERE id = ?",
                (error[:500], now, next_poll_at, feed_id),
            )

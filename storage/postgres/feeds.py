"""The feed list, each feed's health and its poll schedule, in PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Sequence

from feeds.model import FeedRecord
from storage.postgres.database import PostgresDatabase, status_count

FEED_COLUMNS = (
    "id, url, title, etag, last_modified, failures, last_error, last_success_at, last_polled_at, next_poll_at"
)
ORIGIN_CONFIG = "config"
END_LEASE = "lease_owner = NULL, lease_until = NULL"


def _feed(row: Sequence[object]) -> FeedRecord:
    return FeedRecord(*row)  # type: ignore[arg-type]


class PostgresFeeds:
    def __init__(self, db: PostgresDatabase) -> None:
        self._db = db

    async def add_feed(self, url: str, *, added_by: str | None = None, next_poll_at: float = 0.0) -> bool:
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM removed_feeds WHERE url = $1", url)
            status = await conn.execute(
                "INSERT INTO feeds(url, added_by, next_poll_at, created_at) VALUES ($1, $2, $3, $4) "
                "ON CONFLICT (url) DO NOTHING",
                url, added_by, next_poll_at, time.time(),
            )
            return status_count(status) > 0

    async def remove_feed(self, url: str, *, removed_by: str | None = None) -> bool:
        async with self._db.transaction() as conn:
            origin = await conn.fetch("DELETE FROM feeds WHERE url = $1 RETURNING origin", url)
            if origin and origin[0][0] == ORIGIN_CONFIG:  # remembered, or the next start would add it back
                await conn.execute(
                    "INSERT INTO removed_feeds(url, removed_by, removed_at) VALUES ($1, $2, $3) "
                    "ON CONFLICT (url) DO NOTHING",
                    url, removed_by, time.time(),
                )
            return bool(origin)

    async def sync_config_feeds(self, urls: Sequence[str], first_poll_at: Sequence[float]) -> tuple[int, int]:
        if len(urls) != len(first_poll_at):
            raise ValueError("one first poll time per URL")
        async with self._db.transaction() as conn:
            added = await conn.fetch(
                "INSERT INTO feeds(url, added_by, origin, next_poll_at, created_at) "
                "SELECT u, 'config', 'config', at, $3 FROM unnest($1::text[], $2::float8[]) AS t(u, at) "
                "WHERE NOT EXISTS (SELECT 1 FROM removed_feeds r WHERE r.url = t.u) "
                "ON CONFLICT (url) DO NOTHING RETURNING id",
                list(urls), list(first_poll_at), time.time(),
            )
            removed = await conn.execute(
                "DELETE FROM feeds WHERE origin = 'config' AND NOT (url = ANY($1::text[]))", list(urls)
            )
            # a removal is remembered only while the feed stays configured: configured again later, it returns
            await conn.execute("DELETE FROM removed_feeds WHERE NOT (url = ANY($1::text[]))", list(urls))
            return len(added), status_count(removed)

    async def all(self) -> list[FeedRecord]:
        return [_feed(r) for r in await self._db.fetch(f"SELECT {FEED_COLUMNS} FROM feeds ORDER BY id")]

    async def feed_by_url(self, url: str) -> FeedRecord | None:
        row = await self._db.fetchrow(f"SELECT {FEED_COLUMNS} FROM feeds WHERE url = $1", url)
        return None if row is None else _feed(row)

    async def due_feeds(self, now: float) -> list[FeedRecord]:
        rows = await self._db.fetch(
            f"SELECT {FEED_COLUMNS} FROM feeds WHERE next_poll_at <= $1 ORDER BY next_poll_at, id", now
        )
        return [_feed(r) for r in rows]

    async def next_feed_due_at(self) -> float | None:
        row = await self._db.fetchrow("SELECT MIN(GREATEST(next_poll_at, COALESCE(lease_until, 0))) FROM feeds")
        return None if row is None or row[0] is None else float(row[0])

    async def claim_due_feeds(self, now: float, *, worker: str, lease: float, limit: int = 1000) -> list[FeedRecord]:
        """FOR UPDATE SKIP LOCKED: workers claiming at the same moment take different feeds, never wait."""
        async with self._db.transaction() as conn:
            rows = await conn.fetch(
                "WITH due AS (SELECT id FROM feeds WHERE next_poll_at <= $1 AND (lease_until IS NULL "
                "OR lease_until <= $1) ORDER BY next_poll_at, id LIMIT $4 FOR UPDATE SKIP LOCKED) "
                "UPDATE feeds f SET lease_owner = $2, lease_until = $1 + $3 FROM due WHERE f.id = due.id "
                f"RETURNING {', '.join('f.' + c.strip() for c in FEED_COLUMNS.split(','))}",
                now, worker, lease, limit,
            )
        return sorted((_feed(r) for r in rows), key=lambda f: (f.next_poll_at, f.id))

    async def release_feeds(self, worker: str, feed_ids: Sequence[int] | None = None) -> None:
        async with self._db.transaction() as conn:
            if feed_ids is None:
                await conn.execute(f"UPDATE feeds SET {END_LEASE} WHERE lease_owner = $1", worker)
            else:
                await conn.execute(f"UPDATE feeds SET {END_LEASE} WHERE lease_owner = $1 AND id = ANY($2::bigint[])",
                                   worker, list(feed_ids))

    async def record_feed_success(
        self, feed_id: int, *, etag: str | None, last_modified: str | None, title: str | None,
        next_poll_at: float, now: float,
    ) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE feeds SET etag = $1, last_modified = $2, title = COALESCE($3, title), failures = 0, "
                f"last_error = NULL, last_success_at = $4, last_polled_at = $4, next_poll_at = $5, {END_LEASE} "
                "WHERE id = $6",
                etag, last_modified, title, now, next_poll_at, feed_id,
            )

    async def record_not_modified(self, rows: Sequence[tuple[int, float, float]]) -> None:
        if not rows:
            return
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE feeds f SET failures = 0, last_error = NULL, last_success_at = t.at, last_polled_at = t.at, "
                f"next_poll_at = t.next_at, {END_LEASE} FROM unnest($1::bigint[], $2::float8[], $3::float8[]) AS t(id, next_at, at) "
                "WHERE f.id = t.id",
                [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows],
            )

    async def record_feed_failure(self, feed_id: int, *, error: str, next_poll_at: float, now: float) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE feeds SET failures = failures + 1, last_error = $1, last_polled_at = $2, next_poll_at = $3, "
                f"{END_LEASE} WHERE id = $4",
                error[:500].replace("\x00", ""), now, next_poll_at, feed_id,
            )

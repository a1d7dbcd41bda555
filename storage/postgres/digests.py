"""Notifications gathered for digests, in PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence

from storage.postgres.database import PostgresDatabase, status_count
from storage.records import DigestEntry, OutboxEntry
from storage.rows import entry_from_json, entry_to_json


class PostgresDigests:
    def __init__(self, db: PostgresDatabase) -> None:
        self._db = db

    async def gather(self, entry: OutboxEntry, *, due_at: float, silent: bool, thread_id: str | None) -> bool:
        async with self._db.transaction() as conn:
            status = await conn.execute(
                "INSERT INTO digest_queue(outbox_id, platform, kind, chat_id, role_id, silent, thread_id, due_at, "
                "payload) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (outbox_id) DO NOTHING",
                entry.id, entry.platform, entry.kind, entry.chat_id, entry.role_id, int(silent), thread_id, due_at,
                entry_to_json(entry),
            )
        return status_count(status) > 0

    async def due(self, *, now: float, platforms: Sequence[str], limit: int = 500) -> list[DigestEntry]:
        if not platforms:
            return []
        rows = await self._db.fetch(
            "SELECT outbox_id, platform, kind, chat_id, role_id, silent, thread_id, due_at, payload FROM digest_queue "
            "WHERE sent_at IS NULL AND due_at <= $1 AND platform = ANY($2::text[]) "
            "ORDER BY platform, kind, chat_id, outbox_id LIMIT $3",
            now, list(platforms), limit,
        )
        return [DigestEntry(int(r[0]), str(r[1]), str(r[2]), str(r[3]), r[4], bool(r[5]), r[6], float(r[7]),
                            entry_from_json(str(r[8]))) for r in rows]

    async def next_due_at(self, platforms: Sequence[str]) -> float | None:
        if not platforms:
            return None
        row = await self._db.fetchrow(
            "SELECT MIN(due_at) FROM digest_queue WHERE sent_at IS NULL AND platform = ANY($1::text[])",
            list(platforms))
        return None if row is None or row[0] is None else float(row[0])

    async def sent(self, outbox_ids: Sequence[int], now: float) -> None:
        async with self._db.transaction() as conn:
            await conn.execute("UPDATE digest_queue SET sent_at = $1 WHERE outbox_id = ANY($2::bigint[])", now,
                               list(outbox_ids))

    async def retry(self, outbox_ids: Sequence[int], *, due_at: float) -> None:
        async with self._db.transaction() as conn:
            await conn.execute("UPDATE digest_queue SET due_at = $1 WHERE outbox_id = ANY($2::bigint[])", due_at,
                               list(outbox_ids))

    async def prune(self, *, older_than: float) -> int:
        async with self._db.transaction() as conn:
            status = await conn.execute(
                "DELETE FROM digest_queue WHERE sent_at IS NOT NULL AND sent_at < $1", older_than)
        return status_count(status)

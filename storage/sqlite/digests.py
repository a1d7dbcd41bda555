"""Notifications gathered for digests, in SQLite."""

from __future__ import annotations

from collections.abc import Sequence

from storage.records import DigestEntry, OutboxEntry
from storage.rows import entry_from_json, entry_to_json
from storage.sqlite.database import SqliteDatabase


class SqliteDigests:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def gather(self, entry: OutboxEntry, *, due_at: float, silent: bool, thread_id: str | None) -> bool:
        async with self._db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO digest_queue(outbox_id, platform, kind, chat_id, role_id, silent, thread_id, due_at, "
                "payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(outbox_id) DO NOTHING",
                (entry.id, entry.platform, entry.kind, entry.chat_id, entry.role_id, int(silent), thread_id, due_at,
                 entry_to_json(entry)),
            )
            return cur.rowcount > 0

    async def due(self, *, now: float, platforms: Sequence[str], limit: int = 500) -> list[DigestEntry]:
        if not platforms:
            return []
        marks = ",".join("?" for _ in platforms)
        rows = await self._db.fetchall(
            "SELECT outbox_id, platform, kind, chat_id, role_id, silent, thread_id, due_at, payload FROM digest_queue "
            f"WHERE sent_at IS NULL AND due_at <= ? AND platform IN ({marks}) "
            "ORDER BY platform, kind, chat_id, outbox_id LIMIT ?",
            (now, *platforms, limit),
        )
        return [DigestEntry(int(r[0]), str(r[1]), str(r[2]), str(r[3]), r[4], bool(r[5]), r[6], float(r[7]),
                            entry_from_json(str(r[8]))) for r in rows]

    async def next_due_at(self, platforms: Sequence[str]) -> float | None:
        if not platforms:
            return None
        marks = ",".join("?" for _ in platforms)
        row = await self._db.fetchone(
            f"SELECT MIN(due_at) FROM digest_queue WHERE sent_at IS NULL AND platform IN ({marks})", tuple(platforms))
        return None if row is None or row[0] is None else float(row[0])

    async def sent(self, outbox_ids: Sequence[int], now: float) -> None:
        async with self._db.transaction() as conn:
            await conn.executemany("UPDATE digest_queue SET sent_at = ? WHERE outbox_id = ?",
                                   [(now, i) for i in outbox_ids])

    async def retry(self, outbox_ids: Sequence[int], *, due_at: float) -> None:
        async with self._db.transaction() as conn:
            await conn.executemany("UPDATE digest_queue SET due_at = ? WHERE outbox_id = ?",
                                   [(due_at, i) for i in outbox_ids])

    async def prune(self, *, older_than: float) -> int:
        async with self._db.transaction() as conn:
            cur = await conn.execute("DELETE FROM digest_queue WHERE sent_at IS NOT NULL AND sent_at < ?",
                                     (older_than,))
            return max(cur.rowcount, 0)

"""The outbox in PostgreSQL: fan-out writes one row per recipient before anything is sent; delivery
reads due rows (committed ones only) and marks each sent, retried or failed."""

from __future__ import annotations

from collections.abc import Sequence

from feeds.model import Event, ShowMatch
from storage.postgres.audience import not_muted, own_rule, paused
from storage.postgres.database import PostgresDatabase, status_count
from storage.records import OutboxEntry
from storage.rows import seasons_from_text

OUTBOX_PENDING = "pending"
OUTBOX_SENT = "sent"
OUTBOX_FAILED = "failed"
OUTBOX_HELD = "held"


class PostgresOutbox:
    def __init__(self, db: PostgresDatabase) -> None:
        self._db = db

    async def enqueue_for_match(self, item_id: int, match: ShowMatch, now: float) -> int:
        return await self.enqueue_matches([(item_id, match)], now)

    async def enqueue_matches(self, pairs: Sequence[tuple[int, ShowMatch]], now: float) -> int:
        """One INSERT … SELECT for all pairs over the covering subscriptions index; a chat's own subscription
        to a show decides over its "every show" one; the first match of an item wins per recipient (rows are inserted in pair order, the rest conflict)."""
        pairs = [(item_id, m) for item_id, m in pairs if m.events]
        if not pairs:
            return 0
        async with self._db.transaction() as conn:
            status = await conn.execute(
                f"""
                WITH m AS (
                    SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::int[]) WITH ORDINALITY
                        AS m(item_id, show_id, events, ord)
                ),
                candidates AS (
                    SELECT m.ord, m.item_id, m.show_id, s.platform, s.kind, s.chat_id, s.guild_id, s.role_id
                    FROM m JOIN subscriptions s ON s.show_id = m.show_id WHERE (s.events & m.events) != 0
                    UNION ALL
                    SELECT m.ord, m.item_id, m.show_id, s.platform, s.kind, s.chat_id, s.guild_id, s.role_id
                    FROM m JOIN subscriptions s ON s.show_id IS NULL
                    WHERE (s.events & m.events) != 0 AND NOT {own_rule("s", "m.show_id")}
                ),
                first AS (  -- one row per recipient and item: the earliest pair that reaches them
                    SELECT DISTINCT ON (c.item_id, c.platform, c.kind, c.chat_id) c.*
                    FROM candidates c WHERE {not_muted("c", "c.show_id")}
                    ORDER BY c.item_id, c.platform, c.kind, c.chat_id, c.ord
                )
                INSERT INTO outbox(platform, kind, chat_id, role_id, item_id, show_id, status, created_at)
                SELECT f.platform, f.kind, f.chat_id, f.role_id, f.item_id, f.show_id,
                       CASE WHEN {paused("f")} THEN 'held' ELSE 'pending' END, $4
                FROM first f ORDER BY f.ord
                ON CONFLICT (item_id, platform, kind, chat_id) DO NOTHING
                """,
                [item_id for item_id, _ in pairs], [m.show_id for _, m in pairs], [int(m.events) for _, m in pairs],
                now,
            )
            return status_count(status)

    async def pending_outbox(self, *, now: float, platforms: Sequence[str], limit: int = 200) -> list[OutboxEntry]:
        if not platforms:
            return []
        rows = await self._db.fetch(
            """
            WITH waiting AS MATERIALIZED (  -- per chat, the first row rescheduled for later (429, 5xx)
                SELECT platform, kind, chat_id, MIN(id) AS first_id FROM outbox
                WHERE status = 'pending' AND next_attempt_at > $1 GROUP BY platform, kind, chat_id
            )
            SELECT o.id, o.platform, o.kind, o.chat_id, o.role_id, o.attempts, o.item_id, i.title, i.link,
                   i.summary, COALESCE(i.published_at, i.first_seen_at), COALESCE(f.title, f.url),
                   sh.title, m.events, m.seasons, m.reason
            FROM outbox o
            JOIN items i ON i.id = o.item_id
            JOIN shows sh ON sh.id = o.show_id
            JOIN item_matches m ON m.item_id = o.item_id AND m.show_id = o.show_id
            LEFT JOIN feeds f ON f.id = i.feed_id
            LEFT JOIN waiting w ON w.platform = o.platform AND w.kind = o.kind AND w.chat_id = o.chat_id
            WHERE o.status = 'pending' AND o.next_attempt_at <= $1 AND o.platform = ANY($2::text[])
              AND (w.first_id IS NULL OR o.id < w.first_id)  -- a chat's rows go in order: none overtakes it
            ORDER BY o.id
            LIMIT $3
            """,
            now, list(platforms), limit,
        )
        return [
            OutboxEntry(
                id=int(r[0]), platform=r[1], kind=r[2], chat_id=r[3], role_id=r[4], attempts=int(r[5]),
                item_id=int(r[6]), title=r[7], link=r[8], summary=r[9], published_at=float(r[10]), source=r[11],
                show=r[12], events=Event(r[13]), seasons=seasons_from_text(r[14]), reason=r[15],
            )
            for r in rows
        ]

    async def next_outbox_due_at(self, platforms: Sequence[str]) -> float | None:
        if not platforms:
            return None
        row = await self._db.fetchrow(
            # a chat's rows go in order, so the first of each chat says when that chat can send again
            "SELECT MIN(head_next) FROM (SELECT DISTINCT ON (platform, kind, chat_id) next_attempt_at AS head_next "
            "FROM outbox WHERE status = 'pending' AND platform = ANY($1::text[]) "
            "ORDER BY platform, kind, chat_id, id) AS heads",
            list(platforms),
        )
        return None if row is None or row[0] is None else float(row[0])

    async def mark_sent(self, outbox_id: int, now: float) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE outbox SET status = 'sent', sent_at = $1, attempts = attempts + 1, last_error = NULL "
                "WHERE id = $2",
                now, outbox_id,
            )

    async def mark_retry(self, outbox_id: int, *, error: str, next_attempt_at: float) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2 WHERE id = $3",
                error[:500].replace("\x00", ""), next_attempt_at, outbox_id,
            )

    async def mark_failed(self, outbox_id: int, *, error: str) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = $1 WHERE id = $2",
                error[:500].replace("\x00", ""), outbox_id,
            )

    async def prune_outbox(self, *, older_than: float) -> int:
        async with self._db.transaction() as conn:
            status = await conn.execute(
                "DELETE FROM outbox WHERE status IN ('sent', 'failed') AND created_at < $1", older_than
            )
            return status_count(status)

    async def outbox_counts(self) -> dict[str, int]:
        rows = await self._db.fetch("SELECT status, COUNT(*) FROM outbox GROUP BY status")
        return {r[0]: int(r[1]) for r in rows}

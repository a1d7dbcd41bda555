"""The outbox in PostgreSQL: fan-out writes one row per recipient before anything is sent; delivery
reads due rows (committed ones only) and marks each sent, retried or failed."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import asyncpg

from feeds.model import Event, ShowMatch
from storage.postgres.audience import not_muted, own_rule, paused
from storage.postgres.database import PostgresDatabase, status_count
from storage.records import OutboxEntry
from storage.rows import seasons_from_text

_log = logging.getLogger(__name__)

OUTBOX_PENDING = "pending"
OUTBOX_SENT = "sent"
OUTBOX_FAILED = "failed"
OUTBOX_HELD = "held"
CLAIM_MEMORY = 3600.0  # a chat claim ended this long ago is forgotten


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
        rows = await self._db.fetch(_due_rows_sql(claimed=False), now, list(platforms), limit)
        return [_entry(r) for r in rows]

    async def claim_outbox(self, *, now: float, platforms: Sequence[str], worker: str, lease: float,
                           limit: int = 200) -> list[OutboxEntry]:
        """Claims are taken in the order of the chats' oldest rows, so two workers claiming at once lock
        the same chats in the same order (no deadlock); the one that comes second skips what the first took."""
        if not platforms:
            return []
        try:
            return await self._claim(now, platforms, worker, lease, limit)
        except asyncpg.DeadlockDetectedError:  # rare (claims race past each other): nothing this pass
            _log.info("outbox: claiming chats met another worker's claims; trying again next pass")
            return []

    async def _claim(self, now: float, platforms: Sequence[str], worker: str, lease: float,
                     limit: int) -> list[OutboxEntry]:
        async with self._db.transaction() as conn:
            await conn.execute(
                """
                WITH chats AS (  -- chats with rows due that no other worker holds, and how many rows
                    SELECT o.platform, o.kind, o.chat_id, MIN(o.id) AS first_id, COUNT(*) AS n FROM outbox o
                    WHERE o.status = 'pending' AND o.next_attempt_at <= $1 AND o.platform = ANY($2::text[])
                      AND NOT EXISTS (SELECT 1 FROM chat_claims c WHERE c.platform = o.platform AND c.kind = o.kind
                                      AND c.chat_id = o.chat_id AND c.until > $1 AND c.owner != $3)
                    GROUP BY o.platform, o.kind, o.chat_id
                ),
                heads AS (  -- oldest first, as many chats as the batch holds rows (at least one)
                    SELECT platform, kind, chat_id, first_id,
                           SUM(n) OVER (ORDER BY first_id ROWS UNBOUNDED PRECEDING) - n AS before FROM chats
                )
                INSERT INTO chat_claims(platform, kind, chat_id, owner, until)
                SELECT platform, kind, chat_id, $3, $5 FROM heads WHERE before < $4 ORDER BY first_id
                ON CONFLICT (platform, kind, chat_id) DO UPDATE SET owner = EXCLUDED.owner, until = EXCLUDED.until
                WHERE chat_claims.until <= $1 OR chat_claims.owner = EXCLUDED.owner
                """,
                now, list(platforms), worker, limit, now + lease,
            )
            rows = await conn.fetch(_due_rows_sql(claimed=True), now, list(platforms), limit, worker)
        return [_entry(r) for r in rows]

    async def renew_outbox_claims(self, *, worker: str, now: float, lease: float) -> None:
        async with self._db.transaction() as conn:
            await conn.execute("UPDATE chat_claims SET until = $1 WHERE owner = $2 AND until > $3",
                               now + lease, worker, now)

    async def release_outbox(self, *, worker: str, now: float, cooldown: float = 0.0) -> None:
        async with self._db.transaction() as conn:
            await conn.execute("UPDATE chat_claims SET until = $1 WHERE owner = $2", now + cooldown, worker)
            await conn.execute("DELETE FROM chat_claims WHERE until < $1", now - CLAIM_MEMORY)

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


def _due_rows_sql(*, claimed: bool) -> str:
    """$1 now, $2 platforms, $3 limit (, $4 the worker whose claimed chats only)."""
    claim = ("JOIN chat_claims c ON c.platform = o.platform AND c.kind = o.kind AND c.chat_id = o.chat_id "
             "AND c.owner = $4 AND c.until > $1") if claimed else ""
    return f"""
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
        {claim}
        WHERE o.status = 'pending' AND o.next_attempt_at <= $1 AND o.platform = ANY($2::text[])
          AND (w.first_id IS NULL OR o.id < w.first_id)  -- a chat's rows go in order: none overtakes it
        ORDER BY o.id
        LIMIT $3
    """


def _entry(r: Any) -> OutboxEntry:  # a database row
    return OutboxEntry(
        id=int(r[0]), platform=r[1], kind=r[2], chat_id=r[3], role_id=r[4], attempts=int(r[5]),
        item_id=int(r[6]), title=r[7], link=r[8], summary=r[9], published_at=float(r[10]),
        source=r[11], show=r[12], events=Event(r[13]), seasons=seasons_from_text(r[14]), reason=r[15],
    )

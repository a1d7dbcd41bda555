"""The outbox in SQLite: fan-out writes one row per recipient before anything is sent; delivery reads
due rows (committed ones only) and marks each sent, retried or failed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from feeds.model import Event, ShowMatch
from storage.records import OutboxEntry
from storage.rows import seasons_from_text
from storage.sqlite.audience import not_muted, own_rule, paused
from storage.sqlite.database import SqliteDatabase

OUTBOX_PENDING = "pending"
OUTBOX_SENT = "sent"
OUTBOX_FAILED = "failed"
OUTBOX_HELD = "held"  # the chat is paused (403): kept, not sent, until the chat is resumed
FANOUT_CHUNK = 200
CLAIM_MEMORY = 3600.0  # a chat claim ended this long ago is forgotten


class SqliteOutbox:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def enqueue_for_match(self, item_id: int, match: ShowMatch, now: float) -> int:
        return await self.enqueue_matches([(item_id, match)], now)

    async def enqueue_matches(self, pairs: Sequence[tuple[int, ShowMatch]], now: float) -> int:
        """Guild mutes are skipped, a paused chat's rows are held (sent once it is resumed), a chat's own
        subscription to a show decides over its "every show" one, and the first match of an item wins per
        recipient.
        One INSERT … SELECT over the covering subscriptions index: no Python loop over subscriptions."""
        pairs = [(item_id, m) for item_id, m in pairs if m.events]
        if not pairs:
            return 0
        async with self._db.transaction() as conn:
            if len(pairs) == 1:  # the common case: one statement, no ordering needed
                item_id, match = pairs[0]
                cur = await conn.execute(
                    f"""
                    INSERT INTO outbox(platform, kind, chat_id, role_id, item_id, show_id, status, created_at)
                    SELECT s.platform, s.kind, s.chat_id, s.role_id, :item, :show,
                           CASE WHEN {paused("s")} THEN 'held' ELSE 'pending' END, :now
                    FROM subscriptions s
                    WHERE (s.show_id = :show OR (s.show_id IS NULL AND NOT {own_rule("s", ":show")}))
                      AND (s.events & :events) != 0 AND {not_muted("s", ":show")}
                    ON CONFLICT(item_id, platform, kind, chat_id) DO NOTHING
                    """,
                    {"item": item_id, "show": match.show_id, "events": int(match.events), "now": now},
                )
                return max(cur.rowcount, 0)
            added = 0
            for start in range(0, len(pairs), FANOUT_CHUNK):
                chunk = pairs[start:start + FANOUT_CHUNK]
                values = ", ".join("(?, ?, ?, ?)" for _ in chunk)
                params: list[object] = [v for n, (item_id, m) in enumerate(chunk, start)
                                        for v in (n, item_id, m.show_id, int(m.events))]
                before = conn.total_changes  # (cursor.rowcount is -1 for a statement that starts WITH)
                await conn.execute(
                    f"""
                    WITH m(ord, item_id, show_id, events) AS (VALUES {values}),
                    candidates AS (
                        SELECT m.ord, m.item_id, m.show_id, s.platform, s.kind, s.chat_id, s.guild_id, s.role_id
                        FROM m JOIN subscriptions s ON s.show_id = m.show_id WHERE (s.events & m.events) != 0
                        UNION ALL
                        SELECT m.ord, m.item_id, m.show_id, s.platform, s.kind, s.chat_id, s.guild_id, s.role_id
                        FROM m JOIN subscriptions s ON s.show_id IS NULL
                        WHERE (s.events & m.events) != 0 AND NOT {own_rule("s", "m.show_id")}
                    )
                    INSERT INTO outbox(platform, kind, chat_id, role_id, item_id, show_id, status, created_at)
                    SELECT c.platform, c.kind, c.chat_id, c.role_id, c.item_id, c.show_id,
                           CASE WHEN {paused("c")} THEN 'held' ELSE 'pending' END, ?
                    FROM candidates c
                    WHERE {not_muted("c", "c.show_id")}
                    ORDER BY c.ord
                    ON CONFLICT(item_id, platform, kind, chat_id) DO NOTHING
                    """,
                    [*params, now],
                )
                added += conn.total_changes - before
            return added

    async def pending_outbox(self, *, now: float, platforms: Sequence[str], limit: int = 200) -> list[OutboxEntry]:
        if not platforms:
            return []
        marks = ",".join("?" for _ in platforms)
        rows = await self._db.fetchall(_due_rows_sql(marks, claimed=False), (now, now, *platforms, limit))
        return [_entry(r) for r in rows]

    async def claim_outbox(self, *, now: float, platforms: Sequence[str], worker: str, lease: float,
                           limit: int = 200) -> list[OutboxEntry]:
        if not platforms:
            return []
        marks = ",".join("?" for _ in platforms)
        async with self._db.transaction() as conn:
            await conn.execute(
                f"""
                WITH chats AS (  -- chats with rows due that no other worker holds, and how many rows
                    SELECT o.platform, o.kind, o.chat_id, MIN(o.id) AS first_id, COUNT(*) AS n FROM outbox o
                    WHERE o.status = 'pending' AND o.next_attempt_at <= ? AND o.platform IN ({marks})
                      AND NOT EXISTS (SELECT 1 FROM chat_claims c WHERE c.platform = o.platform AND c.kind = o.kind
                                      AND c.chat_id = o.chat_id AND c.until > ? AND c.owner != ?)
                    GROUP BY o.platform, o.kind, o.chat_id
                ),
                heads AS (  -- oldest first, as many chats as the batch holds rows (at least one)
                    SELECT platform, kind, chat_id, first_id,
                           SUM(n) OVER (ORDER BY first_id ROWS UNBOUNDED PRECEDING) - n AS before FROM chats
                )
                INSERT INTO chat_claims(platform, kind, chat_id, owner, until)
                SELECT platform, kind, chat_id, ?, ? FROM heads WHERE before < ? ORDER BY first_id
                ON CONFLICT(platform, kind, chat_id) DO UPDATE SET owner = excluded.owner, until = excluded.until
                WHERE chat_claims.until <= ? OR chat_claims.owner = excluded.owner
                """,
                (now, *platforms, now, worker, worker, now + lease, limit, now),
            )
            rows = await conn.execute_fetchall(_due_rows_sql(marks, claimed=True),
                                               (now, worker, now, now, *platforms, limit))
        return [_entry(r) for r in rows]

    async def renew_outbox_claims(self, *, worker: str, now: float, lease: float) -> None:
        async with self._db.transaction() as conn:
            await conn.execute("UPDATE chat_claims SET until = ? WHERE owner = ? AND until > ?",
                               (now + lease, worker, now))

    async def release_outbox(self, *, worker: str, now: float, cooldown: float = 0.0) -> None:
        async with self._db.transaction() as conn:
            await conn.execute("UPDATE chat_claims SET until = ? WHERE owner = ?", (now + cooldown, worker))
            await conn.execute("DELETE FROM chat_claims WHERE until < ?", (now - CLAIM_MEMORY,))

    async def next_outbox_due_at(self, platforms: Sequence[str]) -> float | None:
        if not platforms:
            return None
        marks = ",".join("?" for _ in platforms)
        row = await self._db.fetchone(
            # a chat's rows go in order, so the first of each chat says when that chat can send again
            # (SQLite: a bare column next to MIN() comes from the row holding the minimum)
            "SELECT MIN(head_next) FROM (SELECT next_attempt_at AS head_next, MIN(id) FROM outbox "
            f"INDEXED BY outbox_pending WHERE status = 'pending' AND platform IN ({marks}) "
            "GROUP BY platform, kind, chat_id)",
            tuple(platforms),
        )
        return float(row[0]) if row and row[0] is not None else None

    async def mark_sent(self, outbox_id: int, now: float) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL "
                "WHERE id = ?",
                (now, outbox_id),
            )

    async def mark_retry(self, outbox_id: int, *, error: str, next_attempt_at: float) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?",
                (error[:500], next_attempt_at, outbox_id),
            )

    async def mark_failed(self, outbox_id: int, *, error: str) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?",
                (error[:500], outbox_id),
            )

    async def prune_outbox(self, *, older_than: float) -> int:
        async with self._db.transaction() as conn:
            cur = await conn.execute(
                "DELETE FROM outbox WHERE status IN ('sent', 'failed') AND created_at < ?", (older_than,)
            )
            return max(cur.rowcount, 0)

    async def outbox_counts(self) -> dict[str, int]:
        rows = await self._db.fetchall("SELECT status, COUNT(*) FROM outbox GROUP BY status")
        return {s: int(n) for s, n in rows}


def _due_rows_sql(platform_marks: str, *, claimed: bool) -> str:
    """Rows due on these platforms, oldest first; a chat's row never overtakes an earlier one of that chat
    waiting for a retry. `claimed`: only from chats the worker (the 4th parameter) holds."""
    claim = ("JOIN chat_claims c ON c.platform = o.platform AND c.kind = o.kind AND c.chat_id = o.chat_id "
             "AND c.owner = ? AND c.until > ?") if claimed else ""
    return f"""
        WITH waiting AS MATERIALIZED (  -- per chat, the first row rescheduled for later (429, 5xx)
            SELECT platform, kind, chat_id, MIN(id) AS first_id FROM outbox
            WHERE status = 'pending' AND next_attempt_at > ? GROUP BY platform, kind, chat_id
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
        WHERE o.status = 'pending' AND o.next_attempt_at <= ? AND o.platform IN ({platform_marks})
          AND (w.first_id IS NULL OR o.id < w.first_id)  -- a chat's rows go in order: none overtakes it
        ORDER BY o.id
        LIMIT ?
    """


def _entry(r: Any) -> OutboxEntry:  # a database row
    return OutboxEntry(
        id=r[0], platform=r[1], kind=r[2], chat_id=r[3], role_id=r[4], attempts=r[5], item_id=r[6],
        title=r[7], link=r[8], summary=r[9], published_at=float(r[10]), source=r[11], show=r[12],
        events=Event(r[13]), seasons=seasons_from_text(r[14]), reason=r[15],
    )

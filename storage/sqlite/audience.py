"""Subscriptions, server mutes and paused chats in SQLite; the fan-out reachability rule."""

from __future__ import annotations

import time

from feeds.model import Event
from storage.records import DeliveryOptions, SubscriptionRecord
from storage.rows import OPTION_COLUMNS, options_from_row, options_to_row, subscription_from_row
from storage.sqlite.database import SqliteDatabase

SUB_COLUMNS = ("s.id, s.platform, s.kind, s.chat_id, s.guild_id, s.user_id, s.role_id, s.show_id, sh.title, s.events, "
               + ", ".join(f"s.{c}" for c in OPTION_COLUMNS))


def not_muted(row: str, show: str) -> str:
    """The fan-out rule in one place: the server or group of subscription `row` has not muted `show`."""
    return (f"NOT EXISTS (SELECT 1 FROM mutes u WHERE u.platform = {row}.platform AND u.guild_id = {row}.guild_id "
            f"AND u.show_id = {show})")


def own_rule(row: str, show: str) -> str:
    """The chat of "every show" subscription `row` has a subscription of its own to `show`: that one's
    event filter decides (events 0 = every show but this one), not the "every show" one's."""
    return (f"EXISTS (SELECT 1 FROM subscriptions o WHERE o.platform = {row}.platform AND o.kind = {row}.kind "
            f"AND o.chat_id = {row}.chat_id AND COALESCE(o.show_id, 0) = {show})")


def paused(row: str) -> str:
    """The chat of subscription `row` is paused (a 403): its news is queued as held, not pending."""
    return f"EXISTS (SELECT 1 FROM paused_chats p WHERE p.platform = {row}.platform AND p.chat_id = {row}.chat_id)"


def reachable(row: str, show: str) -> str:
    """Who would be sent a notification now: not muted, and not paused."""
    return f"NOT {paused(row)} AND {not_muted(row, show)}"


class SqliteAudience:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    # -- subscriptions --------------------------------------------------------------------------
    async def subscribe(self, sub: SubscriptionRecord) -> bool:
        async with self._db.transaction() as conn:
            rows = list(await conn.execute_fetchall(
                "SELECT id FROM subscriptions WHERE platform = ? AND kind = ? AND chat_id = ? "
                "AND COALESCE(show_id, 0) = COALESCE(?, 0)",
                (sub.platform, sub.kind, sub.chat_id, sub.show_id),
            ))
            if rows:
                await conn.execute(
                    "UPDATE subscriptions SET events = ?, role_id = ?, guild_id = COALESCE(?, guild_id) WHERE id = ?",
                    (int(sub.events), sub.role_id, sub.guild_id, rows[0][0]),
                )
            else:
                await conn.execute(
                    "INSERT INTO subscriptions(platform, kind, chat_id, guild_id, user_id, role_id, show_id, events, "
                    f"created_at, {', '.join(OPTION_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (sub.platform, sub.kind, sub.chat_id, sub.guild_id, sub.user_id, sub.role_id, sub.show_id,
                     int(sub.events), time.time(), *options_to_row(sub.options)),
                )
        return not rows

    async def set_options(self, platform: str, kind: str, chat_id: str, show_id: int | None,
                          options: DeliveryOptions) -> bool:
        assignments = ", ".join(f"{c} = ?" for c in OPTION_COLUMNS)
        async with self._db.transaction() as conn:
            cur = await conn.execute(
                f"UPDATE subscriptions SET {assignments} WHERE platform = ? AND kind = ? AND chat_id = ? "
                "AND COALESCE(show_id, 0) = COALESCE(?, 0)",
                (*options_to_row(options), platform, kind, chat_id, show_id),
            )
            return cur.rowcount > 0

    async def options_for(self, platform: str, kind: str, chat_id: str, show_id: int) -> DeliveryOptions | None:
        row = await self._db.fetchone(
            f"SELECT {', '.join(OPTION_COLUMNS)} FROM subscriptions WHERE platform = ? AND kind = ? AND chat_id = ? "
            "AND (show_id = ? OR show_id IS NULL) ORDER BY show_id IS NULL LIMIT 1",
            (platform, kind, chat_id, show_id),
        )
        return None if row is None else options_from_row(tuple(row))

    async def unsubscribe(self, platform: str, kind: str, chat_id: str, show_id: int | None) -> bool:
        async with self._db.transaction() as conn:
            cur = await conn.execute(
                "DELETE FROM subscriptions WHERE platform = ? AND kind = ? AND chat_id = ? "
                "AND COALESCE(show_id, 0) = COALESCE(?, 0)",
                (platform, kind, chat_id, show_id),
            )
            return cur.rowcount > 0

    async def subscriptions(self, platform: str, kind: str, chat_id: str) -> list[SubscriptionRecord]:
        rows = await self._db.fetchall(
            f"SELECT {SUB_COLUMNS} FROM subscriptions s LEFT JOIN shows sh ON sh.id = s.show_id "
            "WHERE s.platform = ? AND s.kind = ? AND s.chat_id = ? ORDER BY sh.title_key",
            (platform, kind, chat_id),
        )
        return [subscription_from_row(row) for row in rows]

    async def subscriptions_in_guild(self, platform: str, guild_id: str) -> list[SubscriptionRecord]:
        rows = await self._db.fetchall(
            f"SELECT {SUB_COLUMNS} FROM subscriptions s LEFT JOIN shows sh ON sh.id = s.show_id "
            "WHERE s.platform = ? AND s.guild_id = ? AND s.kind = 'channel' ORDER BY s.chat_id, sh.title_key",
            (platform, guild_id),
        )
        return [subscription_from_row(row) for row in rows]

    async def count_subscriptions(self, platform: str, kind: str, chat_id: str) -> int:
        return await self._db.scalar(
            "SELECT COUNT(*) FROM subscriptions WHERE platform = ? AND kind = ? AND chat_id = ?",
            (platform, kind, chat_id),
        )

    async def recipients_for(self, show_id: int, events: Event) -> list[tuple[str, str, str]]:
        rows = await self._db.fetchall(
            f"""
            SELECT DISTINCT s.platform, s.kind, s.chat_id FROM subscriptions s
            WHERE (s.show_id = :show OR (s.show_id IS NULL AND NOT {own_rule("s", ":show")}))
              AND (s.events & :events) != 0 AND {reachable("s", ":show")}
            """,
            {"show": show_id, "events": int(events)},
        )
        return [(p, k, c) for p, k, c in rows]

    # -- mutes ----------------------------------------------------------------------------------
    async def mute(self, platform: str, guild_id: str, show_id: int) -> bool:
        async with self._db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO mutes(platform, guild_id, show_id, created_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                (platform, guild_id, show_id, time.time()),
            )
            return cur.rowcount > 0

    async def unmute(self, platform: str, guild_id: str, show_id: int) -> bool:
        async with self._db.transaction() as conn:
            cur = await conn.execute(
                "DELETE FROM mutes WHERE platform = ? AND guild_id = ? AND show_id = ?", (platform, guild_id, show_id)
            )
            return cur.rowcount > 0

    async def muted_shows(self, platform: str, guild_id: str) -> list[str]:
        rows = await self._db.fetchall(
            "SELECT s.title FROM mutes m JOIN shows s ON s.id = m.show_id WHERE m.platform = ? AND m.guild_id = ? "
            "ORDER BY s.title_key",
            (platform, guild_id),
        )
        return [t for (t,) in rows]

    # -- paused chats ---------------------------------------------------------------------------
    async def pause_chat(self, platform: str, chat_id: str, reason: str) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO paused_chats(platform, chat_id, reason, paused_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(platform, chat_id) DO UPDATE SET reason = excluded.reason",
                (platform, chat_id, reason[:300], time.time()),
            )
            await conn.execute(
                "UPDATE outbox SET status = 'held' WHERE platform = ? AND chat_id = ? AND status = 'pending'",
                (platform, chat_id),
            )

    async def resume_chat(self, platform: str, chat_id: str) -> bool:
        async with self._db.transaction() as conn:
            cur = await conn.execute(
                "DELETE FROM paused_chats WHERE platform = ? AND chat_id = ?", (platform, chat_id)
            )
            resumed = cur.rowcount > 0
            await conn.execute(
                "UPDATE outbox SET status = 'pending', next_attempt_at = 0 WHERE platform = ? AND chat_id = ? "
                "AND status = 'held'",
                (platform, chat_id),
            )
        return resumed

    async def migrate_chat(self, platform: str, old_chat_id: str, new_chat_id: str) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE OR IGNORE subscriptions SET chat_id = ?, guild_id = CASE WHEN guild_id = ? THEN ? ELSE guild_id END "
                "WHERE platform = ? AND chat_id = ?",
                (new_chat_id, old_chat_id, new_chat_id, platform, old_chat_id),
            )
            await conn.execute("DELETE FROM subscriptions WHERE platform = ? AND chat_id = ?", (platform, old_chat_id))
            await conn.execute(
                "UPDATE OR IGNORE mutes SET guild_id = ? WHERE platform = ? AND guild_id = ?",
                (new_chat_id, platform, old_chat_id),
            )
            await conn.execute(
                "UPDATE OR IGNORE outbox SET chat_id = ? WHERE platform = ? AND chat_id = ? AND status IN ('pending', 'held')",
                (new_chat_id, platform, old_chat_id),
            )
            await conn.execute(
                "UPDATE OR IGNORE chat_preferences SET chat_id = ? WHERE platform = ? AND chat_id = ?",
                (new_chat_id, platform, old_chat_id),
            )

    async def paused_chats(self, platform: str | None = None) -> list[tuple[str, str, str, float]]:
        rows = await self._db.fetchall(
            "SELECT platform, chat_id, reason, paused_at FROM paused_chats WHERE ? IS NULL OR platform = ? "
            "ORDER BY paused_at",
            (platform, platform),
        )
        return [(p, c, r, float(at)) for p, c, r, at in rows]

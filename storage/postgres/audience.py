"""Subscriptions, server mutes and paused chats in PostgreSQL; the fan-out reachability rule."""

from __future__ import annotations

import time

from feeds.model import Event
from storage.postgres.database import PostgresDatabase, status_count
from storage.records import DeliveryOptions, SubscriptionRecord
from storage.rows import OPTION_COLUMNS, options_from_row, options_to_row, subscription_from_row

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


class PostgresAudience:
    def __init__(self, db: PostgresDatabase) -> None:
        self._db = db

    # -- subscriptions --------------------------------------------------------------------------
    async def subscribe(self, sub: SubscriptionRecord) -> bool:
        async with self._db.transaction() as conn:
            created = await conn.fetchval(
                "INSERT INTO subscriptions(platform, kind, chat_id, guild_id, user_id, role_id, show_id, events, "
                f"created_at, {', '.join(OPTION_COLUMNS)}) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) "
                "ON CONFLICT (platform, kind, chat_id, COALESCE(show_id, 0)) DO UPDATE SET events = EXCLUDED.events, "
                "role_id = EXCLUDED.role_id, guild_id = COALESCE(EXCLUDED.guild_id, subscriptions.guild_id) "
                "RETURNING xmax = 0",
                sub.platform, sub.kind, sub.chat_id, sub.guild_id, sub.user_id, sub.role_id, sub.show_id,
                int(sub.events), time.time(), *options_to_row(sub.options),
            )
        return bool(created)

    async def set_options(self, platform: str, kind: str, chat_id: str, show_id: int | None,
                          options: DeliveryOptions) -> bool:
        assignments = ", ".join(f"{c} = ${n}" for n, c in enumerate(OPTION_COLUMNS, 1))
        first = len(OPTION_COLUMNS) + 1
        async with self._db.transaction() as conn:
            status = await conn.execute(
                f"UPDATE subscriptions SET {assignments} WHERE platform = ${first} AND kind = ${first + 1} "
                f"AND chat_id = ${first + 2} AND COALESCE(show_id, 0) = COALESCE(${first + 3}::bigint, 0)",
                *options_to_row(options), platform, kind, chat_id, show_id,
            )
        return status_count(status) > 0

    async def options_for(self, platform: str, kind: str, chat_id: str, show_id: int) -> DeliveryOptions | None:
        row = await self._db.fetchrow(
            f"SELECT {', '.join(OPTION_COLUMNS)} FROM subscriptions WHERE platform = $1 AND kind = $2 AND chat_id = $3 "
            "AND (show_id = $4 OR show_id IS NULL) ORDER BY show_id IS NULL LIMIT 1",
            platform, kind, chat_id, show_id,
        )
        return None if row is None else options_from_row(tuple(row))

    async def unsubscribe(self, platform: str, kind: str, chat_id: str, show_id: int | None) -> bool:
        async with self._db.transaction() as conn:
            status = await conn.execute(
                "DELETE FROM subscriptions WHERE platform = $1 AND kind = $2 AND chat_id = $3 "
                "AND COALESCE(show_id, 0) = COALESCE($4::bigint, 0)",
                platform, kind, chat_id, show_id,
            )
            return status_count(status) > 0

    async def subscriptions(self, platform: str, kind: str, chat_id: str) -> list[SubscriptionRecord]:
        rows = await self._db.fetch(
            f"SELECT {SUB_COLUMNS} FROM subscriptions s LEFT JOIN shows sh ON sh.id = s.show_id "
            "WHERE s.platform = $1 AND s.kind = $2 AND s.chat_id = $3 ORDER BY sh.title_key NULLS FIRST",
            platform, kind, chat_id,
        )
        return [subscription_from_row(tuple(r)) for r in rows]

    async def subscriptions_in_guild(self, platform: str, guild_id: str) -> list[SubscriptionRecord]:
        rows = await self._db.fetch(
            f"SELECT {SUB_COLUMNS} FROM subscriptions s LEFT JOIN shows sh ON sh.id = s.show_id "
            "WHERE s.platform = $1 AND s.guild_id = $2 AND s.kind = 'channel' "
            "ORDER BY s.chat_id, sh.title_key NULLS FIRST",
            platform, guild_id,
        )
        return [subscription_from_row(tuple(r)) for r in rows]

    async def count_subscriptions(self, platform: str, kind: str, chat_id: str) -> int:
        return await self._db.scalar(
            "SELECT COUNT(*) FROM subscriptions WHERE platform = $1 AND kind = $2 AND chat_id = $3",
            platform, kind, chat_id,
        )

    async def recipients_for(self, show_id: int, events: Event) -> list[tuple[str, str, str]]:
        rows = await self._db.fetch(
            f"""
            SELECT DISTINCT s.platform, s.kind, s.chat_id FROM subscriptions s
            WHERE (s.show_id = $1 OR (s.show_id IS NULL AND NOT {own_rule("s", "$1")}))
              AND (s.events & $2) != 0 AND {reachable("s", "$1")}
            """,
            show_id, int(events),
        )
        return [(r[0], r[1], r[2]) for r in rows]

    # -- mutes ----------------------------------------------------------------------------------
    async def mute(self, platform: str, guild_id: str, show_id: int) -> bool:
        async with self._db.transaction() as conn:
            status = await conn.execute(
                "INSERT INTO mutes(platform, guild_id, show_id, created_at) VALUES ($1, $2, $3, $4) "
                "ON CONFLICT DO NOTHING",
                platform, guild_id, show_id, time.time(),
            )
            return status_count(status) > 0

    async def unmute(self, platform: str, guild_id: str, show_id: int) -> bool:
        async with self._db.transaction() as conn:
            status = await conn.execute(
                "DELETE FROM mutes WHERE platform = $1 AND guild_id = $2 AND show_id = $3", platform, guild_id, show_id
            )
            return status_count(status) > 0

    async def muted_shows(self, platform: str, guild_id: str) -> list[str]:
        rows = await self._db.fetch(
            "SELECT s.title FROM mutes m JOIN shows s ON s.id = m.show_id WHERE m.platform = $1 AND m.guild_id = $2 "
            "ORDER BY s.title_key",
            platform, guild_id,
        )
        return [r[0] for r in rows]

    # -- paused chats ---------------------------------------------------------------------------
    async def pause_chat(self, platform: str, chat_id: str, reason: str) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO paused_chats(platform, chat_id, reason, paused_at) VALUES ($1, $2, $3, $4) "
                "ON CONFLICT (platform, chat_id) DO UPDATE SET reason = EXCLUDED.reason",
                platform, chat_id, reason[:300].replace("\x00", ""), time.time(),
            )
            await conn.execute(
                "UPDATE outbox SET status = 'held' WHERE platform = $1 AND chat_id = $2 AND status = 'pending'",
                platform, chat_id,
            )

    async def resume_chat(self, platform: str, chat_id: str) -> bool:
        async with self._db.transaction() as conn:
            status = await conn.execute(
                "DELETE FROM paused_chats WHERE platform = $1 AND chat_id = $2", platform, chat_id
            )
            await conn.execute(
                "UPDATE outbox SET status = 'pending', next_attempt_at = 0 WHERE platform = $1 AND chat_id = $2 "
                "AND status = 'held'",
                platform, chat_id,
            )
        return status_count(status) > 0

    async def migrate_chat(self, platform: str, old_chat_id: str, new_chat_id: str) -> None:
        async with self._db.transaction() as conn:
            # what the new id already has wins; the rest moves over
            await conn.execute(
                "UPDATE subscriptions s SET chat_id = $3, guild_id = CASE WHEN s.guild_id = $2 THEN $3 ELSE s.guild_id END "
                "WHERE s.platform = $1 AND s.chat_id = $2 AND NOT EXISTS (SELECT 1 FROM subscriptions t "
                "WHERE t.platform = s.platform AND t.kind = s.kind AND t.chat_id = $3 "
                "AND COALESCE(t.show_id, 0) = COALESCE(s.show_id, 0))",
                platform, old_chat_id, new_chat_id,
            )
            await conn.execute("DELETE FROM subscriptions WHERE platform = $1 AND chat_id = $2", platform, old_chat_id)
            await conn.execute(
                "UPDATE mutes m SET guild_id = $3 WHERE m.platform = $1 AND m.guild_id = $2 AND NOT EXISTS "
                "(SELECT 1 FROM mutes t WHERE t.platform = m.platform AND t.guild_id = $3 AND t.show_id = m.show_id)",
                platform, old_chat_id, new_chat_id,
            )
            await conn.execute(
                "UPDATE outbox o SET chat_id = $3 WHERE o.platform = $1 AND o.chat_id = $2 "
                "AND o.status IN ('pending', 'held') AND NOT EXISTS (SELECT 1 FROM outbox t WHERE t.item_id = o.item_id "
                "AND t.platform = o.platform AND t.kind = o.kind AND t.chat_id = $3)",
                platform, old_chat_id, new_chat_id,
            )
            await conn.execute(
                "UPDATE chat_preferences c SET chat_id = $3 WHERE c.platform = $1 AND c.chat_id = $2 AND NOT EXISTS "
                "(SELECT 1 FROM chat_preferences t WHERE t.platform = c.platform AND t.chat_id = $3)",
                platform, old_chat_id, new_chat_id,
            )

    async def paused_chats(self, platform: str | None = None) -> list[tuple[str, str, str, float]]:
        rows = await self._db.fetch(
            "SELECT platform, chat_id, reason, paused_at FROM paused_chats WHERE $1::text IS NULL OR platform = $1 "
            "ORDER BY paused_at",
            platform,
        )
        return [(r[0], r[1], r[2], float(r[3])) for r in rows]

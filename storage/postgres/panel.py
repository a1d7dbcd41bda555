"""The web side's own data in PostgreSQL: panel sign-in links and sessions, calendar tokens, and the
panel's read views (one server's, group's or chat's notifications)."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import asdict

from feeds.model import Event
from storage.postgres.database import PostgresDatabase, status_count
from storage.records import PanelGrant, PanelSession, RecentNotification
from storage.rows import seasons_from_text

MAX_CHATS = 500  # a server with more subscribed channels than this shows the first ones


def _grant_json(grant: PanelGrant) -> str:
    return json.dumps(asdict(grant), sort_keys=True)


def _grant(text: str) -> PanelGrant:
    return PanelGrant(**json.loads(text))


def _recipients(chats: Sequence[tuple[str, str]]) -> tuple[list[str], list[str]]:
    chats = list(dict.fromkeys(chats))[:MAX_CHATS]
    return [kind for kind, _ in chats], [chat_id for _, chat_id in chats]


RECIPIENTS = ("o.platform = $1 AND (o.kind, o.chat_id) IN "
              "(SELECT * FROM unnest($2::text[], $3::text[]))")


class PostgresPanel:
    def __init__(self, db: PostgresDatabase) -> None:
        self._db = db

    # -- sign-in ---------------------------------------------------------------------------------
    async def save_login_link(self, token_hash: str, grant: PanelGrant, *, expires_at: float, now: float) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO panel_links(token_hash, grant_json, created_at, expires_at) VALUES ($1, $2, $3, $4)",
                token_hash, _grant_json(grant), now, expires_at,
            )

    async def redeem_login_link(self, token_hash: str, *, now: float) -> PanelGrant | None:
        async with self._db.transaction() as conn:  # spent in the same statement that reads it: once only
            row = await conn.fetchrow(
                "UPDATE panel_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 "
                "RETURNING grant_json",
                now, token_hash,
            )
        return None if row is None else _grant(row[0])

    async def save_panel_session(self, session_hash: str, grant: PanelGrant, *, expires_at: float,
                                 now: float) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO panel_sessions(session_hash, grant_json, created_at, expires_at) VALUES ($1, $2, $3, $4)",
                session_hash, _grant_json(grant), now, expires_at,
            )

    async def panel_session(self, session_hash: str, *, now: float) -> PanelSession | None:
        row = await self._db.fetchrow(
            "SELECT grant_json, created_at, expires_at FROM panel_sessions "
            "WHERE session_hash = $1 AND ended_at IS NULL AND expires_at > $2",
            session_hash, now,
        )
        return None if row is None else PanelSession(_grant(row[0]), float(row[1]), float(row[2]))

    async def end_panel_session(self, session_hash: str, *, now: float) -> bool:
        async with self._db.transaction() as conn:
            status = await conn.execute(
                "UPDATE panel_sessions SET ended_at = $1 WHERE session_hash = $2 AND ended_at IS NULL",
                now, session_hash,
            )
            return status_count(status) > 0

    async def prune_panel_auth(self, *, now: float) -> int:
        async with self._db.transaction() as conn:
            links = await conn.execute("DELETE FROM panel_links WHERE expires_at <= $1 OR used_at IS NOT NULL", now)
            sessions = await conn.execute(
                "DELETE FROM panel_sessions WHERE expires_at <= $1 OR ended_at IS NOT NULL", now)
            return status_count(links) + status_count(sessions)

    # -- calendar tokens -------------------------------------------------------------------------
    async def calendar_token(self, platform: str, kind: str, chat_id: str, *, new: str | None = None) -> str | None:
        if new is not None:
            async with self._db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO calendar_tokens(platform, kind, chat_id, token, created_at) VALUES ($1, $2, $3, $4, $5) "
                    "ON CONFLICT (platform, kind, chat_id) DO UPDATE SET token = EXCLUDED.token, "
                    "created_at = EXCLUDED.created_at",
                    platform, kind, chat_id, new, time.time(),
                )
        row = await self._db.fetchrow(
            "SELECT token FROM calendar_tokens WHERE platform = $1 AND kind = $2 AND chat_id = $3",
            platform, kind, chat_id,
        )
        return None if row is None else str(row[0])

    async def calendar_chat(self, token: str) -> tuple[str, str, str] | None:
        row = await self._db.fetchrow("SELECT platform, kind, chat_id FROM calendar_tokens WHERE token = $1", token)
        return None if row is None else (str(row[0]), str(row[1]), str(row[2]))

    # -- read views ------------------------------------------------------------------------------
    async def recent_notifications(self, platform: str, chats: Sequence[tuple[str, str]], *,
                                   limit: int = 50) -> list[RecentNotification]:
        if not chats:
            return []
        kinds, chat_ids = _recipients(chats)
        rows = await self._db.fetch(
            f"""
            SELECT o.id, o.kind, o.chat_id, o.status, o.created_at, o.sent_at, o.last_error, i.title, i.link,
                   COALESCE(i.published_at, i.first_seen_at), COALESCE(f.title, f.url), sh.title,
                   m.events, m.seasons, m.reason, o.item_id, o.show_id
            FROM outbox o
            JOIN items i ON i.id = o.item_id
            JOIN shows sh ON sh.id = o.show_id
            JOIN item_matches m ON m.item_id = o.item_id AND m.show_id = o.show_id
            LEFT JOIN feeds f ON f.id = i.feed_id
            WHERE {RECIPIENTS}
            ORDER BY o.id DESC
            LIMIT $4
            """,
            platform, kinds, chat_ids, limit,
        )
        return [
            RecentNotification(
                id=int(r[0]), kind=r[1], chat_id=r[2], status=r[3], created_at=float(r[4]),
                sent_at=None if r[5] is None else float(r[5]), last_error=r[6], title=r[7], link=r[8],
                published_at=float(r[9]), source=r[10], show=r[11], events=Event(r[12]),
                seasons=seasons_from_text(r[13]), reason=r[14], item_id=int(r[15]), show_id=int(r[16]),
            )
            for r in rows
        ]

    async def delivery_counts(self, platform: str, chats: Sequence[tuple[str, str]]) -> dict[str, int]:
        if not chats:
            return {}
        kinds, chat_ids = _recipients(chats)
        rows = await self._db.fetch(
            f"SELECT o.status, COUNT(*) FROM outbox o WHERE {RECIPIENTS} GROUP BY o.status", platform, kinds, chat_ids)
        return {str(r[0]): int(r[1]) for r in rows}

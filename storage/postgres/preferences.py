"""Each chat's own choices (language, time zone) in PostgreSQL."""

from __future__ import annotations

import time

from storage.postgres.database import PostgresDatabase
from storage.records import ChatPreferences


class PostgresPreferences:
    def __init__(self, db: PostgresDatabase) -> None:
        self._db = db

    async def preferences(self, platform: str, chat_id: str) -> ChatPreferences:
        row = await self._db.fetchrow(
            "SELECT language, timezone, platform_language FROM chat_preferences WHERE platform = $1 AND chat_id = $2", platform, chat_id)
        return ChatPreferences() if row is None else ChatPreferences(row[0], row[1], row[2])

    async def set_language(self, platform: str, chat_id: str, language: str | None) -> None:
        await self._set(platform, chat_id, "language", language)

    async def set_timezone(self, platform: str, chat_id: str, timezone: str | None) -> None:
        await self._set(platform, chat_id, "timezone", timezone)

    async def set_platform_language(self, platform: str, chat_id: str, language: str | None) -> None:
        await self._set(platform, chat_id, "platform_language", language)

    async def _set(self, platform: str, chat_id: str, column: str, value: str | None) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                f"INSERT INTO chat_preferences(platform, chat_id, {column}, updated_at) VALUES ($1, $2, $3, $4) "
                f"ON CONFLICT (platform, chat_id) DO UPDATE SET {column} = EXCLUDED.{column}, "
                "updated_at = EXCLUDED.updated_at",
                platform, chat_id, value, time.time(),
            )

"""Each chat's own choices (language, time zone) in SQLite."""

from __future__ import annotations

import time

from storage.records import ChatPreferences
from storage.sqlite.database import SqliteDatabase


class SqlitePreferences:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def preferences(self, platform: str, chat_id: str) -> ChatPreferences:
        row = await self._db.fetchone(
            "SELECT language, timezone, platform_language FROM chat_preferences WHERE platform = ? AND chat_id = ?", (platform, chat_id))
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
                f"INSERT INTO chat_preferences(platform, chat_id, {column}, updated_at) VALUES (?, ?, ?, ?) "
                f"ON CONFLICT(platform, chat_id) DO UPDATE SET {column} = excluded.{column}, "
                "updated_at = excluded.updated_at",
                (platform, chat_id, value, time.time()),
            )

"""Small key/value facts about the database, in SQLite."""

from __future__ import annotations

from storage.sqlite.database import SqliteDatabase


class SqliteMeta:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def get_meta(self, key: str) -> str | None:
        row = await self._db.fetchone("SELECT value FROM meta WHERE key = ?", (key,))
        return str(row[0]) if row else None

    async def set_meta(self, key: str, value: str) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

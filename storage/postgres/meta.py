"""Small key/value facts about the database, in PostgreSQL."""

from __future__ import annotations

from storage.postgres.database import PostgresDatabase


class PostgresMeta:
    def __init__(self, db: PostgresDatabase) -> None:
        self._db = db

    async def get_meta(self, key: str) -> str | None:
        row = await self._db.fetchrow("SELECT value FROM meta WHERE key = $1", key)
        return None if row is None else str(row[0])

    async def set_meta(self, key: str, value: str) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO meta(key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                key, value,
            )

"""Shows and aliases in PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

import asyncpg

from feeds.model import CatalogShow
from feeds.understand.text import fold
from storage.errors import ShowConflict
from storage.postgres.database import PostgresDatabase

SHOW_COLUMNS = (
    "s.id, s.title, COALESCE((SELECT array_agg(a.alias ORDER BY a.id) FROM aliases a WHERE a.show_id = s.id), "
    "'{}'::text[]), s.tvmaze_id"
)


class PostgresCatalog:
    def __init__(self, db: PostgresDatabase) -> None:
        self._db = db

    async def upsert_show(self, title: str, aliases: Iterable[str] = (), *, tvmaze_id: int | None = None) -> int:
        title = " ".join(title.split())
        if not fold(title):
            raise ValueError("a show needs a title")
        async with self._db.transaction() as conn:
            show_id = None
            if tvmaze_id is not None:
                found = await conn.fetchval("SELECT id FROM shows WHERE tvmaze_id = $1", tvmaze_id)
                show_id = None if found is None else int(found)
            if show_id is None:
                show_id = await _upsert(conn, title, time.time())
                assert show_id is not None
                if tvmaze_id is not None:
                    current = await conn.fetchval("SELECT tvmaze_id FROM shows WHERE id = $1", show_id)
                    if current is not None and int(current) != tvmaze_id:
                        raise ShowConflict(f"{title!r} is another show's title (TVmaze {current})")
                    await conn.execute("UPDATE shows SET tvmaze_id = $1 WHERE id = $2", tvmaze_id, show_id)
            await _insert_aliases(conn, show_id, aliases)
        return show_id

    async def show_by_tvmaze(self, tvmaze_id: int) -> CatalogShow | None:
        for show in await self._shows_where("s.tvmaze_id = $1", tvmaze_id):
            return show
        return None

    async def import_catalog(self, shows: Iterable[tuple[str, Sequence[str]]]) -> int:
        count = 0
        now = time.time()
        async with self._db.transaction() as conn:
            for title, aliases in shows:
                show_id = await _upsert(conn, " ".join(title.split()), now)
                if show_id is None:
                    continue
                await _insert_aliases(conn, show_id, aliases)
                count += 1
        return count

    async def add_alias(self, show_id: int, alias: str) -> bool:
        async with self._db.transaction() as conn:
            return await _insert_aliases(conn, show_id, [alias]) > 0

    async def shows(self) -> list[CatalogShow]:
        rows = await self._db.fetch(f"SELECT {SHOW_COLUMNS} FROM shows s ORDER BY s.title_key")
        return [CatalogShow(int(r[0]), r[1], tuple(r[2]), None if r[3] is None else int(r[3])) for r in rows]

    async def show_count(self) -> int:
        return await self._db.scalar("SELECT COUNT(*) FROM shows")

    async def catalog_version(self) -> tuple[int, int]:
        row = await self._db.fetchrow(
            "SELECT (SELECT COALESCE(MAX(id), 0) FROM shows), (SELECT COALESCE(MAX(id), 0) FROM aliases)"
        )
        assert row is not None
        return int(row[0]), int(row[1])

    async def show_by_id(self, show_id: int) -> CatalogShow | None:
        for show in await self._shows_where("s.id = $1", show_id):
            return show
        return None

    async def find_shows(self, name: str) -> list[CatalogShow]:
        key = fold(name)
        return await self._shows_where(
            "s.title_key = $1 OR s.id IN (SELECT show_id FROM aliases WHERE alias_key = $1)", key
        )

    async def _shows_where(self, where: str, *args: object) -> list[CatalogShow]:
        rows = await self._db.fetch(f"SELECT {SHOW_COLUMNS} FROM shows s WHERE {where} ORDER BY s.title_key", *args)
        return [CatalogShow(int(r[0]), r[1], tuple(r[2]), None if r[3] is None else int(r[3])) for r in rows]


async def _upsert(conn: asyncpg.Connection, title: str, now: float) -> int | None:
    key = fold(title)
    if not key:
        return None
    show_id = await conn.fetchval(
        "INSERT INTO shows(title, title_key, created_at) VALUES ($1, $2, $3) "
        "ON CONFLICT (title_key) DO UPDATE SET title_key = EXCLUDED.title_key RETURNING id",
        title, key, now,
    )
    return int(show_id)


async def _insert_aliases(conn: asyncpg.Connection, show_id: int, aliases: Iterable[str]) -> int:
    """Returns how many aliases were new."""
    pairs = [(" ".join(a.split()), fold(a)) for a in aliases if fold(a)]
    if not pairs:
        return 0
    rows = await conn.fetch(
        "INSERT INTO aliases(show_id, alias, alias_key) SELECT $1, a, k FROM unnest($2::text[], $3::text[]) "
        "WITH ORDINALITY AS t(a, k, n) ORDER BY n ON CONFLICT (show_id, alias_key) DO NOTHING RETURNING id",
        show_id, [a for a, _ in pairs], [k for _, k in pairs],
    )
    return len(rows)

"""Shows and aliases in SQLite."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence

import aiosqlite

from feeds.model import CatalogShow
from feeds.understand.text import fold
from storage.errors import ShowConflict
from storage.sqlite.database import SqliteDatabase


class SqliteCatalog:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def upsert_show(self, title: str, aliases: Iterable[str] = (), *, tvmaze_id: int | None = None) -> int:
        title = " ".join(title.split())
        if not fold(title):
            raise ValueError("a show needs a title")
        async with self._db.transaction() as conn:
            show_id = None
            if tvmaze_id is not None:
                rows = list(await conn.execute_fetchall("SELECT id FROM shows WHERE tvmaze_id = ?", (tvmaze_id,)))
                show_id = int(rows[0][0]) if rows else None
            if show_id is None:
                show_id = await _upsert(conn, title, time.time())
                assert show_id is not None
                if tvmaze_id is not None:
                    rows = list(await conn.execute_fetchall("SELECT tvmaze_id FROM shows WHERE id = ?", (show_id,)))
                    if rows[0][0] is not None and int(rows[0][0]) != tvmaze_id:
                        raise ShowConflict(f"{title!r} is another show's title (TVmaze {rows[0][0]})")
                    await conn.execute("UPDATE shows SET tvmaze_id = ? WHERE id = ?", (tvmaze_id, show_id))
            await _insert_aliases(conn, show_id, aliases)
        return show_id

    async def show_by_tvmaze(self, tvmaze_id: int) -> CatalogShow | None:
        for show in await self._shows_where("s.tvmaze_id = ?", (tvmaze_id,)):
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
            before = conn.total_changes
            await _insert_aliases(conn, show_id, [alias])
            return conn.total_changes > before

    async def shows(self) -> list[CatalogShow]:
        aliases: dict[int, list[str]] = {}
        async with self._db.reading() as conn:  # one connection: titles and aliases of the same moment
            for show_id, alias in await conn.execute_fetchall("SELECT show_id, alias FROM aliases ORDER BY id"):
                aliases.setdefault(int(show_id), []).append(alias)
            rows = await conn.execute_fetchall("SELECT id, title, tvmaze_id FROM shows ORDER BY title_key")
        return [CatalogShow(int(i), t, tuple(aliases.get(int(i), ())), None if tv is None else int(tv))
                for i, t, tv in rows]

    async def show_count(self) -> int:
        return await self._db.scalar("SELECT COUNT(*) FROM shows")

    async def catalog_version(self) -> tuple[int, int]:
        row = await self._db.fetchone(
            "SELECT (SELECT COALESCE(MAX(id), 0) FROM shows), (SELECT COALESCE(MAX(id), 0) FROM aliases)"
        )
        assert row is not None
        return int(row[0]), int(row[1])

    async def show_by_id(self, show_id: int) -> CatalogShow | None:
        for show in await self._shows_where("s.id = ?", (show_id,)):
            return show
        return None

    async def find_shows(self, name: str) -> list[CatalogShow]:
        key = fold(name)
        return await self._shows_where(
            "s.title_key = ? OR s.id IN (SELECT show_id FROM aliases WHERE alias_key = ?)", (key, key)
        )

    async def _shows_where(self, where: str, args: tuple[object, ...]) -> list[CatalogShow]:
        rows = await self._db.fetchall(
            "SELECT s.id, s.title, (SELECT json_group_array(alias) FROM aliases a WHERE a.show_id = s.id), s.tvmaze_id "
            f"FROM shows s WHERE {where} ORDER BY s.title_key",
            args,
        )
        return [CatalogShow(int(i), t, tuple(json.loads(a or "[]")), None if tv is None else int(tv))
                for i, t, a, tv in rows]


async def _upsert(conn: aiosqlite.Connection, title: str, now: float) -> int | None:
    key = fold(title)
    if not key:
        return None
    rows = await conn.execute_fetchall(
        "INSERT INTO shows(title, title_key, created_at) VALUES (?, ?, ?) "
        "ON CONFLICT(title_key) DO UPDATE SET title_key = excluded.title_key RETURNING id",
        (title, key, now),
    )
    return int(next(iter(rows))[0])


async def _insert_aliases(conn: aiosqlite.Connection, show_id: int, aliases: Iterable[str]) -> None:
    rows = [(show_id, " ".join(a.split()), fold(a)) for a in aliases if fold(a)]
    if rows:
        await conn.executemany(
            "INSERT INTO aliases(show_id, alias, alias_key) VALUES (?, ?, ?) "
            "ON CONFLICT(show_id, alias_key) DO NOTHING",
            rows,
        )

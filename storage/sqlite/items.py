"""Feed items, the keys each is known by, and what the matcher said about them, in SQLite."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import aiosqlite

from feeds.model import HEADLINE_KEY, HEADLINE_WINDOW, Event, ItemRecord, NewItem, ShowMatch
from storage.records import LatestNews
from storage.rows import first_sightings, seasons_from_text, seasons_to_text
from storage.sqlite.database import SqliteDatabase
from storage.sqlite.outbox import SqliteOutbox

ITEM_CHUNK = 200  # rows per multi-row INSERT
KEY_CHUNK = 500  # keys per IN (…) lookup


class SqliteItems:
    def __init__(self, db: SqliteDatabase, outbox: SqliteOutbox) -> None:
        self._db = db
        self._outbox = outbox

    async def insert_items(self, feed_id: int | None, items: Sequence[NewItem], now: float) -> list[ItemRecord]:
        async with self._db.transaction() as conn:
            return await _insert(conn, feed_id, items, now)

    async def unseen(self, feed_id: int | None, items: Sequence[NewItem], now: float) -> list[NewItem]:
        keyed = [(item, item.dedup_keys(feed_id)) for item in items]
        async with self._db.reading() as conn:
            known = await _known_keys(conn, {key for _, keys in keyed for key in keys}, now)
        return [item for item, _keys in first_sightings(keyed, known)]

    async def store_new_items(
        self, feed_id: int | None, items: Sequence[NewItem], matches: Mapping[str, Sequence[ShowMatch]], now: float,
    ) -> tuple[list[ItemRecord], int]:
        async with self._db.transaction() as conn:
            fresh = await _insert(conn, feed_id, items, now)
            pairs = [(record.id, match) for record in fresh for match in matches.get(record.dedup_key, ())]
            await _save_matches(conn, pairs)
            queued = await self._outbox.enqueue_matches(pairs, now)
        return fresh, queued

    async def save_matches(self, item_id: int, matches: Sequence[ShowMatch]) -> None:
        await self.save_matches_many([(item_id, m) for m in matches])

    async def save_matches_many(self, pairs: Sequence[tuple[int, ShowMatch]]) -> None:
        if pairs:
            async with self._db.transaction() as conn:
                await _save_matches(conn, pairs)

    async def latest_for_show(
        self, show_id: int, *, limit: int = 5, with_events_only: bool = False
    ) -> list[LatestNews]:
        where = "AND m.events != 0" if with_events_only else ""
        rows = await self._db.fetchall(
            "SELECT i.title, i.link, COALESCE(i.published_at, i.first_seen_at), m.events, m.seasons, "
            "COALESCE(f.title, f.url) FROM item_matches m JOIN items i ON i.id = m.item_id "
            f"LEFT JOIN feeds f ON f.id = i.feed_id WHERE m.show_id = ? {where} "
            "ORDER BY COALESCE(i.published_at, i.first_seen_at) DESC, i.id DESC LIMIT ?",
            (show_id, limit),
        )
        return [LatestNews(t, link, float(at), Event(ev), seasons_from_text(s), src)
                for t, link, at, ev, s, src in rows]


    async def match_reason(self, item_id: int, show: str) -> str | None:
        row = await self._db.fetchone(
            "SELECT m.reason FROM item_matches m JOIN shows s ON s.id = m.show_id WHERE m.item_id = ? AND s.title = ?",
            (item_id, show),
        )
        return None if row is None else str(row[0])


async def _known_keys(conn: aiosqlite.Connection, keys: Collection[str], now: float) -> set[str]:
    """The keys an item already has: every key, except headline keys older than HEADLINE_WINDOW."""
    wanted = list(keys)
    known: set[str] = set()
    for start in range(0, len(wanted), KEY_CHUNK):
        chunk = wanted[start:start + KEY_CHUNK]
        marks = ",".join("?" for _ in chunk)
        rows = await conn.execute_fetchall(
            f"SELECT key FROM item_keys WHERE key IN ({marks}) AND (seen_at >= ? OR substr(key, 1, ?) != ?)",
            [*chunk, now - HEADLINE_WINDOW, len(HEADLINE_KEY), HEADLINE_KEY],
        )
        known.update(key for (key,) in rows)
    return known


async def _insert(conn: aiosqlite.Connection, feed_id: int | None, items: Sequence[NewItem],
                  now: float) -> list[ItemRecord]:
    """Inside the writer's transaction, so the check and the insert see the same data: multi-row
    INSERT … RETURNING, one round trip per 200 items, then every key of the new items at once."""
    keyed = [(item, item.dedup_keys(feed_id)) for item in items]
    new = first_sightings(keyed, await _known_keys(conn, {key for _, keys in keyed for key in keys}, now))
    fresh: list[ItemRecord] = []
    key_rows: list[tuple[str, int, float]] = []
    for start in range(0, len(new), ITEM_CHUNK):
        chunk = new[start:start + ITEM_CHUNK]
        values = ", ".join("(?, ?, ?, ?, ?, ?, ?, ?, ?)" for _ in chunk)
        params = [value for item, _keys in chunk for value in (
            feed_id, item.dedup_key, item.guid, item.link, item.title, item.summary, item.published_at, now,
            item.image)]
        rows = await conn.execute_fetchall(
            "INSERT INTO items(feed_id, dedup_key, guid, link, title, summary, published_at, first_seen_at, image) "
            f"VALUES {values} ON CONFLICT(dedup_key) DO NOTHING RETURNING id, dedup_key",
            params,
        )
        ids = {key: int(item_id) for item_id, key in rows}
        for item, keys in chunk:
            item_id = ids.pop(item.dedup_key, None)
            if item_id is not None:
                fresh.append(ItemRecord(item_id, feed_id, item.title, item.summary, item.link,
                                        item.published_at, now, item.dedup_key))
                key_rows.extend((key, item_id, now) for key in keys)
    if key_rows:  # (a conflict is an expired headline key: it now names the new item)
        await conn.executemany(
            "INSERT INTO item_keys(key, item_id, seen_at) VALUES (?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET item_id = excluded.item_id, seen_at = excluded.seen_at",
            key_rows,
        )
    return fresh


async def _save_matches(conn: aiosqlite.Connection, pairs: Sequence[tuple[int, ShowMatch]]) -> None:
    if pairs:
        await conn.executemany(
            "INSERT INTO item_matches(item_id, show_id, events, seasons, reason) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(item_id, show_id) DO UPDATE SET events = excluded.events, "
            "seasons = excluded.seasons, reason = excluded.reason",
            [(item_id, m.show_id, int(m.events), seasons_to_text(m.seasons), m.reason) for item_id, m in pairs],
        )

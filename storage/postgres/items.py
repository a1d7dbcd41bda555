"""Feed items, the keys each is known by, and what the matcher said about them, in PostgreSQL."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import asyncpg

from feeds.model import HEADLINE_KEY, HEADLINE_WINDOW, Event, ItemRecord, NewItem, ShowMatch
from storage.postgres.database import PostgresDatabase
from storage.postgres.outbox import PostgresOutbox
from storage.records import LatestNews
from storage.rows import first_sightings, seasons_from_text, seasons_to_text


def no_nul(text: str | None) -> str | None:
    """PostgreSQL text cannot hold NUL characters; a hostile feed's are dropped."""
    return None if text is None else text.replace("\x00", "")


class PostgresItems:
    def __init__(self, db: PostgresDatabase, outbox: PostgresOutbox) -> None:
        self._db = db
        self._outbox = outbox

    async def insert_items(self, feed_id: int | None, items: Sequence[NewItem], now: float) -> list[ItemRecord]:
        async with self._db.transaction() as conn:
            return await _insert(self._db, conn, feed_id, items, now)

    async def unseen(self, feed_id: int | None, items: Sequence[NewItem], now: float) -> list[NewItem]:
        keyed = [(item, item.dedup_keys(feed_id)) for item in items]
        async with self._db.reading() as conn:
            known = await _known_keys(conn, {key for _, keys in keyed for key in keys}, now)
        return [item for item, _keys in first_sightings(keyed, known)]

    async def store_new_items(
        self, feed_id: int | None, items: Sequence[NewItem], matches: Mapping[str, Sequence[ShowMatch]], now: float,
    ) -> tuple[list[ItemRecord], int]:
        async with self._db.transaction() as conn:
            fresh = await _insert(self._db, conn, feed_id, items, now)
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
        rows = await self._db.fetch(
            "SELECT i.title, i.link, COALESCE(i.published_at, i.first_seen_at), m.events, m.seasons, "
            "COALESCE(f.title, f.url) FROM item_matches m JOIN items i ON i.id = m.item_id "
            f"LEFT JOIN feeds f ON f.id = i.feed_id WHERE m.show_id = $1 {where} "
            "ORDER BY COALESCE(i.published_at, i.first_seen_at) DESC, i.id DESC LIMIT $2",
            show_id, limit,
        )
        return [LatestNews(r[0], r[1], float(r[2]), Event(r[3]), seasons_from_text(r[4]), r[5]) for r in rows]


    async def match_reason(self, item_id: int, show: str) -> str | None:
        async with self._db.reading() as conn:
            reason = await conn.fetchval(
                "SELECT m.reason FROM item_matches m JOIN shows s ON s.id = m.show_id "
                "WHERE m.item_id = $1 AND s.title = $2", item_id, show,
            )
        return None if reason is None else str(reason)


async def _known_keys(conn: asyncpg.Connection, keys: Collection[str], now: float) -> set[str]:
    """The keys an item already has: every key, except headline keys older than HEADLINE_WINDOW."""
    if not keys:
        return set()
    rows = await conn.fetch(
        "SELECT key FROM item_keys WHERE key = ANY($1::text[]) AND (seen_at >= $2 OR left(key, $3) != $4)",
        list(keys), now - HEADLINE_WINDOW, len(HEADLINE_KEY), HEADLINE_KEY,
    )
    return {r[0] for r in rows}


async def _insert(db: PostgresDatabase, conn: asyncpg.Connection, feed_id: int | None, items: Sequence[NewItem],
                  now: float) -> list[ItemRecord]:
    """Inside the caller's transaction. Several workers may store the same story at once (two feeds of
    one outlet), so the keys are locked first (advisory, until commit, in a fixed order): whoever comes
    second waits, then sees the first one's keys and stores nothing twice."""
    keyed = [(item, item.dedup_keys(feed_id)) for item in items]
    all_keys = {key for _, keys in keyed for key in keys}
    if not all_keys:
        return []
    await conn.execute(
        "SELECT pg_advisory_xact_lock(k) FROM (SELECT unnest($1::bigint[]) AS k ORDER BY 1) AS ordered",
        db.lock_ids(all_keys),
    )
    new = first_sightings(keyed, await _known_keys(conn, all_keys, now))
    if not new:
        return []
    rows = await conn.fetch(
        "INSERT INTO items(feed_id, dedup_key, guid, link, title, summary, published_at, first_seen_at, image) "
        "SELECT $1, k, g, l, t, s, p, $8, i FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], "
        "$7::float8[], $9::text[]) WITH ORDINALITY AS u(k, g, l, t, s, p, i, n) ORDER BY n "
        "ON CONFLICT (dedup_key) DO NOTHING RETURNING id, dedup_key",
        feed_id,
        [no_nul(item.dedup_key) for item, _ in new], [no_nul(item.guid) for item, _ in new],
        [no_nul(item.link) for item, _ in new], [no_nul(item.title) for item, _ in new],
        [no_nul(item.summary) for item, _ in new], [item.published_at for item, _ in new],
        now, [no_nul(item.image) for item, _ in new],
    )
    ids = {r[1]: int(r[0]) for r in rows}
    fresh: list[ItemRecord] = []
    key_rows: list[tuple[str, int]] = []
    for item, keys in new:
        item_id = ids.pop(no_nul(item.dedup_key) or "", None)
        if item_id is not None:
            fresh.append(ItemRecord(item_id, feed_id, item.title, item.summary, item.link,
                                    item.published_at, now, item.dedup_key))
            key_rows.extend((no_nul(key) or "", item_id) for key in keys)
    if key_rows:  # (a conflict is an expired headline key: it now names the new item)
        await conn.execute(
            "INSERT INTO item_keys(key, item_id, seen_at) SELECT k, i, $3 FROM unnest($1::text[], $2::bigint[]) "
            "AS t(k, i) ON CONFLICT (key) DO UPDATE SET item_id = EXCLUDED.item_id, seen_at = EXCLUDED.seen_at",
            [k for k, _ in key_rows], [i for _, i in key_rows], now,
        )
    return fresh


async def _save_matches(conn: asyncpg.Connection, pairs: Sequence[tuple[int, ShowMatch]]) -> None:
    pairs = list({(item_id, m.show_id): (item_id, m) for item_id, m in pairs}.values())  # the last one wins
    if pairs:
        await conn.execute(
            "INSERT INTO item_matches(item_id, show_id, events, seasons, reason) "
            "SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::int[], $4::text[], $5::text[]) "
            "ON CONFLICT (item_id, show_id) DO UPDATE SET events = EXCLUDED.events, "
            "seasons = EXCLUDED.seasons, reason = EXCLUDED.reason",
            [item_id for item_id, _ in pairs], [m.show_id for _, m in pairs], [int(m.events) for _, m in pairs],
            [seasons_to_text(m.seasons) for _, m in pairs], [no_nul(m.reason) or "" for _, m in pairs],
        )

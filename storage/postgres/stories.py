"""Stories in PostgreSQL: the same tables as SQLite (stories, story_items).

Several workers may decide on the same show at once (two feeds reporting the same renewal), so
`recent` takes a transaction-level advisory lock per show (in a fixed order) before reading: the
second worker waits until the first commits, then sees the story the first one opened and joins it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

import asyncpg

from feeds.understand.records import Story, StoryDecision, StorySource, Verdict
from storage.postgres.database import PostgresDatabase
from storage.postgres.items import no_nul
from storage.story_rows import (
    STORY_COLUMNS,
    by_release,
    facts_text,
    release_bounds,
    seasons_text,
    story_from_row,
)


class PostgresStories:
    def __init__(self, db: PostgresDatabase) -> None:
        self._db = db

    async def recent(self, show_ids: Collection[int], *, since: float) -> list[Story]:
        shows = sorted(set(show_ids))
        if not shows:
            return []
        async with self._db.transaction() as conn:  # joins the caller's unit of work: the locks last until it ends
            await conn.execute(
                "SELECT pg_advisory_xact_lock(k) FROM (SELECT unnest($1::bigint[]) AS k ORDER BY 1) AS ordered",
                self._db.lock_ids(f"stories:{show}" for show in shows))
            rows = await conn.fetch(
                f"SELECT {STORY_COLUMNS} FROM stories s WHERE s.show_id = ANY($1::bigint[]) AND s.last_seen >= $2 "
                "ORDER BY s.first_seen, s.id", shows, since)
            return await _with_sources(conn, rows)

    async def save(self, decision: StoryDecision, *, item_id: int, reported_at: float) -> Story:
        story = decision.story
        async with self._db.transaction() as conn:
            linked = await conn.fetchval(
                "SELECT story_id FROM story_items WHERE item_id = $1 AND show_id = $2", item_id, story.show_id)
            if linked is not None:  # the item already reports a story for this show: it keeps it
                story_id = int(linked)
            else:
                story_id = await _write_story(conn, decision)
                await conn.execute(
                    "INSERT INTO story_items(item_id, show_id, story_id, verdict, reported_at) "
                    "VALUES ($1, $2, $3, $4, $5)", item_id, story.show_id, story_id, decision.verdict.value,
                    reported_at)
            [saved] = await _load(conn, [story_id])
            return saved

    async def get(self, story_id: int) -> Story | None:
        async with self._db.reading() as conn:
            found = await _load(conn, [story_id])
        return found[0] if found else None

    async def for_item(self, item_id: int, show_id: int) -> tuple[Story, Verdict] | None:
        async with self._db.reading() as conn:
            row = await conn.fetchrow(
                "SELECT story_id, verdict FROM story_items WHERE item_id = $1 AND show_id = $2", item_id, show_id)
            if row is None:
                return None
            found = await _load(conn, [int(row[0])])
        return (found[0], Verdict(row[1])) if found else None

    async def for_show(self, show_id: int, *, limit: int = 10, before: float | None = None) -> list[Story]:
        async with self._db.reading() as conn:
            rows = await conn.fetch(
                f"SELECT {STORY_COLUMNS} FROM stories s WHERE s.show_id = $1 AND s.first_seen < $2 "
                "ORDER BY s.first_seen DESC, s.id DESC LIMIT $3",
                show_id, before if before is not None else float("inf"), max(limit, 0))
            return await _with_sources(conn, rows)

    async def dated(self, show_ids: Collection[int] | None, *, ending_from: dt.date | None = None) -> list[Story]:
        floor = ending_from.isoformat() if ending_from else ""
        async with self._db.reading() as conn:
            if show_ids is None:
                rows = await conn.fetch(f"SELECT {STORY_COLUMNS} FROM stories s WHERE s.release_end >= $1", floor)
            else:
                rows = await conn.fetch(
                    f"SELECT {STORY_COLUMNS} FROM stories s WHERE s.release_end >= $1 "
                    "AND s.show_id = ANY($2::bigint[])", floor, sorted(set(show_ids)))
            return by_release(await _with_sources(conn, rows))


async def _write_story(conn: asyncpg.Connection, decision: StoryDecision) -> int:
    story = decision.story
    start, end = release_bounds(story)
    facts = no_nul(facts_text(story)) or "{}"
    signature = no_nul(story.signature) or ""
    if decision.verdict is Verdict.JOIN:
        if story.id is None:
            raise ValueError("a joined story carries the id of the story it joined")
        await conn.execute(
            "UPDATE stories SET facts = $1, signature = $2, first_seen = $3, last_seen = $4, release_start = $5, "
            "release_end = $6, seasons = CASE WHEN seasons = '' THEN $7 ELSE seasons END WHERE id = $8",
            facts, signature, story.first_seen, story.last_seen, start, end, seasons_text(story), story.id)
        return story.id
    return int(await conn.fetchval(
        "INSERT INTO stories(show_id, events, seasons, facts, signature, first_seen, last_seen, release_start, "
        "release_end, updates, headline, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) "
        "RETURNING id",
        story.show_id, int(story.events), seasons_text(story), facts, signature, story.first_seen, story.last_seen,
        start, end, story.updates, no_nul(story.headline) or "", story.first_seen))


async def _load(conn: asyncpg.Connection, story_ids: Sequence[int]) -> list[Story]:
    if not story_ids:
        return []
    rows = await conn.fetch(f"SELECT {STORY_COLUMNS} FROM stories s WHERE s.id = ANY($1::bigint[]) ORDER BY s.id",
                            list(story_ids))
    return await _with_sources(conn, rows)


async def _with_sources(conn: asyncpg.Connection, rows: Sequence[asyncpg.Record]) -> list[Story]:
    ids = [int(r[0]) for r in rows]
    sources: dict[int, list[StorySource]] = {i: [] for i in ids}
    if ids:
        for story_id, outlet, link, at, item_id in await conn.fetch(
            "SELECT si.story_id, COALESCE(f.title, f.url, ''), i.link, si.reported_at, si.item_id "
            "FROM story_items si JOIN items i ON i.id = si.item_id LEFT JOIN feeds f ON f.id = i.feed_id "
            "WHERE si.story_id = ANY($1::bigint[]) ORDER BY si.story_id, si.reported_at, si.item_id", ids,
        ):
            sources[int(story_id)].append(StorySource(str(outlet), link, float(at), int(item_id)))
    return [story_from_row(tuple(r), sources[int(r[0])]) for r in rows]

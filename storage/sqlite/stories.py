"""Stories in SQLite: one row per story, one row per (item, show) that reports it.

`stories.facts` holds the facts as JSON (`Facts.to_json`); the release window is also kept in two
ISO-date columns so the calendar can ask for it without reading JSON. A story's sources are its
linked items (outlet = the feed's title), in the order they reported it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import Any

import aiosqlite

from feeds.understand.records import Story, StoryDecision, StorySource, Verdict
from storage.sqlite.database import SqliteDatabase
from storage.story_rows import (
    STORY_COLUMNS,
    by_release,
    facts_text,
    release_bounds,
    seasons_text,
    story_from_row,
)

ID_CHUNK = 500  # ids per IN (…) lookup
_STORY_COLUMNS = STORY_COLUMNS


class SqliteStories:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def recent(self, show_ids: Collection[int], *, since: float) -> list[Story]:
        shows = sorted(set(show_ids))
        if not shows:
            return []
        async with self._db.reading() as conn:
            rows: list[Any] = []
            for start in range(0, len(shows), ID_CHUNK):
                chunk = shows[start:start + ID_CHUNK]
                marks = ",".join("?" for _ in chunk)
                rows.extend(await conn.execute_fetchall(
                    f"SELECT {_STORY_COLUMNS} FROM stories s WHERE s.show_id IN ({marks}) AND s.last_seen >= ?",
                    [*chunk, since]))
            stories = await _with_sources(conn, rows)
        return sorted(stories, key=lambda s: (s.first_seen, s.id or 0))

    async def save(self, decision: StoryDecision, *, item_id: int, reported_at: float) -> Story:
        story = decision.story
        async with self._db.transaction() as conn:
            linked = await conn.execute_fetchall(
                "SELECT story_id FROM story_items WHERE item_id = ? AND show_id = ?", (item_id, story.show_id))
            if linked:  # the item already reports a story for this show: it keeps it
                story_id = int(next(iter(linked))[0])
            else:
                story_id = await _write_story(conn, decision)
                await conn.execute(
                    "INSERT INTO story_items(item_id, show_id, story_id, verdict, reported_at) VALUES (?, ?, ?, ?, ?)",
                    (item_id, story.show_id, story_id, decision.verdict.value, reported_at))
            [saved] = await _load(conn, [story_id])
            return saved

    async def get(self, story_id: int) -> Story | None:
        async with self._db.reading() as conn:
            found = await _load(conn, [story_id])
        return found[0] if found else None

    async def for_item(self, item_id: int, show_id: int) -> tuple[Story, Verdict] | None:
        async with self._db.reading() as conn:
            rows = list(await conn.execute_fetchall(
                "SELECT story_id, verdict FROM story_items WHERE item_id = ? AND show_id = ?", (item_id, show_id)))
            if not rows:
                return None
            found = await _load(conn, [int(rows[0][0])])
        return (found[0], Verdict(rows[0][1])) if found else None

    async def for_show(self, show_id: int, *, limit: int = 10, before: float | None = None) -> list[Story]:
        async with self._db.reading() as conn:
            rows = await conn.execute_fetchall(
                f"SELECT {_STORY_COLUMNS} FROM stories s WHERE s.show_id = ? AND s.first_seen < ? "
                "ORDER BY s.first_seen DESC, s.id DESC LIMIT ?",
                (show_id, before if before is not None else float("inf"), max(limit, 0)))
            return await _with_sources(conn, list(rows))

    async def dated(self, show_ids: Collection[int] | None, *, ending_from: dt.date | None = None) -> list[Story]:
        floor = ending_from.isoformat() if ending_from else ""
        query = f"SELECT {_STORY_COLUMNS} FROM stories s WHERE s.release_end >= ?"
        async with self._db.reading() as conn:
            if show_ids is None:
                rows = list(await conn.execute_fetchall(query, (floor,)))
            else:
                shows = sorted(set(show_ids))
                rows = []
                for start in range(0, len(shows), ID_CHUNK):
                    chunk = shows[start:start + ID_CHUNK]
                    marks = ",".join("?" for _ in chunk)
                    rows.extend(await conn.execute_fetchall(f"{query} AND s.show_id IN ({marks})", [floor, *chunk]))
            stories = await _with_sources(conn, rows)
        return by_release(stories)


async def _write_story(conn: aiosqlite.Connection, decision: StoryDecision) -> int:
    story = decision.story
    start, end = release_bounds(story)
    values = (facts_text(story), story.signature, story.first_seen, story.last_seen, start, end)
    if decision.verdict is Verdict.JOIN:
        if story.id is None:
            raise ValueError("a joined story carries the id of the story it joined")
        await conn.execute(
            "UPDATE stories SET facts = ?, signature = ?, first_seen = ?, last_seen = ?, release_start = ?, "
            "release_end = ?, seasons = CASE WHEN seasons = '' THEN ? ELSE seasons END WHERE id = ?",
            (*values, seasons_text(story), story.id))
        return story.id
    rows = await conn.execute_fetchall(
        "INSERT INTO stories(show_id, events, seasons, facts, signature, first_seen, last_seen, release_start, "
        "release_end, updates, headline, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (story.show_id, int(story.events), seasons_text(story), *values, story.updates, story.headline,
         story.first_seen))
    return int(next(iter(rows))[0])


async def _load(conn: aiosqlite.Connection, story_ids: Sequence[int]) -> list[Story]:
    if not story_ids:
        return []
    marks = ",".join("?" for _ in story_ids)
    rows = await conn.execute_fetchall(
        f"SELECT {_STORY_COLUMNS} FROM stories s WHERE s.id IN ({marks}) ORDER BY s.id", list(story_ids))
    return await _with_sources(conn, list(rows))


async def _with_sources(conn: aiosqlite.Connection, rows: list[Any]) -> list[Story]:
    ids = [int(r[0]) for r in rows]
    sources: dict[int, list[StorySource]] = {i: [] for i in ids}
    for start in range(0, len(ids), ID_CHUNK):
        chunk = ids[start:start + ID_CHUNK]
        marks = ",".join("?" for _ in chunk)
        for story_id, outlet, link, at, item_id in await conn.execute_fetchall(
            "SELECT si.story_id, COALESCE(f.title, f.url, ''), i.link, si.reported_at, si.item_id "
            "FROM story_items si JOIN items i ON i.id = si.item_id LEFT JOIN feeds f ON f.id = i.feed_id "
            f"WHERE si.story_id IN ({marks}) ORDER BY si.story_id, si.reported_at, si.item_id", chunk,
        ):
            sources[int(story_id)].append(StorySource(str(outlet), link, float(at), int(item_id)))
    return [story_from_row(r, sources[int(r[0])]) for r in rows]

"""SQLite only: the migration that brings stories keeps every item and tells the news already stored
into stories, the way the poller now does."""

from __future__ import annotations

import sqlite3

import pytest

import storage.sqlite.database as database_module
from feeds.model import Event
from feeds.understand.records import Verdict
from storage import open_storage
from storage.sqlite.migrations import MIGRATIONS

NOW = 1_800_000_000.0
HOUR = 3600.0


async def test_news_stored_before_stories_is_told_into_stories(db_path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(database_module, "MIGRATIONS", MIGRATIONS[:5])
    async with open_storage(db_path):
        pass
    rows = [  # (item id, feed, title, published, show, events, seasons)
        (1, 1, "Netflix renews Wednesday for season 3", NOW, 1, Event.RENEWAL, "3"),
        (2, 2, "Wednesday renewed for third season at Netflix", NOW + HOUR, 1, Event.RENEWAL, "3"),
        (3, 1, "Steve Buscemi joins Wednesday season 2", NOW + 2 * HOUR, 1, Event.CASTING, "2"),
        (4, 2, "Severance season 2 premieres January 17", NOW + 3 * HOUR, 2, Event.RELEASE_DATE, "2"),
        (5, 2, "Wednesday star talks about the show", NOW + 4 * HOUR, 1, Event(0), ""),
    ]
    with sqlite3.connect(db_path) as conn:  # written as version 5 code wrote it
        conn.execute("INSERT INTO shows(id, title, title_key, created_at) VALUES (1, 'Wednesday', 'wednesday', 0), "
                     "(2, 'Severance', 'severance', 0)")
        conn.execute("INSERT INTO feeds(id, url, title, created_at) VALUES (1, 'https://d.example/feed', 'Deadline', 0), "
                     "(2, 'https://v.example/feed', 'Variety', 0)")
        for item_id, feed, title, at, show, events, seasons in rows:
            conn.execute("INSERT INTO items(id, feed_id, dedup_key, link, title, published_at, first_seen_at) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?)", (item_id, feed, f"k{item_id}", f"https://x.example/{item_id}",
                                                         title, at, at))
            conn.execute("INSERT INTO item_matches(item_id, show_id, events, seasons, reason) VALUES (?, ?, ?, ?, '')",
                         (item_id, show, int(events), seasons))
    monkeypatch.setattr(database_module, "MIGRATIONS", MIGRATIONS)
    async with open_storage(db_path) as storage:
        assert await storage.schema_version() == len(MIGRATIONS)
        assert (await storage.stats()).items == 5
        wednesday = await storage.stories.for_show(1)
        assert [(s.events, s.seasons, len(s.sources)) for s in wednesday] == [
            (Event.CASTING, (2,), 1), (Event.RENEWAL, (3,), 2)]
        renewal = wednesday[1]
        assert [s.source for s in renewal.sources] == ["Deadline", "Variety"]
        joined = await storage.stories.for_item(2, 1)
        assert joined is not None and joined[0].id == renewal.id and joined[1] is Verdict.JOIN
        assert await storage.stories.for_item(5, 1) is None  # no event, no story
        [severance] = await storage.stories.dated([2])
        assert severance.facts.release is not None and severance.facts.release.start.isoformat() == "2027-01-17"

"""The repository: the only place in showbot that speaks SQL.

One `Repository` wraps one aiosqlite connection (WAL mode, foreign keys on). Every method is a
small transaction; times are UTC epoch seconds; platform ids are stored as text."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Concatenate, ParamSpec, TypeVar

import aiosqlite

from feeds.model import CatalogShow, Event, ShowMatch
from feeds.understand.text import fold
from storage.migrations import MIGRATIONS
from storage.records import (
    FeedRecord,
    ItemRecord,
    LatestNews,
    NewItem,
    OutboxEntry,
    Stats,
    SubscriptionRecord,
)

_log = logging.getLogger(__name__)

OUTBOX_PENDING = "pending"
OUTBOX_SENT = "sent"
OUTBOX_FAILED = "failed"
OUTBOX_HELD = "held"  # the chat is paused (403): kept, not sent, until the chat is resumed


_W = TypeVar("_W")
_P = ParamSpec("_P")


def _writes(method: Callable[Concatenate[Repository, _P], Awaitable[_W]]) -> Callable[Concatenate[Repository, _P], Awaitable[_W]]:
    """Run a write method in a transaction of its own (or in the caller's, when one is open)."""

    @functools.wraps(method)
    async def wrapper(self: Repository, *args: _P.args, **kwargs: _P.kwargs) -> _W:
        async with self.transaction():
            return await method(self, *args, **kwargs)

    return wrapper


class Repository:
    """All persistent state of the bot. Open with `async with Repository.open(path) as repo`."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._write_lock = asyncio.Lock()
        self._owner: asyncio.Task[object] | None = None  # the task whose transaction is open

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """Several calls as one transaction: committed together at the end, or rolled back on an error
        (a crash in between leaves nothing half done: new items are never stored without their fan-out).
        One task writes at a time: another task's write waits for the commit, so it can neither slip
        into this transaction nor be rolled back with it. Nested use by the same task joins the outer one."""
        task = asyncio.current_task()
        if task is not None and self._owner is task:
            yield
            return
        async with self._write_lock:
            self._owner = task
            try:
                yield
            except BaseException:
                await asyncio.shield(self._conn.rollback())
                raise
            else:
                await asyncio.shield(self._conn.commit())
            finally:
                self._owner = None

    # -- lifecycle ---------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path) -> _Opener:
        return _Opener(str(path))

    async def close(self) -> None:
        try:
            await self._conn.execute("PRAGMA optimize")
        finally:
            await self._conn.close()

    async def schema_version(self) -> int:
        async with self._conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def migrate(self) -> int:
        """Apply every migration newer than the file's `user_version`. Returns the new version."""
        version = await self.schema_version()
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            _log.info("migrating database to schema version %d", number)
            await self._conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
        return len(MIGRATIONS)

    # -- catalog -----------------------------------------------------------------------------
    @_writes
    async def upsert_show(self, title: str, aliases: Iterable[str] = ()) -> int:
        """Add a show (or find it by title) and add any new aliases. Returns the show id."""
        title = " ".join(title.split())
        key = fold(title)
        if not key:
            raise ValueError("a show needs a title")
        now = time.time()
        await self._conn.execute(
            "INSERT INTO shows(title, title_key, created_at) VALUES (?, ?, ?) ON CONFLICT(title_key) DO NOTHING",
            (title, key, now),
        )
        async with self._conn.execute("SELECT id FROM shows WHERE title_key = ?", (key,)) as cur:
            row = await cur.fetchone()
        assert row is not None
        show_id = int(row[0])
        await self._insert_aliases(show_id, aliases)
        return show_id

    @_writes
    async def import_catalog(self, shows: Iterable[tuple[str, Sequence[str]]]) -> int:
        """Bulk upsert in one transaction. Returns how many shows were in the input."""
        count = 0
        now = time.time()
        for title, aliases in shows:
            title = " ".join(title.split())
            key = fold(title)
            if not key:
                continue
            await self._conn.execute(
                "INSERT INTO shows(title, title_key, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT(title_key) DO NOTHING",
                (title, key, now),
            )
            async with self._conn.execute("SELECT id FROM shows WHERE title_key = ?", (key,)) as cur:
                row = await cur.fetchone()
            assert row is not None
            await self._insert_aliases(int(row[0]), aliases)
            count += 1
        return count

    async def _insert_aliases(self, show_id: int, aliases: Iterable[str]) -> None:
        rows = [(show_id, " ".join(a.split()), fold(a)) for a in aliases if fold(a)]
        await self._conn.executemany(
            "INSERT INTO aliases(show_id, alias, alias_key) VALUES (?, ?, ?) "
            "ON CONFLICT(show_id, alias_key) DO NOTHING",
            rows,
        )

    @_writes
    async def add_alias(self, show_id: int, alias: str) -> bool:
        """True when the alias is new for that show."""
        before = self._conn.total_changes
        await self._insert_aliases(show_id, [alias])
        return self._conn.total_changes > before

    async def shows(self) -> list[CatalogShow]:
        aliases: dict[int, list[str]] = {}
        async with self._conn.execute("SELECT show_id, alias FROM aliases ORDER BY id") as cur:
            for show_id, alias in await cur.fetchall():
                aliases.setdefault(int(show_id), []).append(alias)
        async with self._conn.execute("SELECT id, title FROM shows ORDER BY title_key") as cur:
            return [CatalogShow(int(i), t, tuple(aliases.get(int(i), ()))) for i, t in await cur.fetchall()]

    async def show_count(self) -> int:
        return await self._scalar("SELECT COUNT(*) FROM shows")

    async def catalog_version(self) -> tuple[int, int]:
        """Changes whenever a show or alias is added: the matcher rebuilds when it moves."""
        async with self._conn.execute(
            "SELECT (SELECT COALESCE(MAX(id), 0) FROM shows), (SELECT COALESCE(MAX(id), 0) FROM aliases)"
        ) as cur:
            row = await cur.fetchone()
        assert row is not None
        return int(row[0]), int(row[1])

    async def show_by_id(self, show_id: int) -> CatalogShow | None:
        for show in await self._shows_where("s.id = ?", (show_id,)):
            return show
        return None

    async def find_shows(self, name: str) -> list[CatalogShow]:
        """Shows whose title or an alias folds to exactly `name`."""
        key = fold(name)
        return await self._shows_where(
            "s.title_key = ? OR s.id IN (SELECT show_id FROM aliases WHERE alias_key = ?)", (key, key)
        )

    async def _shows_where(self, where: str, args: tuple[object, ...]) -> list[CatalogShow]:
        sql = (
            "SELECT s.id, s.title, (SELECT json_group_array(alias) FROM aliases a WHERE a.show_id = s.id) "
            f"FROM shows s WHERE {where} ORDER BY s.title_key"
        )
        async with self._conn.execute(sql, args) as cur:
            return [CatalogShow(int(i), t, tuple(json.loads(a or "[]"))) for i, t, a in await cur.fetchall()]

    # -- feeds -------------------------------------------------------------------------------
    @_writes
    async def add_feed(self, url: str, *, added_by: str | None = None, next_poll_at: float = 0.0) -> bool:
        """True when the feed is new."""
        cur = await self._conn.execute(
            "INSERT INTO feeds(url, added_by, next_poll_at, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(url) DO NOTHING",
            (url, added_by, next_poll_at, time.time()),
        )
        return cur.rowcount > 0

    @_writes
    async def sync_config_feeds(self, urls: Sequence[str], first_poll_at: Sequence[float]) -> tuple[int, int]:
        """Make the configured feeds exactly `urls` (moderator-added feeds are left alone).
        Returns (added, removed)."""
        now = time.time()
        added = 0
        for url, at in zip(urls, first_poll_at, strict=True):
            cur = await self._conn.execute(
                "INSERT INTO feeds(url, added_by, origin, next_poll_at, created_at) VALUES (?, 'config', 'config', ?, ?) "
                "ON CONFLICT(url) DO NOTHING",
                (url, at, now),
            )
            added += max(cur.rowcount, 0)
        marks = ",".join("?" for _ in urls) or "''"
        cur = await self._conn.execute(
            f"DELETE FROM feeds WHERE origin = 'config' AND url NOT IN ({marks})", tuple(urls)
        )
        return added, max(cur.rowcount, 0)

    async def get_meta(self, key: str) -> str | None:
        async with self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)) as cur:
            row = await cur.fetchone()
        return str(row[0]) if row else None

    @_writes
    async def set_meta(self, key: str, value: str) -> None:
        await self._conn.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    @_writes
    async def remove_feed(self, url: str) -> bool:
        cur = await self._conn.execute("DELETE FROM feeds WHERE url = ?", (url,))
        return cur.rowcount > 0

    async def feeds(self) -> list[FeedRecord]:
        async with self._conn.execute(f"SELECT {_FEED_COLUMNS} FROM feeds ORDER BY id") as cur:
            return [FeedRecord(*row) for row in await cur.fetchall()]

    async def feed_by_url(self, url: str) -> FeedRecord | None:
        async with self._conn.execute(f"SELECT {_FEED_COLUMNS} FROM feeds WHERE url = ?", (url,)) as cur:
            row = await cur.fetchone()
        return FeedRecord(*row) if row else None

    async def due_feeds(self, now: float) -> list[FeedRecord]:
        async with self._conn.execute(
            f"SELECT {_FEED_COLUMNS} FROM feeds WHERE next_poll_at <= ? ORDER BY next_poll_at, id", (now,)
        ) as cur:
            return [FeedRecord(*row) for row in await cur.fetchall()]

    async def next_feed_due_at(self) -> float | None:
        async with self._conn.execute("SELECT MIN(next_poll_at) FROM feeds") as cur:
            row = await cur.fetchone()
        return float(row[0]) if row and row[0] is not None else None

    @_writes
    async def record_feed_success(
        self, feed_id: int, *, etag: str | None, last_modified: str | None, title: str | None,
        next_poll_at: float, now: float,
    ) -> None:
        await self._conn.execute(
            "UPDATE feeds SET etag = ?, last_modified = ?, title = COALESCE(?, title), failures = 0, "
            "last_error = NULL, last_success_at = ?, last_polled_at = ?, next_poll_at = ? WHERE id = ?",
            (etag, last_modified, title, now, now, next_poll_at, feed_id),
        )

    @_writes
    async def record_not_modified(self, rows: Sequence[tuple[int, float, float]]) -> None:
        """Feeds that answered 304: (feed id, next poll, polled at) for each, in one transaction."""
        await self._conn.executemany(
            "UPDATE feeds SET failures = 0, last_error = NULL, last_success_at = ?, last_polled_at = ?, "
            "next_poll_at = ? WHERE id = ?",
            [(at, at, next_poll_at, feed_id) for feed_id, next_poll_at, at in rows],
        )

    @_writes
    async def record_feed_failure(self, feed_id: int, *, error: str, next_poll_at: float, now: float) -> None:
        await self._conn.execute(
            "UPDATE feeds SET failures = failures + 1, last_error = ?, last_polled_at = ?, next_poll_at = ? "
            "WHERE id = ?",
            (error[:500], now, next_poll_at, feed_id),
        )

    # -- items and matches -------------------------------------------------------------------
    @_writes
    async def insert_items(self, feed_id: int | None, items: Sequence[NewItem], now: float) -> list[ItemRecord]:
        """Store the items not seen before (by dedup key) and return those, in input order.
        Multi-row INSERT … RETURNING: one round trip per 200 items, not one per item."""
        fresh: list[ItemRecord] = []
        for start in range(0, len(items), _ITEM_CHUNK):
            chunk = items[start:start + _ITEM_CHUNK]
            rows = ", ".join("(?, ?, ?, ?, ?, ?, ?, ?)" for _ in chunk)
            params = [value for item in chunk for value in (
                feed_id, item.dedup_key, item.guid, item.link, item.title, item.summary, item.published_at, now)]
            async with self._conn.execute(
                "INSERT INTO items(feed_id, dedup_key, guid, link, title, summary, published_at, first_seen_at) "
                f"VALUES {rows} ON CONFLICT(dedup_key) DO NOTHING RETURNING id, dedup_key",
                params,
            ) as cur:
                ids = {key: int(item_id) for item_id, key in await cur.fetchall()}
            for item in chunk:
                item_id = ids.pop(item.dedup_key, None)  # pop: a key twice in one feed is stored once
                if item_id is not None:
                    fresh.append(ItemRecord(item_id, feed_id, item.title, item.summary, item.link,
                                            item.published_at, now, item.dedup_key))
        return fresh

    async def unseen_keys(self, keys: Sequence[str]) -> set[str]:
        """The dedup keys no stored item has (so only new items are matched)."""
        unseen = set(keys)
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            marks = ",".join("?" for _ in chunk)
            async with self._conn.execute(f"SELECT dedup_key FROM items WHERE dedup_key IN ({marks})", chunk) as cur:
                unseen.difference_update([key for (key,) in await cur.fetchall()])
        return unseen

    async def store_new_items(
        self, feed_id: int | None, items: Sequence[NewItem], matches: Mapping[str, Sequence[ShowMatch]], now: float,
    ) -> tuple[list[ItemRecord], int]:
        """New items, their matches and their fan-out, in one transaction and a handful of round trips.
        `matches` maps an item's dedup key to what the matcher said. Returns (stored items, rows queued)."""
        async with self.transaction():
            fresh = await self.insert_items(feed_id, items, now)
            pairs = [(record.id, match) for record in fresh for match in matches.get(record.dedup_key, ())]
            await self.save_matches_many(pairs)
            queued = await self.enqueue_matches(pairs, now)
        return fresh, queued

    async def save_matches(self, item_id: int, matches: Sequence[ShowMatch]) -> None:
        await self.save_matches_many([(item_id, m) for m in matches])

    @_writes
    async def save_matches_many(self, pairs: Sequence[tuple[int, ShowMatch]]) -> None:
        if pairs:
            await self._conn.executemany(
                "INSERT INTO item_matches(item_id, show_id, events, seasons, reason) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(item_id, show_id) DO UPDATE SET events = excluded.events, "
                "seasons = excluded.seasons, reason = excluded.reason",
                [(item_id, m.show_id, int(m.events), ",".join(map(str, m.seasons)), m.reason) for item_id, m in pairs],
            )

    async def latest_for_show(self, show_id: int, *, limit: int = 5, with_events_only: bool = False) -> list[LatestNews]:
        where = "AND m.events != 0" if with_events_only else ""
        async with self._conn.execute(
            "SELECT i.title, i.link, COALESCE(i.published_at, i.first_seen_at), m.events, m.seasons, "
            "COALESCE(f.title, f.url) FROM item_matches m JOIN items i ON i.id = m.item_id "
            f"LEFT JOIN feeds f ON f.id = i.feed_id WHERE m.show_id = ? {where} "
            "ORDER BY COALESCE(i.published_at, i.first_seen_at) DESC, i.id DESC LIMIT ?",
            (show_id, limit),
        ) as cur:
            return [LatestNews(t, link, float(at), Event(ev), _seasons(s), src) for t, link, at, ev, s, src in await cur.fetchall()]

    # -- subscriptions -----------------------------------------------------------------------
    @_writes
    async def subscribe(self, sub: SubscriptionRecord) -> bool:
        """Create or update (events, role) a subscription. True when it is new."""
        async with self._conn.execute(
            "SELECT id FROM subscriptions WHERE platform = ? AND kind = ? AND chat_id = ? "
            "AND COALESCE(show_id, 0) = COALESCE(?, 0)",
            (sub.platform, sub.kind, sub.chat_id, sub.show_id),
        ) as cur:
            row = await cur.fetchone()
        if row:
            await self._conn.execute(
                "UPDATE subscriptions SET events = ?, role_id = ?, guild_id = COALESCE(?, guild_id) WHERE id = ?",
                (int(sub.events), sub.role_id, sub.guild_id, row[0]),
            )
        else:
            await self._conn.execute(
                "INSERT INTO subscriptions(platform, kind, chat_id, guild_id, user_id, role_id, show_id, events, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (sub.platform, sub.kind, sub.chat_id, sub.guild_id, sub.user_id, sub.role_id, sub.show_id,
                 int(sub.events), time.time()),
            )
        return row is None

    @_writes
    async def unsubscribe(self, platform: str, kind: str, chat_id: str, show_id: int | None) -> bool:
        cur = await self._conn.execute(
            "DELETE FROM subscriptions WHERE platform = ? AND kind = ? AND chat_id = ? "
            "AND COALESCE(show_id, 0) = COALESCE(?, 0)",
            (platform, kind, chat_id, show_id),
        )
        return cur.rowcount > 0

    async def subscriptions(self, platform: str, kind: str, chat_id: str) -> list[SubscriptionRecord]:
        async with self._conn.execute(
            f"SELECT {_SUB_COLUMNS} FROM subscriptions s LEFT JOIN shows sh ON sh.id = s.show_id "
            "WHERE s.platform = ? AND s.kind = ? AND s.chat_id = ? ORDER BY sh.title_key",
            (platform, kind, chat_id),
        ) as cur:
            return [_subscription(row) for row in await cur.fetchall()]

    async def subscriptions_in_guild(self, platform: str, guild_id: str) -> list[SubscriptionRecord]:
        async with self._conn.execute(
            f"SELECT {_SUB_COLUMNS} FROM subscriptions s LEFT JOIN shows sh ON sh.id = s.show_id "
            "WHERE s.platform = ? AND s.guild_id = ? AND s.kind = 'channel' ORDER BY s.chat_id, sh.title_key",
            (platform, guild_id),
        ) as cur:
            return [_subscription(row) for row in await cur.fetchall()]

    async def count_subscriptions(self, platform: str, kind: str, chat_id: str) -> int:
        return await self._scalar(
            "SELECT COUNT(*) FROM subscriptions WHERE platform = ? AND kind = ? AND chat_id = ?",
            (platform, kind, chat_id),
        )

    # -- mutes and paused chats -------------------------------------------------------------
    @_writes
    async def mute(self, platform: str, guild_id: str, show_id: int) -> bool:
        cur = await self._conn.execute(
            "INSERT INTO mutes(platform, guild_id, show_id, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            (platform, guild_id, show_id, time.time()),
        )
        return cur.rowcount > 0

    @_writes
    async def unmute(self, platform: str, guild_id: str, show_id: int) -> bool:
        cur = await self._conn.execute(
            "DELETE FROM mutes WHERE platform = ? AND guild_id = ? AND show_id = ?", (platform, guild_id, show_id)
        )
        return cur.rowcount > 0

    async def muted_shows(self, platform: str, guild_id: str) -> list[str]:
        async with self._conn.execute(
            "SELECT s.title FROM mutes m JOIN shows s ON s.id = m.show_id WHERE m.platform = ? AND m.guild_id = ? "
            "ORDER BY s.title_key",
            (platform, guild_id),
        ) as cur:
            return [t for (t,) in await cur.fetchall()]

    @_writes
    async def pause_chat(self, platform: str, chat_id: str, reason: str) -> None:
        """A chat the platform refuses (403): hold its pending notifications and stop fanning out to it."""
        await self._conn.execute(
            "INSERT INTO paused_chats(platform, chat_id, reason, paused_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(platform, chat_id) DO UPDATE SET reason = excluded.reason",
            (platform, chat_id, reason[:300], time.time()),
        )
        await self._conn.execute(
            "UPDATE outbox SET status = 'held' WHERE platform = ? AND chat_id = ? AND status = 'pending'",
            (platform, chat_id),
        )

    @_writes
    async def resume_chat(self, platform: str, chat_id: str) -> bool:
        cur = await self._conn.execute(
            "DELETE FROM paused_chats WHERE platform = ? AND chat_id = ?", (platform, chat_id)
        )
        await self._conn.execute(
            "UPDATE outbox SET status = 'pending', next_attempt_at = 0 WHERE platform = ? AND chat_id = ? "
            "AND status = 'held'",
            (platform, chat_id),
        )
        return cur.rowcount > 0

    async def migrate_chat(self, platform: str, old_chat_id: str, new_chat_id: str) -> None:
        """A chat got a new id (a Telegram group upgraded to a supergroup): move its subscriptions,
        mutes and not-yet-sent notifications over, in one transaction."""
        async with self.transaction():
            await self._conn.execute(
                "UPDATE OR IGNORE subscriptions SET chat_id = ?, guild_id = CASE WHEN guild_id = ? THEN ? ELSE guild_id END "
                "WHERE platform = ? AND chat_id = ?",
                (new_chat_id, old_chat_id, new_chat_id, platform, old_chat_id),
            )
            await self._conn.execute("DELETE FROM subscriptions WHERE platform = ? AND chat_id = ?", (platform, old_chat_id))
            await self._conn.execute(
                "UPDATE OR IGNORE mutes SET guild_id = ? WHERE platform = ? AND guild_id = ?",
                (new_chat_id, platform, old_chat_id),
            )
            await self._conn.execute(
                "UPDATE OR IGNORE outbox SET chat_id = ? WHERE platform = ? AND chat_id = ? AND status IN ('pending', 'held')",
                (new_chat_id, platform, old_chat_id),
            )

    async def paused_chats(self, platform: str | None = None) -> list[tuple[str, str, str, float]]:
        async with self._conn.execute(
            "SELECT platform, chat_id, reason, paused_at FROM paused_chats WHERE ? IS NULL OR platform = ? "
            "ORDER BY paused_at",
            (platform, platform),
        ) as cur:
            return [(p, c, r, float(at)) for p, c, r, at in await cur.fetchall()]

    # -- fan-out and outbox ------------------------------------------------------------------
    async def enqueue_for_match(self, item_id: int, match: ShowMatch, now: float) -> int:
        """Fan one match out (see enqueue_matches). Returns rows added."""
        return await self.enqueue_matches([(item_id, match)], now)

    @_writes
    async def enqueue_matches(self, pairs: Sequence[tuple[int, ShowMatch]], now: float) -> int:
        """Fan matches out: an outbox row for every recipient whose show and event filter match, minus
        paused chats and guild mutes, and never a second row for the same recipient and story (the
        first match of a story wins). One INSERT … SELECT over the covering subscriptions index: no
        Python loop over subscriptions. Returns rows added."""
        pairs = [(item_id, m) for item_id, m in pairs if m.events]
        if not pairs:
            return 0
        if len(pairs) == 1:  # the common case: one statement, no ordering needed
            item_id, match = pairs[0]
            cur = await self._conn.execute(
                f"""
                INSERT INTO outbox(platform, kind, chat_id, role_id, item_id, show_id, status, created_at)
                SELECT s.platform, s.kind, s.chat_id, s.role_id, :item, :show, 'pending', :now
                FROM subscriptions s
                WHERE (s.show_id = :show OR s.show_id IS NULL) AND (s.events & :events) != 0
                  AND {_reachable("s", ":show")}
                ON CONFLICT(item_id, platform, kind, chat_id) DO NOTHING
                """,
                {"item": item_id, "show": match.show_id, "events": int(match.events), "now": now},
            )
            return max(cur.rowcount, 0)
        added = 0
        for start in range(0, len(pairs), 200):
            chunk = pairs[start:start + 200]
            values = ", ".join("(?, ?, ?, ?)" for _ in chunk)
            params: list[object] = [v for n, (item_id, m) in enumerate(chunk, start)
                                    for v in (n, item_id, m.show_id, int(m.events))]
            before = self._conn.total_changes  # (cursor.rowcount is -1 for a statement that starts WITH)
            await self._conn.execute(
                f"""
                WITH m(ord, item_id, show_id, events) AS (VALUES {values}),
                candidates AS (
                    SELECT m.ord, m.item_id, m.show_id, s.platform, s.kind, s.chat_id, s.guild_id, s.role_id
                    FROM m JOIN subscriptions s ON s.show_id = m.show_id WHERE (s.events & m.events) != 0
                    UNION ALL
                    SELECT m.ord, m.item_id, m.show_id, s.platform, s.kind, s.chat_id, s.guild_id, s.role_id
                    FROM m JOIN subscriptions s ON s.show_id IS NULL WHERE (s.events & m.events) != 0
                )
                INSERT INTO outbox(platform, kind, chat_id, role_id, item_id, show_id, status, created_at)
                SELECT c.platform, c.kind, c.chat_id, c.role_id, c.item_id, c.show_id, 'pending', ?
                FROM candidates c
                WHERE {_reachable("c", "c.show_id")}
                ORDER BY c.ord
                ON CONFLICT(item_id, platform, kind, chat_id) DO NOTHING
                """,
                [*params, now],
            )
            added += self._conn.total_changes - before
        return added

    async def recipients_for(self, show_id: int, events: Event) -> list[tuple[str, str, str]]:
        """(platform, kind, chat_id) of everyone a match of `show_id` with `events` would reach."""
        async with self._conn.execute(
            f"""
            SELECT DISTINCT s.platform, s.kind, s.chat_id FROM subscriptions s
            WHERE (s.show_id = :show OR s.show_id IS NULL) AND (s.events & :events) != 0
              AND {_reachable("s", ":show")}
            """,
            {"show": show_id, "events": int(events)},
        ) as cur:
            return [(p, k, c) for p, k, c in await cur.fetchall()]

    async def pending_outbox(self, *, now: float, platforms: Sequence[str], limit: int = 200) -> list[OutboxEntry]:
        """Notifications due for delivery on these platforms, oldest story first."""
        if not platforms:
            return []
        marks = ",".join("?" for _ in platforms)
        async with self._conn.execute(
            f"""
            WITH waiting AS MATERIALIZED (  -- per chat, the first row rescheduled for later (429, 5xx)
                SELECT platform, kind, chat_id, MIN(id) AS first_id FROM outbox
                WHERE status = 'pending' AND next_attempt_at > ? GROUP BY platform, kind, chat_id
            )
            SELECT o.id, o.platform, o.kind, o.chat_id, o.role_id, o.attempts, o.item_id, i.title, i.link,
                   i.summary, COALESCE(i.published_at, i.first_seen_at), COALESCE(f.title, f.url),
                   sh.title, m.events, m.seasons, m.reason
            FROM outbox o
            JOIN items i ON i.id = o.item_id
            JOIN shows sh ON sh.id = o.show_id
            JOIN item_matches m ON m.item_id = o.item_id AND m.show_id = o.show_id
            LEFT JOIN feeds f ON f.id = i.feed_id
            LEFT JOIN waiting w ON w.platform = o.platform AND w.kind = o.kind AND w.chat_id = o.chat_id
            WHERE o.status = 'pending' AND o.next_attempt_at <= ? AND o.platform IN ({marks})
              AND (w.first_id IS NULL OR o.id < w.first_id)  -- a chat's rows go in order: none overtakes it
            ORDER BY o.id
            LIMIT ?
            """,
            (now, now, *platforms, limit),
        ) as cur:
            return [
                OutboxEntry(
                    id=r[0], platform=r[1], kind=r[2], chat_id=r[3], role_id=r[4], attempts=r[5], item_id=r[6],
                    title=r[7], link=r[8], summary=r[9], published_at=float(r[10]), source=r[11], show=r[12],
                    events=Event(r[13]), seasons=_seasons(r[14]), reason=r[15],
                )
                for r in await cur.fetchall()
            ]

    async def next_outbox_due_at(self, platforms: Sequence[str]) -> float | None:
        if not platforms:
            return None
        marks = ",".join("?" for _ in platforms)
        async with self._conn.execute(
            # a chat's rows go in order, so the first of each chat says when that chat can send again
            # (SQLite: a bare column next to MIN() comes from the row holding the minimum)
            "SELECT MIN(head_next) FROM (SELECT next_attempt_at AS head_next, MIN(id) FROM outbox "
            f"INDEXED BY outbox_pending WHERE status = 'pending' AND platform IN ({marks}) "
            "GROUP BY platform, kind, chat_id)",
            tuple(platforms),
        ) as cur:
            row = await cur.fetchone()
        return float(row[0]) if row and row[0] is not None else None

    @_writes
    async def mark_sent(self, outbox_id: int, now: float) -> None:
        await self._conn.execute(
            "UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?",
            (now, outbox_id),
        )

    @_writes
    async def mark_retry(self, outbox_id: int, *, error: str, next_attempt_at: float) -> None:
        await self._conn.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?",
            (error[:500], next_attempt_at, outbox_id),
        )

    @_writes
    async def mark_failed(self, outbox_id: int, *, error: str) -> None:
        await self._conn.execute(
            "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?",
            (error[:500], outbox_id),
        )

    @_writes
    async def prune_outbox(self, *, older_than: float) -> int:
        """Delete sent and failed notifications created before `older_than`. Pending and held rows
        (not yet delivered) are never deleted. Returns how many rows went."""
        cur = await self._conn.execute(
            "DELETE FROM outbox WHERE status IN ('sent', 'failed') AND created_at < ?", (older_than,)
        )
        return max(cur.rowcount, 0)

    async def outbox_counts(self) -> dict[str, int]:
        async with self._conn.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status") as cur:
            return {s: int(n) for s, n in await cur.fetchall()}

    async def stats(self) -> Stats:
        counts = await self.outbox_counts()
        return Stats(
            shows=await self._scalar("SELECT COUNT(*) FROM shows"),
            feeds=await self._scalar("SELECT COUNT(*) FROM feeds"),
            failing_feeds=await self._scalar("SELECT COUNT(*) FROM feeds WHERE failures > 0"),
            items=await self._scalar("SELECT COUNT(*) FROM items"),
            matched_items=await self._scalar("SELECT COUNT(DISTINCT item_id) FROM item_matches WHERE events != 0"),
            subscriptions=await self._scalar("SELECT COUNT(*) FROM subscriptions"),
            subscribers=await self._scalar(
                "SELECT COUNT(*) FROM (SELECT DISTINCT platform, kind, chat_id FROM subscriptions)"
            ),
            paused_chats=await self._scalar("SELECT COUNT(*) FROM paused_chats"),
            sent=counts.get(OUTBOX_SENT, 0),
            pending=counts.get(OUTBOX_PENDING, 0),
            failed=counts.get(OUTBOX_FAILED, 0),
            held=counts.get(OUTBOX_HELD, 0),
        )

    async def _scalar(self, sql: str, args: tuple[object, ...] = ()) -> int:
        async with self._conn.execute(sql, args) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row and row[0] is not None else 0


_ITEM_CHUNK = 200


def _reachable(row: str, show: str) -> str:
    """The fan-out rule in one place: the chat of subscription `row` is not paused and its server or
    group has not muted `show`."""
    return (f"NOT EXISTS (SELECT 1 FROM paused_chats p WHERE p.platform = {row}.platform AND p.chat_id = {row}.chat_id) "
            f"AND NOT EXISTS (SELECT 1 FROM mutes u WHERE u.platform = {row}.platform AND u.guild_id = {row}.guild_id "
            f"AND u.show_id = {show})")




_FEED_COLUMNS = (
    "id, url, title, etag, last_modified, failures, last_error, last_success_at, last_polled_at, next_poll_at"
)
_SUB_COLUMNS = "s.id, s.platform, s.kind, s.chat_id, s.guild_id, s.user_id, s.role_id, s.show_id, sh.title, s.events"


def _subscription(row: Sequence[object]) -> SubscriptionRecord:
    return SubscriptionRecord(
        id=int(row[0]),  # type: ignore[arg-type]
        platform=str(row[1]), kind=str(row[2]), chat_id=str(row[3]),
        guild_id=row[4] and str(row[4]), user_id=row[5] and str(row[5]), role_id=row[6] and str(row[6]),
        show_id=None if row[7] is None else int(row[7]),  # type: ignore[arg-type]
        show=None if row[8] is None else str(row[8]),
        events=Event(int(row[9])),  # type: ignore[arg-type]
    )


def _seasons(text: str | None) -> tuple[int, ...]:
    return tuple(int(s) for s in (text or "").split(",") if s.strip().isdigit())


def _ensure_folder(path: str) -> None:
    Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)


class _Opener:
    """`async with Repository.open(path)`: connect, set pragmas, migrate; close on exit."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._repo: Repository | None = None

    async def _connect(self) -> Repository:
        if self._path != ":memory:":
            await asyncio.to_thread(_ensure_folder, self._path)
        conn = await aiosqlite.connect(self._path)
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA synchronous = NORMAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute("PRAGMA busy_timeout = 5000")
        await conn.execute("PRAGMA cache_size = -32768")  # 32 MB: fan-out writes touch many index pages
        repo = Repository(conn)
        await repo.migrate()
        return repo

    def __await__(self):  # type: ignore[no-untyped-def]
        return self._connect().__await__()

    async def __aenter__(self) -> Repository:
        self._repo = await self._connect()
        return self._repo

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._repo is not None:
            await self._repo.close()

    def __repr__(self) -> str:
        return f"Repository.open({self._path!r})"



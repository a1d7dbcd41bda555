"""Versioned SQLite schema. Each entry upgrades the database by one `PRAGMA user_version`: an SQL
script, or a coroutine for a step SQL alone cannot do (it runs inside the step's transaction).

Never edit a migration that has shipped: append a new one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import aiosqlite

from feeds.model import NewItem

Migration = str | Callable[[aiosqlite.Connection], Awaitable[None]]


async def _v4_item_keys_and_removed_feeds(conn: aiosqlite.Connection) -> None:
    """4: every key an item is known by (dedup must not trust the guid alone: a feed that changes an
    item's guid still serves the same link and headline), filled in for the items already stored; and
    the configured feeds a moderator removed, so they don't come back at the next start."""
    # one statement at a time: executescript would commit the step's transaction first
    await conn.execute("""
        CREATE TABLE item_keys (
            key TEXT PRIMARY KEY,
            item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            seen_at REAL NOT NULL
        ) WITHOUT ROWID
    """)
    await conn.execute("""
        CREATE TABLE removed_feeds (
            url TEXT PRIMARY KEY,
            removed_by TEXT,
            removed_at REAL NOT NULL
        )
    """)
    last = 0
    while rows := list(await conn.execute_fetchall(
        "SELECT id, feed_id, dedup_key, guid, link, title, first_seen_at FROM items WHERE id > ? ORDER BY id LIMIT 5000",
        (last,),
    )):
        keys: list[tuple[str, int, float]] = []
        for item_id, feed_id, dedup_key, guid, link, title, seen_at in rows:
            item = NewItem(title, guid=guid, link=link)
            keys.extend((key, item_id, seen_at) for key in (dedup_key, *item.dedup_keys(feed_id)[1:]))
        await conn.executemany(
            "INSERT INTO item_keys(key, item_id, seen_at) VALUES (?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET item_id = excluded.item_id, seen_at = excluded.seen_at",
            keys,
        )
        last = int(rows[-1][0])


MIGRATIONS: tuple[Migration, ...] = (
    # 1: the whole first schema
    """
    CREATE TABLE shows (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL,
        title_key TEXT NOT NULL UNIQUE,
        created_at REAL NOT NULL
    );
    CREATE TABLE aliases (
        id INTEGER PRIMARY KEY,
        show_id INTEGER NOT NULL REFERENCES shows(id) ON DELETE CASCADE,
        alias TEXT NOT NULL,
        alias_key TEXT NOT NULL,
        UNIQUE (show_id, alias_key)
    );
    CREATE INDEX aliases_key ON aliases(alias_key);

    CREATE TABLE feeds (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        title TEXT,
        etag TEXT,
        last_modified TEXT,
        failures INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        last_success_at REAL,
        last_polled_at REAL,
        next_poll_at REAL NOT NULL DEFAULT 0,
        added_by TEXT,
        created_at REAL NOT NULL
    );
    CREATE INDEX feeds_due ON feeds(next_poll_at);

    CREATE TABLE items (
        id INTEGER PRIMARY KEY,
        feed_id INTEGER REFERENCES feeds(id) ON DELETE SET NULL,
        dedup_key TEXT NOT NULL UNIQUE,
        guid TEXT,
        link TEXT,
        title TEXT NOT NULL,
        summary TEXT NOT NULL DEFAULT '',
        published_at REAL,
        first_seen_at REAL NOT NULL
    );

    CREATE TABLE item_matches (
        item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
        show_id INTEGER NOT NULL REFERENCES shows(id) ON DELETE CASCADE,
        events INTEGER NOT NULL,
        seasons TEXT NOT NULL DEFAULT '',
        reason TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (item_id, show_id)
    );
    CREATE INDEX item_matches_show ON item_matches(show_id, item_id);

    CREATE TABLE subscriptions (
        id INTEGER PRIMARY KEY,
        platform TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('user', 'channel')),
        chat_id TEXT NOT NULL,
        guild_id TEXT,
        user_id TEXT,
        role_id TEXT,
        show_id INTEGER REFERENCES shows(id) ON DELETE CASCADE,
        events INTEGER NOT NULL,
        created_at REAL NOT NULL
    );
    CREATE UNIQUE INDEX subscriptions_unique
        ON subscriptions(platform, kind, chat_id, COALESCE(show_id, 0));
    CREATE INDEX subscriptions_show ON subscriptions(show_id);

    CREATE TABLE mutes (
        platform TEXT NOT NULL,
        guild_id TEXT NOT NULL,
        show_id INTEGER NOT NULL REFERENCES shows(id) ON DELETE CASCADE,
        created_at REAL NOT NULL,
        PRIMARY KEY (platform, guild_id, show_id)
    );

    CREATE TABLE paused_chats (
        platform TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        reason TEXT NOT NULL,
        paused_at REAL NOT NULL,
        PRIMARY KEY (platform, chat_id)
    );

    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        platform TEXT NOT NULL,
        kind TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        role_id TEXT,
        item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
        show_id INTEGER NOT NULL REFERENCES shows(id) ON DELETE CASCADE,
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'held')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at REAL NOT NULL DEFAULT 0,
        last_error TEXT,
        created_at REAL NOT NULL,
        sent_at REAL,
        UNIQUE (platform, kind, chat_id, item_id)
    );
    CREATE INDEX outbox_pending ON outbox(status, next_attempt_at);
    """,
    # 2: small key/value facts about this database (e.g. whether the console default was set up)
    """
    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    ALTER TABLE feeds ADD COLUMN origin TEXT NOT NULL DEFAULT 'moderator';
    """,
    # 3: fan-out speed. The outbox's unique key starts with the item, so one story's rows sit together
    #    (the key grows at its end instead of landing on a page per recipient), and subscriptions are
    #    covered by one index for the fan-out query. No per-chat outbox index: each would cost a random
    #    page write per recipient, and pausing a chat only looks among pending rows.
    """
    CREATE TABLE outbox_v3 (
        id INTEGER PRIMARY KEY,
        platform TEXT NOT NULL,
        kind TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        role_id TEXT,
        item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
        show_id INTEGER NOT NULL REFERENCES shows(id) ON DELETE CASCADE,
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'held')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at REAL NOT NULL DEFAULT 0,
        last_error TEXT,
        created_at REAL NOT NULL,
        sent_at REAL,
        UNIQUE (item_id, platform, kind, chat_id)
    );
    INSERT INTO outbox_v3 SELECT id, platform, kind, chat_id, role_id, item_id, show_id, status, attempts,
        next_attempt_at, last_error, created_at, sent_at FROM outbox;
    DROP TABLE outbox;
    ALTER TABLE outbox_v3 RENAME TO outbox;
    CREATE INDEX outbox_pending ON outbox(status, next_attempt_at);
    DROP INDEX subscriptions_show;
    CREATE INDEX subscriptions_fanout ON subscriptions(show_id, events, platform, kind, chat_id, guild_id, role_id);
    """,
    _v4_item_keys_and_removed_feeds,
    # 5: the web side. Panel sign-in links and sessions, stored by the SHA-256 of their tokens (a copy
    #    of the database holds no usable link); a chat's calendar token; the bot's WebSub subscriptions,
    #    one per feed (no foreign key: a removed feed's subscription is still needed to unsubscribe).
    """
    CREATE TABLE panel_links (
        token_hash TEXT PRIMARY KEY,
        grant_json TEXT NOT NULL,
        created_at REAL NOT NULL,
        expires_at REAL NOT NULL,
        used_at REAL
    );
    CREATE TABLE panel_sessions (
        session_hash TEXT PRIMARY KEY,
        grant_json TEXT NOT NULL,
        created_at REAL NOT NULL,
        expires_at REAL NOT NULL,
        ended_at REAL
    );
    CREATE TABLE calendar_tokens (
        platform TEXT NOT NULL,
        kind TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        token TEXT NOT NULL UNIQUE,
        created_at REAL NOT NULL,
        PRIMARY KEY (platform, kind, chat_id)
    );
    CREATE TABLE push_subscriptions (
        feed_id INTEGER PRIMARY KEY,
        feed_url TEXT NOT NULL,
        hub TEXT NOT NULL,
        topic TEXT NOT NULL,
        callback_id TEXT NOT NULL UNIQUE,
        secret TEXT,
        state TEXT NOT NULL CHECK (state IN ('requested', 'active', 'denied', 'failed', 'unsubscribing')),
        requested_at REAL NOT NULL,
        lease_seconds INTEGER,
        expires_at REAL,
        renew_at REAL,
        last_error TEXT,
        last_push_at REAL
    );
    """,
    # 6: several workers. A feed's lease (who polls it, until when) and a chat's claim (who delivers to
    #    it, until when); one SQLite process uses them alone, kept uniform with PostgreSQL.
    """
    ALTER TABLE feeds ADD COLUMN lease_owner TEXT;
    ALTER TABLE feeds ADD COLUMN lease_until REAL;
    CREATE TABLE chat_claims (
        platform TEXT NOT NULL,
        kind TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        owner TEXT NOT NULL,
        until REAL NOT NULL,
        PRIMARY KEY (platform, kind, chat_id)
    );
    CREATE INDEX chat_claims_owner ON chat_claims(owner);
    """,
)

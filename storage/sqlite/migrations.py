"""Versioned SQLite schema. Each entry upgrades the database by one `PRAGMA user_version`: an SQL
script, or a coroutine for a step SQL alone cannot do (it runs inside the step's transaction).

Never edit a migration that has shipped: append a new one."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

import aiosqlite

from feeds.model import Event, NewItem, ShowMatch

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


_V6_SCHEMA = (
    """
    CREATE TABLE stories (
        id INTEGER PRIMARY KEY,
        show_id INTEGER NOT NULL REFERENCES shows(id) ON DELETE CASCADE,
        events INTEGER NOT NULL,
        seasons TEXT NOT NULL DEFAULT '',
        facts TEXT NOT NULL DEFAULT '{}',
        signature TEXT NOT NULL DEFAULT '',
        headline TEXT NOT NULL DEFAULT '',
        first_seen REAL NOT NULL,
        last_seen REAL NOT NULL,
        updates INTEGER REFERENCES stories(id) ON DELETE SET NULL,
        release_start TEXT,
        release_end TEXT,
        created_at REAL NOT NULL
    )
    """,
    "CREATE INDEX stories_show ON stories(show_id, last_seen)",
    "CREATE INDEX stories_show_first ON stories(show_id, first_seen)",
    "CREATE INDEX stories_release ON stories(release_end) WHERE release_end IS NOT NULL",
    """
    CREATE TABLE story_items (
        item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
        show_id INTEGER NOT NULL REFERENCES shows(id) ON DELETE CASCADE,
        story_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
        verdict TEXT NOT NULL CHECK (verdict IN ('new', 'join', 'update')),
        reported_at REAL NOT NULL,
        PRIMARY KEY (item_id, show_id)
    )
    """,
    "CREATE INDEX story_items_story ON story_items(story_id, reported_at)",
)


async def _v6_stories(conn: aiosqlite.Connection) -> None:
    """6: stories — one piece of news about one show, and the items that report it. The news already
    stored is told into stories the way the poller now does it, oldest first, so /latest and the
    calendar start with the history instead of an empty page."""
    from feeds.understand.stories import Report, StoryBook  # the parsers load only when migrating

    for statement in _V6_SCHEMA:
        await conn.execute(statement)
    book = StoryBook()
    links: list[tuple[int, int, str, float]] = []  # (item, show, verdict, reported at); story ids from the book
    story_of: list[int] = []
    last = (-1.0, 0, 0)
    while rows := list(await conn.execute_fetchall(
        """
        SELECT COALESCE(i.published_at, i.first_seen_at) AS at, i.id, m.show_id, i.title, i.summary, i.link,
               COALESCE(f.title, f.url, ''), sh.title, m.events, m.seasons, m.reason, i.first_seen_at
        FROM item_matches m JOIN items i ON i.id = m.item_id JOIN shows sh ON sh.id = m.show_id
        LEFT JOIN feeds f ON f.id = i.feed_id
        WHERE m.events != 0 AND (COALESCE(i.published_at, i.first_seen_at), i.id, m.show_id) > (?, ?, ?)
        ORDER BY 1, 2, 3 LIMIT 2000
        """, last,
    )):
        for at, item_id, show_id, title, summary, link, outlet, show, events, seasons, reason, seen in rows:
            when = min(float(at), float(seen))  # a feed's future date is not trusted over when it was seen
            seasons_t = tuple(int(x) for x in str(seasons or "").split(",") if x.strip().isdigit())
            match = ShowMatch(int(show_id), str(show), Event(int(events)), seasons_t, str(reason or ""))
            decision = book.add(Report(str(title), str(summary or ""), link, str(outlet), when, int(item_id)), match)
            links.append((int(item_id), int(show_id), decision.verdict.value, when))
            story_of.append(decision.story.id or 0)
        last = (float(rows[-1][0]), int(rows[-1][1]), int(rows[-1][2]))
    for story in book.stories:
        release = story.facts.release
        await conn.execute(
            "INSERT INTO stories(id, show_id, events, seasons, facts, signature, headline, first_seen, last_seen, "
            "updates, release_start, release_end, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (story.id, story.show_id, int(story.events), ",".join(map(str, story.seasons)),
             json.dumps(story.facts.to_json(), ensure_ascii=False, sort_keys=True), story.signature, story.headline,
             story.first_seen, story.last_seen, story.updates, release.start.isoformat() if release else None,
             release.end.isoformat() if release else None, story.first_seen))
    await conn.executemany(
        "INSERT INTO story_items(item_id, show_id, story_id, verdict, reported_at) VALUES (?, ?, ?, ?, ?)",
        [(item, show, story, verdict, at) for (item, show, verdict, at), story in zip(links, story_of, strict=True)])


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
    _v6_stories,
    # 7: each chat's own choices: the language it reads and the time zone it lives in
    """
    CREATE TABLE chat_preferences (
        platform TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        language TEXT,
        timezone TEXT,
        platform_language TEXT,
        updated_at REAL NOT NULL,
        PRIMARY KEY (platform, chat_id)
    );
    """,
    # 8: a show's TVmaze id, when it came from there: the stable id a re-import finds it by
    """
    ALTER TABLE shows ADD COLUMN tvmaze_id INTEGER;
    CREATE UNIQUE INDEX shows_tvmaze ON shows(tvmaze_id) WHERE tvmaze_id IS NOT NULL;
    """,
    # 9: several workers. A feed's lease (who polls it, until when) and a chat's claim (who delivers to
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
    # 10: how each subscription's news is delivered (which events ring, a daily or weekly digest at a local
    #    hour, quiet hours, a Telegram forum topic or Discord thread), and each item's image
    """
    ALTER TABLE subscriptions ADD COLUMN ping_events INTEGER;
    ALTER TABLE subscriptions ADD COLUMN digest TEXT CHECK (digest IN ('daily', 'weekly'));
    ALTER TABLE subscriptions ADD COLUMN digest_hour INTEGER NOT NULL DEFAULT 9;
    ALTER TABLE subscriptions ADD COLUMN digest_weekday INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE subscriptions ADD COLUMN quiet_start INTEGER;
    ALTER TABLE subscriptions ADD COLUMN quiet_end INTEGER;
    ALTER TABLE subscriptions ADD COLUMN thread_id TEXT;
    ALTER TABLE items ADD COLUMN image TEXT;
    """,
)

"""The storage ports: what the core may ask of storage, one small Protocol per aggregate, and the
`Storage` that bundles them with a unit of work.

The core (bot/) depends on these and on the records only; which backend implements them is chosen
once, by the composition root, through `storage.open_storage`. Every backend passes the same
contract suite (tests/storage/).

Consistency every backend keeps:
- every write is a transaction of its own, or joins the unit of work the calling task has open
  (`async with storage.transaction(): ...`): all of it is committed together or none of it;
- a read sees committed data only (never another task's unfinished transaction), except inside the
  calling task's own unit of work, where it also sees that unit's own writes;
- times are UTC epoch seconds; platform ids are text."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from feeds.model import CatalogShow, Event, FeedRecord, ItemRecord, NewItem, ShowMatch
from feeds.understand.records import Story, StoryDecision, Verdict
from storage.records import (
    ChatPreferences,
    DeliveryOptions,
    LatestNews,
    OutboxEntry,
    PanelGrant,
    PanelSession,
    PushSubscription,
    RecentNotification,
    Stats,
    SubscriptionRecord,
)


class CatalogStore(Protocol):
    """Shows and their aliases."""

    async def upsert_show(self, title: str, aliases: Iterable[str] = (), *, tvmaze_id: int | None = None) -> int:
        """Add a show (or find it by title) and add any new aliases. Returns the show id. With `tvmaze_id`,
        the show with that TVmaze id is the one found (its title left as it is), else the title's show
        takes that id; ShowConflict when the title's show already has another TVmaze id."""
        ...

    async def show_by_tvmaze(self, tvmaze_id: int) -> CatalogShow | None:
        """The catalog's show with that TVmaze id."""
        ...

    async def import_catalog(self, shows: Iterable[tuple[str, Sequence[str]]]) -> int:
        """Upsert many shows in one transaction. Returns how many shows were in the input."""
        ...

    async def add_alias(self, show_id: int, alias: str) -> bool:
        """True when the alias is new for that show."""
        ...

    async def shows(self) -> list[CatalogShow]:
        """Every show with its aliases, by folded title."""
        ...

    async def show_count(self) -> int: ...

    async def catalog_version(self) -> tuple[int, int]:
        """Moves whenever a show or an alias is added (the matcher is rebuilt when it moves)."""
        ...

    async def show_by_id(self, show_id: int) -> CatalogShow | None: ...

    async def find_shows(self, name: str) -> list[CatalogShow]:
        """Shows whose title or an alias folds to exactly `name`."""
        ...


class FeedStore(Protocol):
    """The feed list, each feed's health and its poll schedule."""

    async def add_feed(self, url: str, *, added_by: str | None = None, next_poll_at: float = 0.0) -> bool:
        """True when the feed is new. Adding a configured feed a moderator removed brings it back."""
        ...

    async def remove_feed(self, url: str, *, removed_by: str | None = None) -> bool:
        """True when the feed was there. A configured feed removed here stays removed across restarts."""
        ...

    async def sync_config_feeds(self, urls: Sequence[str], first_poll_at: Sequence[float]) -> tuple[int, int]:
        """Make the configured feeds exactly `urls`, except those a moderator removed (moderator-added
        feeds are left alone). Returns (added, removed)."""
        ...

    async def all(self) -> list[FeedRecord]:
        """Every feed, by id."""
        ...

    async def feed_by_url(self, url: str) -> FeedRecord | None: ...

    async def due_feeds(self, now: float) -> list[FeedRecord]:
        """Feeds whose next poll is at or before `now`, soonest first."""
        ...

    async def next_feed_due_at(self) -> float | None:
        """When the next feed is due and free (a feed another worker holds is due when its lease ends)."""
        ...

    async def claim_due_feeds(self, now: float, *, worker: str, lease: float, limit: int = 1000) -> list[FeedRecord]:
        """Due feeds no other worker holds, soonest first, leased to `worker` until `now + lease`: several
        workers poll each feed once between them, and a worker that dies loses its feeds when the lease
        ends. Recording the poll's outcome (success, 304, failure) or `release_feeds` ends the lease."""
        ...

    async def release_feeds(self, worker: str, feed_ids: Sequence[int] | None = None) -> None:
        """Give back `worker`'s leases (all, or these feeds): they are due again for anyone at once."""
        ...

    async def record_feed_success(
        self, feed_id: int, *, etag: str | None, last_modified: str | None, title: str | None,
        next_poll_at: float, now: float,
    ) -> None: ...

    async def record_not_modified(self, rows: Sequence[tuple[int, float, float]]) -> None:
        """Feeds that answered 304: (feed id, next poll, polled at) for each, in one transaction."""
        ...

    async def record_feed_failure(self, feed_id: int, *, error: str, next_poll_at: float, now: float) -> None: ...


class ItemStore(Protocol):
    """Feed items and what the matcher said about them."""

    async def insert_items(self, feed_id: int | None, items: Sequence[NewItem], now: float) -> list[ItemRecord]:
        """Store the items not seen before and return those, in input order. An item is seen before
        when any of its `dedup_keys` is known: the same guid, the same link and headline, or the same
        headline in the same feed within HEADLINE_WINDOW of `now`."""
        ...

    async def unseen(self, feed_id: int | None, items: Sequence[NewItem], now: float) -> list[NewItem]:
        """The items `insert_items` would store at `now` (so only those are matched), in input order."""
        ...

    async def store_new_items(
        self, feed_id: int | None, items: Sequence[NewItem], matches: Mapping[str, Sequence[ShowMatch]], now: float,
    ) -> tuple[list[ItemRecord], int]:
        """New items, their matches and their fan-out to the outbox, in one transaction. `matches` maps
        an item's dedup key to what the matcher said. Returns (stored items, outbox rows queued)."""
        ...

    async def save_matches(self, item_id: int, matches: Sequence[ShowMatch]) -> None: ...

    async def save_matches_many(self, pairs: Sequence[tuple[int, ShowMatch]]) -> None: ...

    async def latest_for_show(
        self, show_id: int, *, limit: int = 5, with_events_only: bool = False
    ) -> list[LatestNews]: ...

    async def match_reason(self, item_id: int, show: str) -> str | None:
        """Why the matcher said item `item_id` is news about the show titled `show` (its stored
        reason), or None when no such match is kept."""
        ...


class StoryStore(Protocol):
    """Stories: one piece of news about one show, and the items that report it. What an item is
    (join, update, new) is decided by `feeds.understand.stories.decide`; this keeps the result.

    Deciding and saving happen inside one unit of work (`async with storage.transaction()`), and in
    it `recent` gives the caller those shows' stories alone until it ends (SQLite's single writer;
    a per-show lock where writers run in parallel), so two reports of the same news arriving at
    once never both open a story."""

    async def recent(self, show_ids: Collection[int], *, since: float) -> list[Story]:
        """The stories of these shows last reported at or after `since`, oldest first, with their
        sources: what `decide` compares a new report with."""
        ...

    async def save(self, decision: StoryDecision, *, item_id: int, reported_at: float) -> Story:
        """Keep what `decide` said about one item (for the decision's show): a new story or an update is
        inserted and gets its id, a joined story is rewritten, and the item is linked to the story
        with its verdict and the time it reported it. An item already linked for that show keeps its
        first story. Returns the story as stored, sources included."""
        ...

    async def get(self, story_id: int) -> Story | None: ...

    async def for_item(self, item_id: int, show_id: int) -> tuple[Story, Verdict] | None:
        """The story an item reports for a show, and the verdict that put it there."""
        ...

    async def for_show(self, show_id: int, *, limit: int = 10, before: float | None = None) -> list[Story]:
        """A show's stories, latest first (by first report); `before` pages back (first report earlier
        than it)."""
        ...

    async def dated(self, show_ids: Collection[int] | None, *, ending_from: dt.date | None = None) -> list[Story]:
        """Stories that announced a release window, of these shows (None: every show), whose window
        ends on or after `ending_from` (None: all), by window start: the release calendar."""
        ...


class AudienceStore(Protocol):
    """Who listens: subscriptions, server mutes, chats the platform refuses (paused)."""

    async def subscribe(self, sub: SubscriptionRecord) -> bool:
        """Create or update (events, role) a subscription. True when it is new."""
        ...

    async def unsubscribe(self, platform: str, kind: str, chat_id: str, show_id: int | None) -> bool: ...

    async def set_options(self, platform: str, kind: str, chat_id: str, show_id: int | None,
                          options: DeliveryOptions) -> bool:
        """Replace how a subscription's news is delivered. False when there is no such subscription
        (a new subscription starts with the options its record carries)."""
        ...

    async def options_for(self, platform: str, kind: str, chat_id: str, show_id: int) -> DeliveryOptions | None:
        """How news of `show_id` reaches that chat: the options of its own subscription to the show when
        it has one, else those of its "every show" one; None when it follows neither."""
        ...

    async def subscriptions(self, platform: str, kind: str, chat_id: str) -> list[SubscriptionRecord]: ...

    async def subscriptions_in_guild(self, platform: str, guild_id: str) -> list[SubscriptionRecord]: ...

    async def count_subscriptions(self, platform: str, kind: str, chat_id: str) -> int: ...

    async def recipients_for(self, show_id: int, events: Event) -> list[tuple[str, str, str]]:
        """(platform, kind, chat_id) of everyone a match of `show_id` with `events` would reach now (paused
        chats and muted servers left out)."""
        ...

    async def mute(self, platform: str, guild_id: str, show_id: int) -> bool: ...

    async def unmute(self, platform: str, guild_id: str, show_id: int) -> bool: ...

    async def muted_shows(self, platform: str, guild_id: str) -> list[str]: ...

    async def pause_chat(self, platform: str, chat_id: str, reason: str) -> None:
        """A chat the platform refuses (403): its pending notifications are held, and so is the news that
        comes while it is paused."""
        ...

    async def resume_chat(self, platform: str, chat_id: str) -> bool:
        """The chat is reachable again: fan-out resumes, held notifications are due at once.
        True when it was paused."""
        ...

    async def migrate_chat(self, platform: str, old_chat_id: str, new_chat_id: str) -> None:
        """A chat got a new id (a Telegram group became a supergroup): its subscriptions, mutes and
        undelivered notifications move over, in one transaction."""
        ...

    async def paused_chats(self, platform: str | None = None) -> list[tuple[str, str, str, float]]:
        """(platform, chat_id, reason, paused_at), oldest first."""
        ...


class OutboxStore(Protocol):
    """Notifications written before anything is sent, then marked sent, retried or failed."""

    async def enqueue_matches(self, pairs: Sequence[tuple[int, ShowMatch]], now: float) -> int:
        """Fan (item id, match) pairs out: a row for every recipient whose show and event filter match and
        whose server has not muted the show, never a second row for the same recipient and item. A paused
        chat's row is held (sent when the chat is resumed). Returns rows added (held ones included)."""
        ...

    async def enqueue_for_match(self, item_id: int, match: ShowMatch, now: float) -> int: ...

    async def pending_outbox(self, *, now: float, platforms: Sequence[str], limit: int = 200) -> list[OutboxEntry]:
        """Rows due on these platforms, oldest first; a chat's row never overtakes an earlier row of
        that chat that is waiting for a retry."""
        ...

    async def next_outbox_due_at(self, platforms: Sequence[str]) -> float | None: ...

    async def claim_outbox(self, *, now: float, platforms: Sequence[str], worker: str, lease: float,
                           limit: int = 200) -> list[OutboxEntry]:
        """What `pending_outbox` gives, but only from chats `worker` claims now: a chat is claimed by one
        worker at a time (until `now + lease`, or its release), so its rows go out in order from one
        place, and a worker that dies loses its chats when the lease ends."""
        ...

    async def renew_outbox_claims(self, *, worker: str, now: float, lease: float) -> None:
        """Extend `worker`'s live chat claims to `now + lease` (a long delivery pass keeps its chats)."""
        ...

    async def release_outbox(self, *, worker: str, now: float, cooldown: float = 0.0) -> None:
        """End `worker`'s chat claims; another worker may take a released chat `cooldown` seconds later
        (the platform's per-chat interval, so a handover never sends faster than one worker would)."""
        ...

    async def mark_sent(self, outbox_id: int, now: float) -> None: ...

    async def mark_retry(self, outbox_id: int, *, error: str, next_attempt_at: float) -> None: ...

    async def mark_failed(self, outbox_id: int, *, error: str) -> None: ...

    async def prune_outbox(self, *, older_than: float) -> int:
        """Forget sent and failed rows created before `older_than` (never pending or held ones)."""
        ...

    async def outbox_counts(self) -> dict[str, int]:
        """Rows per status: pending, sent, failed, held."""
        ...


class PreferenceStore(Protocol):
    """Each chat's own choices (language, time zone), by (platform, chat id): a person's DM is their
    user id, a channel or group its chat id."""

    async def preferences(self, platform: str, chat_id: str) -> ChatPreferences:
        """What the chat chose (every field None when it chose nothing)."""
        ...

    async def set_language(self, platform: str, chat_id: str, language: str | None) -> None:
        """Choose a language (None: back to the platform's)."""
        ...

    async def set_timezone(self, platform: str, chat_id: str, timezone: str | None) -> None:
        """Choose a time zone (None: back to UTC)."""
        ...

    async def set_platform_language(self, platform: str, chat_id: str, language: str | None) -> None:
        """Note the language the platform says the chat uses (Telegram's language_code, Discord's
        locale), for notifications when the chat chose none."""
        ...


class MetaStore(Protocol):
    """Small facts about this database (e.g. that the console default was set up once)."""

    async def get_meta(self, key: str) -> str | None: ...

    async def set_meta(self, key: str, value: str) -> None: ...


class PanelStore(Protocol):
    """What the web side keeps: panel sign-in links and sessions (only hashes of their tokens),
    chats' calendar tokens, and the panel's read views of one server, group or chat."""

    async def save_login_link(self, token_hash: str, grant: PanelGrant, *, expires_at: float, now: float) -> None: ...

    async def redeem_login_link(self, token_hash: str, *, now: float) -> PanelGrant | None:
        """The link's grant, spending the link: None when it is unknown, spent or expired."""
        ...

    async def save_panel_session(self, session_hash: str, grant: PanelGrant, *, expires_at: float,
                                 now: float) -> None: ...

    async def panel_session(self, session_hash: str, *, now: float) -> PanelSession | None:
        """The live session (not ended, not expired), or None."""
        ...

    async def end_panel_session(self, session_hash: str, *, now: float) -> bool: ...

    async def prune_panel_auth(self, *, now: float) -> int:
        """Forget expired links and sessions. Returns how many went."""
        ...

    async def calendar_token(self, platform: str, kind: str, chat_id: str, *, new: str | None = None) -> str | None:
        """The chat's calendar token; with `new`, set (or replace) it to `new` first."""
        ...

    async def calendar_chat(self, token: str) -> tuple[str, str, str] | None:
        """(platform, kind, chat_id) of the chat whose calendar token this is."""
        ...

    async def recent_notifications(self, platform: str, chats: Sequence[tuple[str, str]], *,
                                   limit: int = 50) -> list[RecentNotification]:
        """The newest notifications to these (kind, chat_id) recipients, any status, newest first."""
        ...

    async def delivery_counts(self, platform: str, chats: Sequence[tuple[str, str]]) -> dict[str, int]:
        """Notifications to these (kind, chat_id) recipients per status."""
        ...


class PushStore(Protocol):
    """The storage port of WebSub subscriptions (one per feed)."""

    async def push_subscriptions(self) -> list[PushSubscription]: ...

    async def push_subscription(self, callback_id: str) -> PushSubscription | None: ...

    async def save_push_subscription(self, sub: PushSubscription) -> None:
        """Create or replace the feed's subscription (one per feed)."""
        ...

    async def delete_push_subscription(self, feed_id: int) -> None: ...


class CoordinationStore(Protocol):
    """What several workers on one database share besides the data: send slots (a platform's global
    rate limit holds for all of them together) and leadership (one worker does what only one may)."""

    async def reserve_slot(self, key: str, *, interval: float) -> float:
        """Reserve the next send slot of `key` (slots at least `interval` seconds apart, counted across every
        worker). Returns how many seconds to wait before using it."""
        ...

    async def try_lead(self, role: str) -> bool:
        """Become the one worker holding `role` (e.g. reading Telegram updates); True when this worker holds it
        now. Held until `release_lead` or until this worker's connection to the database ends."""
        ...

    async def still_leading(self, role: str) -> bool:
        """False once the leadership is lost (released, or the database connection behind it broke)."""
        ...

    async def release_lead(self, role: str) -> None: ...


class Storage(Protocol):
    """Every aggregate of one database, and the unit of work that spans them."""

    @property
    def catalog(self) -> CatalogStore: ...

    @property
    def feeds(self) -> FeedStore: ...

    @property
    def items(self) -> ItemStore: ...

    @property
    def stories(self) -> StoryStore: ...

    @property
    def audience(self) -> AudienceStore: ...

    @property
    def outbox(self) -> OutboxStore: ...

    @property
    def meta(self) -> MetaStore: ...

    @property
    def preferences(self) -> PreferenceStore: ...

    @property
    def panel(self) -> PanelStore: ...

    @property
    def push(self) -> PushStore: ...

    @property
    def coordination(self) -> CoordinationStore: ...

    @property
    def location(self) -> str:
        """Where the data lives, for messages (a file path, or a URL without its password)."""
        ...

    @property
    def several_workers(self) -> bool:
        """True when several processes may run the bot on this database at once (PostgreSQL); False for a
        single-process database (SQLite: a second process is refused)."""
        ...

    def transaction(self) -> AbstractAsyncContextManager[None]:
        """A unit of work: the calling task's writes inside it (on any aggregate) are committed together
        at the end, or rolled back together on an error. Nested use by the same task joins the outer one."""
        ...

    async def stats(self) -> Stats:
        """Counts across every aggregate, for /stats."""
        ...

    async def migrate(self) -> int:
        """Bring the schema up to date. Returns the version now. Raises SchemaTooNew (and changes nothing)
        when the database is newer than this code."""
        ...

    async def schema_version(self) -> int: ...

    async def close(self) -> None: ...

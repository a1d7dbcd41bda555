"""Plain records the repository returns and accepts: no SQL, no behaviour."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from feeds.model import Event


@dataclass(frozen=True, slots=True)
class NewItem:
    """A feed entry about to be stored. `dedup_key`: guid, else link, else a hash of the title."""

    title: str
    summary: str = ""
    guid: str | None = None
    link: str | None = None
    published_at: float | None = None

    @property
    def dedup_key(self) -> str:
        if self.guid and self.guid.strip():
            return "guid:" + self.guid.strip()
        if self.link and self.link.strip():
            return "link:" + self.link.strip()
        digest = hashlib.sha256(" ".join(self.title.split()).casefold().encode()).hexdigest()[:32]
        return "title:" + digest


@dataclass(frozen=True, slots=True)
class ItemRecord:
    id: int
    feed_id: int | None
    title: str
    summary: str
    link: str | None
    published_at: float | None
    first_seen_at: float
    dedup_key: str = ""


@dataclass(frozen=True, slots=True)
class FeedRecord:
    id: int
    url: str
    title: str | None
    etag: str | None
    last_modified: str | None
    failures: int
    last_error: str | None
    last_success_at: float | None
    last_polled_at: float | None
    next_poll_at: float


@dataclass(frozen=True, slots=True)
class SubscriptionRecord:
    """Who (platform + user or channel), which show (None = every show), which events."""

    platform: str
    kind: str  # "user" (delivered privately) or "channel" (a Discord channel, a Telegram group)
    chat_id: str
    show_id: int | None
    events: Event
    guild_id: str | None = None
    user_id: str | None = None
    role_id: str | None = None
    show: str | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """One pending notification for one recipient, joined with the story and the match it is about."""

    id: int
    platform: str
    kind: str
    chat_id: str
    role_id: str | None
    attempts: int
    item_id: int
    title: str
    link: str | None
    summary: str
    published_at: float
    source: str | None
    show: str
    events: Event
    seasons: tuple[int, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class LatestNews:
    title: str
    link: str | None
    at: float
    events: Event
    seasons: tuple[int, ...]
    source: str | None


@dataclass(frozen=True, slots=True)
class Stats:
    shows: int
    feeds: int
    failing_feeds: int
    items: int
    matched_items: int
    subscriptions: int
    subscribers: int
    paused_chats: int
    sent: int
    pending: int
    failed: int
    held: int

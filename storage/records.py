"""Records only storage and the core share: no SQL, no behaviour. The records feeds/ shares too
(NewItem, ItemRecord, FeedRecord) live in feeds/model.py, the leaf both build on."""

from __future__ import annotations

from dataclasses import dataclass

from feeds.model import Event


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

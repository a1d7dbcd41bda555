"""Records only storage and the core share: no SQL, no behaviour. The records feeds/ shares too
(NewItem, ItemRecord, FeedRecord) live in feeds/model.py, the leaf both build on."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from feeds.model import Event


class Audience(enum.StrEnum):
    """Who a subscription delivers to (stored as its value)."""

    USER = "user"  # the subscriber, privately (a DM)
    CHANNEL = "channel"  # a Discord channel, a Telegram group: everyone there


@dataclass(frozen=True, slots=True)
class ChatPreferences:
    """What a chat (a person's DM, a channel, a group) chose for itself; None: not chosen."""

    language: str | None = None  # a code the bot speaks ("ko"), chosen with /language
    timezone: str | None = None  # an IANA zone ("Asia/Seoul"): every time shown, digests, quiet hours
    platform_language: str | None = None  # the language the platform last said the chat uses (not chosen)


class Digest(enum.StrEnum):
    """How often a digest gathers a subscription's news instead of one message per story."""

    DAILY = "daily"
    WEEKLY = "weekly"


@dataclass(frozen=True, slots=True)
class DeliveryOptions:
    """How a subscription's news reaches its chat. Hours and minutes are the chat's local time
    (its /timezone); weekday 0 is Monday."""

    ping: Event | None = None  # the events that notify (sound, the role mention); None: all; Event(0): silent
    digest: Digest | None = None  # None: each story as it comes
    digest_hour: int = 9
    digest_weekday: int = 0
    quiet_start: int | None = None  # minute of the day quiet hours start (None: no quiet hours)
    quiet_end: int | None = None  # minute of the day they end (may be after midnight: 23:00-07:00)
    thread_id: str | None = None  # a channel subscription's Telegram forum topic or Discord thread

    def pings(self, events: Event) -> bool:
        """Whether news with `events` notifies (rings, mentions the role) or arrives silently."""
        return self.ping is None or bool(self.ping & events)

    @property
    def has_quiet_hours(self) -> bool:
        return self.quiet_start is not None and self.quiet_end is not None and self.quiet_start != self.quiet_end


@dataclass(frozen=True, slots=True)
class SubscriptionRecord:
    """Who (platform + user or channel), which show (None = every show), which events. A per-show
    subscription wins over the same chat's "every show" one (events 0: every show but this one)."""

    platform: str
    kind: str  # an Audience: "user" (delivered privately) or "channel" (a Discord channel, a Telegram group)
    chat_id: str
    show_id: int | None
    events: Event
    guild_id: str | None = None
    user_id: str | None = None
    role_id: str | None = None
    show: str | None = None
    id: int | None = None
    options: DeliveryOptions = DeliveryOptions()


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
    show_id: int | None = None
    image: str | None = None  # the item's picture


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
    stories: int = 0


@dataclass(frozen=True, slots=True)
class PanelGrant:
    """Who asked for a panel link, and where: enough to act in the panel as they would in that chat.
    `chat_admin` is what the platform said when they asked (Telegram group admin, Discord Manage
    Server or moderator role); bot owners are recognised from the settings, not from here."""

    platform: str
    user_id: str
    chat_id: str
    group: bool  # asked in a server channel or a group (else in a private chat)
    guild_id: str | None = None  # the Discord server; for a Telegram group, the group's chat id
    chat_admin: bool = False
    name: str = ""
    chat_title: str = ""
    chat_type: str = ""  # the command layer's kind of chat ("private", "group", "console"); "" = from `group`
    language: str = ""  # the platform's language hint when the link was asked for

    @property
    def scope_id(self) -> str:
        """The server, group or private chat the panel manages."""
        return (self.guild_id or self.chat_id) if self.group else self.user_id

    @property
    def scope_label(self) -> str:
        if self.chat_type == "console":
            return "this bot (the console)"
        if not self.group:
            return f"{self.platform} private chat {self.user_id}"
        kind = "server" if self.platform == "discord" else "group"
        return f"{self.platform} {kind} {self.chat_title or self.scope_id}"


@dataclass(frozen=True, slots=True)
class PanelSession:
    grant: PanelGrant
    created_at: float
    expires_at: float


class PushState(enum.Enum):
    REQUESTED = "requested"  # asked; the hub has not verified yet
    ACTIVE = "active"  # verified: news comes by push
    DENIED = "denied"  # the hub said no (or stopped the subscription)
    FAILED = "failed"  # the hub refused the request or never verified it
    UNSUBSCRIBING = "unsubscribing"  # we asked to stop; waiting for the hub's verification


@dataclass(frozen=True, slots=True)
class PushSubscription:
    feed_id: int
    feed_url: str
    hub: str
    topic: str
    callback_id: str
    secret: str | None
    state: PushState
    requested_at: float
    lease_seconds: int | None = None
    expires_at: float | None = None
    renew_at: float | None = None
    last_error: str | None = None
    last_push_at: float | None = None


@dataclass(frozen=True, slots=True)
class RecentNotification:
    """One notification the panel lists: to whom, in what state, about which story and why."""

    id: int
    kind: str
    chat_id: str
    status: str  # pending, sent, failed, held
    created_at: float
    sent_at: float | None
    last_error: str | None
    title: str
    link: str | None
    published_at: float
    source: str | None
    show: str
    events: Event
    seasons: tuple[int, ...]
    reason: str
    item_id: int = 0
    show_id: int = 0


@dataclass(frozen=True, slots=True)
class DigestEntry:
    """A notification gathered for a digest: who gets it, how, when the digest goes, what it tells."""

    outbox_id: int
    platform: str
    kind: str
    chat_id: str
    role_id: str | None
    silent: bool
    thread_id: str | None
    due_at: float
    entry: OutboxEntry  # the notification as the outbox row told it

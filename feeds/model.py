"""The words feeds/, storage/ and bot/ share: events, what the matcher says about an item, and the
feed and item records the poller hands to storage. A leaf: it imports nothing of showbot's, so
feeds/, storage/ and bot/ all build on it and nothing imports upward."""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit


class Event(enum.IntFlag):
    """A kind of news a subscriber can ask for. Stored as a bit mask."""

    RENEWAL = 1
    CANCELLATION = 2
    RELEASE_DATE = 4
    TRAILER = 8
    CASTING = 16
    PRODUCTION = 32

    @property
    def slug(self) -> str:
        return (self.name or "").lower()

    @classmethod
    def all(cls) -> Event:
        mask = cls(0)
        for member in cls:
            mask |= member
        return mask

    @classmethod
    def from_slug(cls, slug: str) -> Event:
        key = slug.strip().lower().replace("-", "_").replace(" ", "_")
        aliases = {"renewed": "renewal", "cancelled": "cancellation", "canceled": "cancellation",
                   "cancel": "cancellation", "release": "release_date", "date": "release_date",
                   "premiere": "release_date", "trailers": "trailer", "teaser": "trailer",
                   "cast": "casting", "filming": "production", "all": "all"}
        key = aliases.get(key, key)
        if key == "all":
            return cls.all()
        try:
            return cls[key.upper()]
        except KeyError:
            raise ValueError(f"unknown event {slug!r}; events are: {', '.join(EVENT_SLUGS)}") from None

    @classmethod
    def parse_list(cls, text: str) -> Event:
        """'renewal, trailer' -> mask. Empty text means every event."""
        parts = [p for p in text.replace(",", " ").split() if p]
        if not parts:
            return cls.all()
        mask = cls(0)
        for part in parts:
            mask |= cls.from_slug(part)
        return mask

    def slugs(self) -> list[str]:
        return [m.slug for m in Event if m in self]


NO_EVENT = Event(0)
EVENT_SLUGS: tuple[str, ...] = tuple(m.name.lower() for m in Event if m.name)


@dataclass(frozen=True, slots=True)
class CatalogShow:
    """A show as the matcher sees it: an id, its title and aliases in any script."""

    id: int
    title: str
    aliases: tuple[str, ...] = ()
    tvmaze_id: int | None = None  # the show's id on TVmaze, when it came from there (a stable id)


@dataclass(frozen=True, slots=True)
class ShowMatch:
    """One show an item is about: which events it announces, which season, and why."""

    show_id: int
    show: str
    events: Event = NO_EVENT
    seasons: tuple[int, ...] = ()
    reason: str = ""
    spans: tuple[tuple[int, int], ...] = field(default=(), compare=False)

    @property
    def season(self) -> int | None:
        return self.seasons[0] if self.seasons else None

    def to_json(self) -> dict[str, object]:
        return {"show": self.show, "events": sorted(self.events.slugs()), "season": self.season,
                "reason": self.reason}


# -- items and feeds: what the poller reads from a feed and storage keeps ---------------------------
HEADLINE_KEY = "ft:"  # the prefix of the "same headline in the same feed" dedup key
HEADLINE_WINDOW = 30 * 86400.0  # that key counts this long: a headline a feed repeats a month later is news
TRACKING_PARAMS = frozenset({"fbclid", "gclid", "mc_cid", "mc_eid", "ref", "cmpid", "ncid", "taid", "traffic_source"})


def normal_link(link: str) -> str:
    """A link as dedup compares it: no scheme (http and https are one page), host lower-cased without
    `www.` or a default port, no fragment, no tracking parameters (utm_*, fbclid …), no trailing slash."""
    try:
        parts = urlsplit(link.strip())
        port = parts.port
    except ValueError:
        return " ".join(link.split())
    host = (parts.hostname or "").removeprefix("www.")
    if port is not None and port not in (80, 443):
        host = f"{host}:{port}"
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMS))
    return urlunsplit(("", host, parts.path.rstrip("/") or "/", query, ""))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def normal_title(title: str) -> str:
    return " ".join(title.split()).casefold()


@dataclass(frozen=True, slots=True)
class NewItem:
    """A feed entry about to be stored. `dedup_key`: guid, else link, else a hash of the title."""

    title: str
    summary: str = ""
    guid: str | None = None
    link: str | None = None
    published_at: float | None = None
    image: str | None = None  # the story's picture (media:content, media:thumbnail, an image enclosure)

    @property
    def dedup_key(self) -> str:
        if self.guid and self.guid.strip():
            return "guid:" + self.guid.strip()
        if self.link and self.link.strip():
            return "link:" + self.link.strip()
        return "title:" + _digest(normal_title(self.title))

    def dedup_keys(self, feed_id: int | None) -> tuple[str, ...]:
        """Every key under which this item counts as already seen: its `dedup_key`; its normalised link
        together with its headline (a feed that changes an item's guid still serves the same link and
        headline); and its headline within the same feed, for HEADLINE_WINDOW (a feed that changes guid
        and link). A link alone is never a key: some feeds give every item the same link."""
        keys = [self.dedup_key]
        title = normal_title(self.title)
        if self.link and self.link.strip():
            keys.append("lt:" + _digest(normal_link(self.link) + "\n" + title))
        if feed_id is not None and title:
            keys.append(f"{HEADLINE_KEY}{feed_id}:" + _digest(title))
        return tuple(keys)


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

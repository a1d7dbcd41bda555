"""The words feeds/, storage/ and bot/ share: events and what the matcher says about an item."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


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

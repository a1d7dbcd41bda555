"""The records of news understanding that storage keeps and the bot renders: release windows, the
facts that tell news apart, stories and the decisions that make them. Plain frozen records with
small pure methods; no parsing here (dates.py, facts.py and stories.py do that), so storage and
the bot can import them without the parsers' libraries."""

from __future__ import annotations

import calendar
import datetime as dt
import enum
from dataclasses import dataclass, field

from feeds.model import NO_EVENT, Event

__all__ = [
    "ChangeKind", "Facts", "Precision", "ReleaseWindow", "Story", "StoryChange", "StoryDecision", "StorySource",
    "TrailerConflict", "TrailerId", "TrailerKind", "Verdict", "WindowChange",
]


# -- release windows ---------------------------------------------------------------------------------
class Precision(enum.Enum):
    """How exactly a window is known, finest first."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    SEASON = "season"  # a season of the year, a half, a quarter, "early 2027"
    YEAR = "year"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {p: i for i, p in enumerate(Precision)}


class WindowChange(enum.Enum):
    """How a newly reported window relates to the one a story already has."""

    SAME = "same"  # the same date, or a vaguer one that includes it: nothing new
    REFINED = "refined"  # a finer date inside the old window: "fall 2027" -> "September 14, 2027"
    MOVED = "moved"  # a different date


@dataclass(frozen=True, slots=True)
class ReleaseWindow:
    """When something is released: first and last possible day (inclusive), how exactly, and the
    words it was read from."""

    start: dt.date
    end: dt.date
    precision: Precision
    text: str = ""

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"release window ends before it starts: {self.start} .. {self.end}")

    def contains(self, other: ReleaseWindow) -> bool:
        return self.start <= other.start and other.end <= self.end

    def change_to(self, new: ReleaseWindow, *, slack_days: int = 0) -> WindowChange:
        """What a later report's window says about this one. `slack_days`: day dates this close
        count as the same (outlets in other time zones)."""
        if (self.precision is Precision.DAY and new.precision is Precision.DAY
                and abs((new.start - self.start).days) <= slack_days):
            return WindowChange.SAME
        if (new.start, new.end) == (self.start, self.end) or new.contains(self):
            return WindowChange.SAME
        if self.contains(new):
            return WindowChange.REFINED
        return WindowChange.MOVED

    def describe(self) -> str:
        """'August 6, 2026', 'March 2027', 'fall 2027', '2027', 'week of May 4, 2026'."""
        match self.precision:
            case Precision.DAY:
                return f"{calendar.month_name[self.start.month]} {self.start.day}, {self.start.year}"
            case Precision.WEEK:
                return f"week of {calendar.month_name[self.start.month]} {self.start.day}, {self.start.year}"
            case Precision.MONTH:
                return f"{calendar.month_name[self.start.month]} {self.start.year}"
            case Precision.SEASON:
                return _describe_span(self.start, self.end)
            case Precision.YEAR:
                if (self.start.month, self.start.day, self.end.month, self.end.day) == (1, 1, 12, 31):
                    return str(self.start.year)
                return _describe_span(self.start, self.end)

    def to_json(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(),
                "precision": self.precision.value, "text": self.text}

    @classmethod
    def from_json(cls, data: dict[str, str]) -> ReleaseWindow:
        return cls(dt.date.fromisoformat(data["start"]), dt.date.fromisoformat(data["end"]),
                   Precision(data["precision"]), data.get("text", ""))


_SPAN_NAMES = {(1, 3): "winter {y}", (3, 5): "spring {y}", (6, 8): "summer {y}", (9, 11): "fall {y}",
               (1, 4): "early {y}", (5, 8): "mid-{y}", (9, 12): "late {y}", (10, 12): "end of {y}",
               (1, 6): "first half of {y}", (7, 12): "second half of {y}", (4, 6): "Q2 {y}", (7, 9): "Q3 {y}"}


def _describe_span(start: dt.date, end: dt.date) -> str:
    whole_months = start.day == 1 and end.day == calendar.monthrange(end.year, end.month)[1]
    if start.year == end.year and whole_months and (start.month, end.month) in _SPAN_NAMES:
        return _SPAN_NAMES[(start.month, end.month)].format(y=start.year)
    if start.year == end.year and (end.month, end.day) == (12, 31):
        return f"by the end of {end.year}"
    first = f"{calendar.month_abbr[start.month]} {start.day}, {start.year}"
    last = f"{calendar.month_abbr[end.month]} {end.day}, {end.year}"
    return f"{first} – {last}"


# -- facts -------------------------------------------------------------------------------------------
class TrailerKind(enum.Enum):
    TEASER = "teaser"
    TRAILER = "trailer"
    FINAL = "final trailer"
    FIRST_LOOK = "first look"  # pictures or a video: the words do not say which
    IMAGES = "images"  # photos, stills
    POSTER = "poster"  # posters, key art, character art
    CLIP = "clip"  # clips, promos, sneak peeks, featurettes

    @property
    def family(self) -> str:
        if self is TrailerKind.FIRST_LOOK:
            return "any"
        return "picture" if self in (TrailerKind.IMAGES, TrailerKind.POSTER) else "video"


class TrailerConflict(enum.Enum):
    NUMBER = "number"  # teaser #1 and teaser #2
    FINAL = "final"  # the final trailer and an earlier one
    MEDIUM = "medium"  # a poster or stills and a video (one marketing drop when released together)
    PICTURES = "pictures"  # stills and a poster


@dataclass(frozen=True, slots=True)
class TrailerId:
    """Which trailer a report is about: its kind and number ("teaser #2", "second trailer")."""

    kind: TrailerKind | None = None
    number: int | None = None

    def conflicts(self, other: TrailerId) -> bool:
        """Certainly another trailer: another number, a final trailer against an earlier one, a
        picture against a video."""
        return self.conflict(other) is not None

    def conflict(self, other: TrailerId) -> TrailerConflict | None:
        """Why the two are certainly different assets, if they are."""
        if self.number is not None and other.number is not None and self.number != other.number:
            return TrailerConflict.NUMBER
        if self.kind is None or other.kind is None or self.kind is other.kind:
            return None
        if (self.kind is TrailerKind.FINAL) != (other.kind is TrailerKind.FINAL):
            return TrailerConflict.FINAL
        if "any" in (self.kind.family, other.kind.family):
            return None  # a first look goes with whatever came out with it
        if self.kind.family != other.kind.family:
            return TrailerConflict.MEDIUM
        if {self.kind, other.kind} == {TrailerKind.IMAGES, TrailerKind.POSTER}:
            return TrailerConflict.PICTURES
        return None

    def differs(self, other: TrailerId) -> bool:
        """Named differently without a certain conflict ("teaser" and "trailer" of the same video?)."""
        if self.kind is None or other.kind is None or self.kind is other.kind:
            return False
        return TrailerKind.FIRST_LOOK not in (self.kind, other.kind)

    def to_json(self) -> dict[str, object]:
        return {"kind": self.kind.value if self.kind else None, "number": self.number}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> TrailerId:
        kind, number = data.get("kind"), data.get("number")
        return cls(TrailerKind(str(kind)) if kind else None, int(str(number)) if number is not None else None)


@dataclass(frozen=True, slots=True)
class Facts:
    """What a story is about beyond show, event and season. Empty facts are unknown, not different."""

    names: frozenset[str] = field(default_factory=frozenset)
    release: ReleaseWindow | None = None
    trailer: TrailerId | None = None
    part: int | None = None  # "Part 2", "Volume 2"

    def joined(self, other: Facts) -> Facts:
        """A story's facts after another report of the same news: names pooled, what the story
        lacked (a date, the trailer's identity, the part) filled in, nothing it had replaced."""
        return Facts(self.names | other.names, self.release or other.release, self.trailer or other.trailer,
                     self.part if self.part is not None else other.part)

    def updated(self, newer: Facts) -> Facts:
        """The facts of an update: the newer report's, with what it does not say kept from before."""
        return Facts(self.names | newer.names, newer.release or self.release, newer.trailer or self.trailer,
                     newer.part if newer.part is not None else self.part)

    def to_json(self) -> dict[str, object]:
        return {"names": sorted(self.names),
                "release": self.release.to_json() if self.release else None,
                "trailer": self.trailer.to_json() if self.trailer else None,
                "part": self.part}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Facts:
        names = data.get("names") or []
        release = data.get("release")
        trailer = data.get("trailer")
        part = data.get("part")
        return cls(frozenset(str(n) for n in names) if isinstance(names, list) else frozenset(),
                   ReleaseWindow.from_json(release) if isinstance(release, dict) else None,
                   TrailerId.from_json(trailer) if isinstance(trailer, dict) else None,
                   int(str(part)) if part is not None else None)


# -- stories -----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class StorySource:
    """One report of a story: which outlet, its link, when."""

    source: str
    link: str | None
    published_at: float
    item_id: int | None = None


@dataclass(frozen=True, slots=True)
class Story:
    """One piece of news about one show. `id` is None until storage stores it; `updates` is the id of
    the earlier story this one updates (None for a first report). `sources` are its reports in the
    order they came (storage builds them from the items linked to the story)."""

    id: int | None
    show_id: int
    events: Event
    seasons: tuple[int, ...]
    facts: Facts
    signature: str
    first_seen: float
    last_seen: float
    sources: tuple[StorySource, ...]
    updates: int | None = None
    headline: str = ""  # the title of the report that opened it

    def outlets(self) -> tuple[StorySource, ...]:
        """The first report of each outlet, in the order they came: what a message lists."""
        seen: dict[str, StorySource] = {}
        for src in self.sources:
            seen.setdefault(src.source.casefold() or (src.link or ""), src)
        return tuple(seen.values())

    def has_link(self, link: str | None) -> bool:
        return bool(link) and any(src.link == link for src in self.sources)


class Verdict(enum.Enum):
    NEW = "new"
    JOIN = "join"
    UPDATE = "update"


class ChangeKind(enum.Enum):
    EVENTS_ADDED = "events_added"  # "renewed" -> "renewed, premieres in the fall"
    STATUS = "status"  # other news about the show's state: renewed -> cancelled, renewed -> dated
    DATE_SET = "date_set"  # a finer date inside the old window
    DATE_MOVED = "date_moved"  # another date


@dataclass(frozen=True, slots=True)
class StoryChange:
    """What an update changes. `events`: the events it adds (EVENTS_ADDED, STATUS);
    `before`/`after`: the release windows (DATE_SET, DATE_MOVED)."""

    kind: ChangeKind
    events: Event = NO_EVENT
    before: ReleaseWindow | None = None
    after: ReleaseWindow | None = None

    def describe(self) -> str:
        match self.kind:
            case ChangeKind.EVENTS_ADDED | ChangeKind.STATUS:
                return "now: " + ", ".join(self.events.slugs())
            case ChangeKind.DATE_SET:
                return f"date set: {self.after.describe() if self.after else '?'}"
            case ChangeKind.DATE_MOVED:
                before = self.before.describe() if self.before else "?"
                after = self.after.describe() if self.after else "?"
                return f"date moved: {before} → {after}"


@dataclass(frozen=True, slots=True)
class StoryDecision:
    """What to do with one report.

    - JOIN: `story` is the joined story with this report added (same id); `earlier` is the story as
      it was; `new_source` is False when the report adds no outlet (the same outlet again, the same
      link in another feed), so nothing needs editing.
    - UPDATE: `story` is the new story to store (id None, `updates` = `earlier.id`); `changes` say
      what changed.
    - NEW: `story` is the new story to store (id None)."""

    verdict: Verdict
    story: Story
    earlier: Story | None = None
    changes: tuple[StoryChange, ...] = ()
    new_source: bool = True
    score: float = 0.0
    why: str = ""

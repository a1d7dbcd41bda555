"""The release calendar of a chat: the dates its shows' stories announced, as a list for `/calendar`
and as an .ics file (RFC 5545, written with the icalendar library) for `showbot calendar export`.

One calendar event per release: a show's season (and part) when the stories name one, else the
chain of stories that updated each other. A later story that moves or sets the date replaces the
event's date under the same UID with a higher SEQUENCE, so a calendar that imported the file (or
subscribes to it) moves the entry instead of adding a second one.

A day is an all-day event. A week is an all-day event over that week. A month, a season of the
year or a year is not a date yet: it is one all-day event on the window's first day, marked
TENTATIVE and "date to be announced", its window in the description — a bar across three months
would cover every day of a fan's calendar, and a date would claim more than the news said.

Platform-neutral: no SQL (storage hands over the entries), no discord or telegram."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from icalendar import Calendar, Event

from feeds.understand.dates import Precision, ReleaseWindow
from feeds.understand.stories import Story, StorySource

_log = logging.getLogger(__name__)

__all__ = ["CalendarEntry", "PlannedRelease", "plan_releases", "to_ics", "upcoming"]

PRODID = "-//showbot//release calendar//EN"
UID_DOMAIN = "showbot"


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    """One story that announced a release date, of a show the chat follows."""

    show_id: int
    show: str
    seasons: tuple[int, ...]
    window: ReleaseWindow
    story_id: int
    announced_at: float  # when the story was first reported, UTC seconds
    sources: tuple[StorySource, ...] = ()
    part: int | None = None
    updates: int | None = None  # the story this one updated

    @classmethod
    def from_story(cls, story: Story, show: str) -> CalendarEntry | None:
        """The calendar entry of a stored story, or None if it announced no date."""
        if story.id is None or story.facts.release is None:
            return None
        return cls(story.show_id, show, story.seasons, story.facts.release, story.id, story.first_seen,
                   story.outlets(), story.facts.part, story.updates)


@dataclass(frozen=True, slots=True)
class PlannedRelease:
    """One release as the calendar shows it: the latest entry about it, and how often its date changed."""

    uid: str
    entry: CalendarEntry
    sequence: int  # how many times the date changed since it was first announced
    history: tuple[ReleaseWindow, ...]  # every window announced, oldest first

    @property
    def title(self) -> str:
        e = self.entry
        label = e.show
        if len(e.seasons) == 1:
            label += f" season {e.seasons[0]}"
        elif e.seasons:
            label += f" seasons {e.seasons[0]}–{e.seasons[-1]}"
        if e.part is not None:
            label += f" part {e.part}"
        return label

    @property
    def exact(self) -> bool:
        return self.entry.window.precision in (Precision.DAY, Precision.WEEK)


def plan_releases(entries: Iterable[CalendarEntry]) -> list[PlannedRelease]:
    """Entries grouped into releases (show + season + part, else the chain of updates), the latest
    announcement winning; sorted by date."""
    entries = list(entries)
    by_id = {e.story_id: e for e in entries}
    groups: dict[str, list[CalendarEntry]] = {}
    for entry in entries:
        groups.setdefault(_release_key(entry, by_id), []).append(entry)
    planned = []
    for uid, group in groups.items():
        group.sort(key=lambda e: (e.announced_at, e.story_id))
        history: list[ReleaseWindow] = []
        for e in group:
            if not history or (history[-1].start, history[-1].end) != (e.window.start, e.window.end):
                history.append(e.window)
        planned.append(PlannedRelease(uid, group[-1], len(history) - 1, tuple(history)))
    planned.sort(key=lambda p: (p.entry.window.start, p.entry.window.end, p.entry.show.casefold()))
    return planned


def _release_key(entry: CalendarEntry, by_id: dict[int, CalendarEntry]) -> str:
    if entry.seasons:
        key = f"release-{entry.show_id}-s{entry.seasons[0]}"
        if entry.part is not None:
            key += f"-p{entry.part}"
        return f"{key}@{UID_DOMAIN}"
    root, seen = entry, {entry.story_id}
    while root.updates is not None and root.updates in by_id and root.updates not in seen:
        seen.add(root.updates)
        root = by_id[root.updates]
    origin = root.updates if root.updates is not None else root.story_id
    return f"release-{entry.show_id}-story{origin}@{UID_DOMAIN}"


def upcoming(entries: Iterable[CalendarEntry], *, today: dt.date) -> list[PlannedRelease]:
    """The releases not over yet, soonest first: what `/calendar` lists."""
    return [p for p in plan_releases(entries) if p.entry.window.end >= today]


def to_ics(entries: Iterable[CalendarEntry], *, name: str = "showbot release dates") -> bytes:
    """The entries as an iCalendar file. The same entries give the same bytes."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    for release in plan_releases(entries):
        cal.add_component(_event(release))
    return cal.to_ical()


def _event(release: PlannedRelease) -> Event:
    entry, window = release.entry, release.entry.window
    stamp = dt.datetime.fromtimestamp(entry.announced_at, dt.UTC).replace(microsecond=0)
    event = Event()
    event.add("uid", release.uid)
    event.add("sequence", release.sequence)
    event.add("dtstamp", stamp)
    event.add("last-modified", stamp)
    event.add("dtstart", window.start)
    match window.precision:
        case Precision.DAY:
            event.add("dtend", window.start + dt.timedelta(days=1))
            event.add("summary", f"{release.title} premieres")
            event.add("status", "CONFIRMED")
        case Precision.WEEK:
            event.add("dtend", window.end + dt.timedelta(days=1))
            event.add("summary", f"{release.title} premieres this week")
            event.add("status", "CONFIRMED")
        case Precision.MONTH | Precision.SEASON | Precision.YEAR:
            event.add("dtend", window.start + dt.timedelta(days=1))
            event.add("summary", f"{release.title} premieres {window.describe()} (date to be announced)")
            event.add("status", "TENTATIVE")
    event.add("transp", "TRANSPARENT")
    event.add("categories", ["TV", "Premiere"])
    event.add("description", _description(release))
    link = next((s.link for s in entry.sources if s.link), None)
    if link:
        event.add("url", link)
    event.add("x-showbot-precision", window.precision.value)
    event.add("x-showbot-window", f"{window.start.isoformat()}/{window.end.isoformat()}")
    event.add("x-showbot-story", str(entry.story_id))
    return event


def _description(release: PlannedRelease) -> str:
    entry, window = release.entry, release.entry.window
    lines = [f"{release.title}: {window.describe()}"]
    if window.precision not in (Precision.DAY, Precision.WEEK):
        lines.append(f"Expected between {window.start.isoformat()} and {window.end.isoformat()}.")
    if window.text:
        lines.append(f"Reported as: {window.text}")
    if len(release.history) > 1:
        lines.append("Earlier: " + ", ".join(w.describe() for w in release.history[:-1]))
    if entry.sources:
        lines.append("Sources:")
        lines.extend(f"- {s.source or 'source'}: {s.link}" if s.link else f"- {s.source}" for s in entry.sources)
    return "\n".join(lines)

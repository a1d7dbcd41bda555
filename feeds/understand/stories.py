"""Stories: one piece of news about one show, reported by one or more items (outlets).

For each item the matcher found news in, and for each show it is about, `decide` compares the item
with that show's open stories and says one of three things:

- **join** — the same news: the story gains a source; messages already sent are edited to list it.
- **update** — the same story moved on: it adds an event (a date after a renewal), a fact changed
  (the date moved, or was set: "fall 2027" -> "September 14, 2027"), or the show's status changed
  (renewed, then cancelled). A new story that points to the earlier one; recipients get a new
  notification marked as an update, replying to the earlier one.
- **new** — other news: a new story.

Rules, in order: same show; seasons and parts that do not contradict ("season 3" and no season
agree; season 2 and season 3 do not); compatible events; facts that do not contradict — different
people are different castings, teaser #1 is not teaser #2, a final trailer is not the first one, a
poster is not a video; within the join window (72 h from the story's first report) for a join, the
longer update window (30 days) for an update. The same news after the join window is a new story.
Wording (rapidfuzz's token-set ratio of the headlines without the show's name) decides where the
facts cannot (a casting whose names the headline does not give) and ranks the candidates.

`decide` is pure: storage hands it the show's stories seen within `StoryRules.horizon` and stores
what it returns. `StoryBook` keeps stories in memory with the same rules, for tests and the bench."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace

from rapidfuzz import fuzz

from feeds.model import Event, ShowMatch
from feeds.understand.facts import read_facts, signature
from feeds.understand.records import (
    ChangeKind,
    Facts,
    Story,
    StoryChange,
    StoryDecision,
    StorySource,
    TrailerConflict,
    TrailerId,
    Verdict,
    WindowChange,
)

_log = logging.getLogger(__name__)

__all__ = ["ChangeKind", "Report", "Story", "StoryBook", "StoryChange", "StoryDecision", "StoryRules",
           "StorySource", "Verdict", "decide", "report_facts"]

# The events that describe the show's state: one of these following another about the same season
# is an update (renewed, then dated; renewed, then cancelled; cancelled, then rescued). Trailers,
# castings and filming milestones are news of their own.
STATUS_EVENTS = Event.RENEWAL | Event.CANCELLATION | Event.RELEASE_DATE
# One-off news: each trailer or casting is its own asset or person, so a second piece is new news.
_ONE_OFF_EVENTS = Event.TRAILER | Event.CASTING
_SIGNATURE_WORDS = 40


@dataclass(frozen=True, slots=True)
class Report:
    """One item about one show, as stories see it. `published_at`: the item's published time in UTC
    seconds (storage passes the time it first saw the item when the feed gives none)."""

    title: str
    summary: str = ""
    link: str | None = None
    source: str = ""  # the outlet: "Deadline", "Variety"
    published_at: float = 0.0
    item_id: int | None = None

    @property
    def published(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.published_at, dt.UTC)


@dataclass(frozen=True, slots=True)
class StoryRules:
    join_window: float = 72 * 3600.0  # seconds from a story's first report in which it can be joined
    update_window: float = 30 * 86400.0  # seconds in which a story can be updated
    min_similarity: float = 0.6  # wording needed where facts cannot tell (0..1)
    same_outlet_similarity: float = 0.8  # wording needed for an outlet's second trailer/casting piece
    drop_window: float = 6 * 3600.0  # a poster and a trailer this close are one marketing drop
    date_slack_days: int = 1  # day dates this close are the same date (time zones)

    def __post_init__(self) -> None:
        if self.join_window <= 0 or self.update_window <= 0:
            raise ValueError("story windows must be positive")
        if not (0.0 <= self.min_similarity <= 1.0 and 0.0 <= self.same_outlet_similarity <= 1.0):
            raise ValueError("similarities are between 0 and 1")

    @property
    def horizon(self) -> float:
        """How far back (seconds) the stories handed to `decide` need to go."""
        return max(self.join_window, self.update_window)


def report_facts(report: Report, match: ShowMatch) -> Facts:
    return read_facts(report.title, report.summary, match=match, published=report.published)


def decide(report: Report, match: ShowMatch, stories: Iterable[Story], *, rules: StoryRules | None = None,
           facts: Facts | None = None) -> StoryDecision:
    """Join, update or new: what `report` (an item the matcher says is news about `match.show_id`)
    is, given that show's recent stories. Pure; `facts` may be passed if already read."""
    if not match.events:
        raise ValueError("only news is clustered into stories: the match has no event")
    rules = rules or StoryRules()
    facts = facts if facts is not None else report_facts(report, match)
    sig = signature(report.title, match)
    candidates = [s for s in stories if s.show_id == match.show_id]
    for story in candidates:  # the same article again (another feed of the same outlet)
        if story.has_link(report.link):
            return StoryDecision(Verdict.JOIN, _joined(story, report, facts, sig), story, new_source=False,
                                 score=1.0, why=f"story {story.id}: same link")
    joins: list[tuple[float, Story, str]] = []
    updates: list[tuple[float, float, Story, tuple[StoryChange, ...], str]] = []
    for story in candidates:
        relation = _relate(report, match, facts, sig, story, rules)
        if relation is None:
            continue
        score, changes, why = relation
        if changes:
            updates.append((score, story.last_seen, story, changes, why))
        else:
            joins.append((score, story, why))
    if joins:
        score, story, why = max(joins, key=lambda j: (j[0], j[1].last_seen))
        new_source = not any(src.source.casefold() == report.source.casefold() for src in story.sources)
        return StoryDecision(Verdict.JOIN, _joined(story, report, facts, sig), story,
                             new_source=new_source or not report.source, score=score,
                             why=f"story {story.id}: {why}")
    if updates:
        score, _seen, story, changes, why = max(updates, key=lambda u: (u[0], u[1]))
        draft = Story(None, match.show_id, match.events, match.seasons or story.seasons,
                      story.facts.updated(facts), sig, report.published_at, report.published_at,
                      (_source(report),), updates=story.id, headline=report.title)
        return StoryDecision(Verdict.UPDATE, draft, story, changes, score=score,
                             why=f"updates story {story.id}: {why}")
    draft = Story(None, match.show_id, match.events, match.seasons, facts, sig, report.published_at,
                  report.published_at, (_source(report),), headline=report.title)
    return StoryDecision(Verdict.NEW, draft, why="no open story reports this")


def _relate(report: Report, match: ShowMatch, facts: Facts, sig: str, story: Story,
            rules: StoryRules) -> tuple[float, tuple[StoryChange, ...], str] | None:
    """How the report relates to one story: None (other news), or (score, changes, why) — no changes
    means the same news (a join), changes mean an update."""
    age = abs(report.published_at - story.first_seen)
    if age > rules.update_window:
        return None
    events = match.events
    common, added = events & story.events, events & ~story.events
    seasons_agree = not match.seasons or not story.seasons or bool(set(match.seasons) & set(story.seasons))
    if facts.part is not None and story.facts.part is not None and facts.part != story.facts.part:
        return None  # part 1 and part 2 are different news
    similarity = _similarity(sig, story.signature)
    recency = 1.0 - min(age / rules.update_window, 1.0)
    if not common:
        # renewed -> cancelled, renewed -> dated: the show's state moved on
        status_only = not (events & ~STATUS_EVENTS) and not (story.events & ~STATUS_EVENTS)
        crosses_seasons = Event.CANCELLATION in events and Event.CANCELLATION not in story.events
        if not status_only or not (seasons_agree or crosses_seasons):
            return None
        return (0.2 + 0.3 * similarity + 0.1 * recency, (StoryChange(ChangeKind.STATUS, events),),
                f"{_slugs(story.events)} -> {_slugs(events)}")
    if not seasons_agree:
        return None
    why: list[str] = []
    fact_bonus = 0.0
    if Event.CASTING in common:
        if facts.names and story.facts.names:
            shared = facts.names & story.facts.names
            if len(shared) <= 0.5 * min(len(facts.names), len(story.facts.names)):
                return None  # other people: another casting
            fact_bonus += 1.0
            why.append("same people (" + ", ".join(sorted(shared)) + ")")
        elif similarity < rules.min_similarity:
            return None
    if Event.TRAILER in common:
        mine, theirs = facts.trailer or TrailerId(), story.facts.trailer or TrailerId()
        conflict = mine.conflict(theirs)
        if conflict is not None and not (conflict is TrailerConflict.MEDIUM and age <= rules.drop_window):
            return None  # another asset (a poster within hours of a trailer is the same drop)
        if mine.differs(theirs) and similarity < rules.min_similarity:
            return None
        if mine.number is not None and mine.number == theirs.number:
            fact_bonus += 1.0
    if (common & _ONE_OFF_EVENTS and fact_bonus == 0.0 and _same_outlet(report, story)
            and similarity < rules.same_outlet_similarity):
        return None  # an outlet's second piece on a show's trailer or casting is another asset or person
    changes: list[StoryChange] = []
    if Event.RELEASE_DATE in common and facts.release and story.facts.release:
        change = story.facts.release.change_to(facts.release, slack_days=rules.date_slack_days)
        if change is WindowChange.REFINED:
            changes.append(StoryChange(ChangeKind.DATE_SET, before=story.facts.release, after=facts.release))
        elif change is WindowChange.MOVED:
            changes.append(StoryChange(ChangeKind.DATE_MOVED, before=story.facts.release, after=facts.release))
        else:
            fact_bonus += 1.0
            why.append("same date")
    if added:
        changes.append(StoryChange(ChangeKind.EVENTS_ADDED, added))
    overlap = len(common.slugs()) / len((events | story.events).slugs())
    if age > rules.join_window and (not changes or common & ~STATUS_EVENTS):
        # the same news days later is told again as a new story; and a trailer or a casting is
        # the same trailer or casting only within the join window, so nothing can update it later
        return None
    if changes:
        return (overlap + similarity + 0.5 * recency, tuple(changes),
                "; ".join(c.describe() for c in changes))
    why.append(f"wording {similarity:.2f}")
    return (overlap + fact_bonus + similarity + 0.5 * recency, (), ", ".join(why))


def _similarity(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    return fuzz.token_set_ratio(a, b) / 100.0


def _same_outlet(report: Report, story: Story) -> bool:
    source = report.source.casefold()
    return bool(source) and any(src.source.casefold() == source for src in story.sources)


def _slugs(events: Event) -> str:
    return "+".join(events.slugs()) or "none"


def _source(report: Report) -> StorySource:
    return StorySource(report.source, report.link, report.published_at, report.item_id)


def _joined(story: Story, report: Report, facts: Facts, sig: str) -> Story:
    words = list(dict.fromkeys((story.signature + " " + sig).split()))[:_SIGNATURE_WORDS]
    sources = story.sources if story.has_link(report.link) else (*story.sources, _source(report))
    return replace(story, facts=story.facts.joined(facts), signature=" ".join(words),
                   first_seen=min(story.first_seen, report.published_at),
                   last_seen=max(story.last_seen, report.published_at), sources=sources)


class StoryBook:
    """Stories in memory, decided with the same rules storage uses: for tests, the bench and tools."""

    def __init__(self, rules: StoryRules | None = None) -> None:
        self.rules = rules or StoryRules()
        self._stories: dict[int, Story] = {}
        self._by_show: dict[int, list[int]] = {}
        self._next_id = 1

    @property
    def stories(self) -> list[Story]:
        return list(self._stories.values())

    def get(self, story_id: int) -> Story:
        return self._stories[story_id]

    def open_stories(self, show_id: int, at: float) -> list[Story]:
        horizon = self.rules.horizon
        return [s for sid in self._by_show.get(show_id, ())
                if (s := self._stories[sid]).last_seen >= at - horizon and s.first_seen <= at + horizon]

    def add(self, report: Report, match: ShowMatch) -> StoryDecision:
        """Decide, then record: a joined story replaces its old self, a new one (or an update) gets an id."""
        decision = decide(report, match, self.open_stories(match.show_id, report.published_at), rules=self.rules)
        if decision.verdict is Verdict.JOIN:
            joined = decision.story
            if joined.id is None:
                raise RuntimeError("a joined story has the id of the story it joined")
            self._stories[joined.id] = joined
            return decision
        story_id = self._next_id
        story = replace(decision.story, id=story_id)
        self._next_id += 1
        self._stories[story_id] = story
        self._by_show.setdefault(story.show_id, []).append(story_id)
        _log.debug("story %s (%s): %s", story.id, decision.verdict.value, decision.why)
        return replace(decision, story=story)

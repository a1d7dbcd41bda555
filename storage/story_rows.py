"""Backend-neutral helpers for stories: a story's columns to a `Story` and back. No SQL here."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from feeds.model import Event
from feeds.understand.records import Facts, Story, StorySource
from storage.rows import seasons_from_text, seasons_to_text

# the columns every backend selects, in this order
STORY_COLUMNS = ("s.id, s.show_id, s.events, s.seasons, s.facts, s.signature, s.first_seen, s.last_seen, "
                 "s.updates, s.headline")


def story_from_row(row: Sequence[Any], sources: Sequence[StorySource]) -> Story:
    return Story(int(row[0]), int(row[1]), Event(int(row[2])), seasons_from_text(row[3]),
                 Facts.from_json(json.loads(row[4] or "{}")), str(row[5]), float(row[6]), float(row[7]),
                 tuple(sources), int(row[8]) if row[8] is not None else None, str(row[9]))


def facts_text(story: Story) -> str:
    return json.dumps(story.facts.to_json(), ensure_ascii=False, sort_keys=True)


def release_bounds(story: Story) -> tuple[str | None, str | None]:
    """The release window as two ISO dates (what the calendar asks for), or (None, None)."""
    release = story.facts.release
    return (release.start.isoformat(), release.end.isoformat()) if release else (None, None)


def seasons_text(story: Story) -> str:
    return seasons_to_text(story.seasons)


def by_release(stories: Sequence[Story]) -> list[Story]:
    return sorted(stories, key=lambda s: (s.facts.release.start.isoformat() if s.facts.release else "", s.id or 0))

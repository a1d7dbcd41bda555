"""The announcement patterns table (feeds.understand.patterns): every row's examples fire it, and
its counter-examples do not give its event at all; every frame silences its examples."""

from __future__ import annotations

import pytest

from feeds.understand.events import find_event_hits, split_clauses
from feeds.understand.patterns import FRAMES, PATTERNS, Frame, Pattern
from feeds.understand.text import clean


def _hits(text: str) -> list[tuple[str, str]]:
    lowered = clean(text).lower()
    return [(h.pattern, h.event.slug) for h in find_event_hits(lowered, split_clauses(lowered, clean(text)))]


def test_ids_are_unique_and_name_their_event() -> None:
    ids = [p.id for p in PATTERNS]
    assert len(ids) == len(set(ids))
    assert all(p.id.split(".")[0] == p.event.slug for p in PATTERNS)
    assert all(p.examples for p in PATTERNS)
    # every row carries counter-examples: what its words also say when they announce nothing
    assert [p.id for p in PATTERNS if not p.counter] == []


@pytest.mark.parametrize("row", PATTERNS, ids=[p.id for p in PATTERNS])
def test_each_example_fires_its_row(row: Pattern) -> None:
    for example in row.examples:
        assert row.id in [pid for pid, _ in _hits(example)], example


@pytest.mark.parametrize("row", [p for p in PATTERNS if p.counter], ids=[p.id for p in PATTERNS if p.counter])
def test_no_counter_example_gives_the_rows_event(row: Pattern) -> None:
    for counter in row.counter:
        assert row.event.slug not in [event for _, event in _hits(counter)], (counter, _hits(counter))


@pytest.mark.parametrize("frame", FRAMES, ids=[f.id for f in FRAMES])
def test_each_frame_silences_its_examples(frame: Frame) -> None:
    for example in frame.examples:
        assert _hits(example) == [], example


@pytest.mark.parametrize(("aside", "news"), [
    ("Ava Stone, who joins The Comet next month, reflects on her career", "Ava Stone joins The Comet next month"),
    ("The Comet, which returns for season 3 in June, tops the charts", "The Comet returns for season 3 in June"),
    ("The Comet, slated to premiere on March 9, is written by Ava Stone", "The Comet is slated to premiere on March 9"),
    ("The Comet will not return, following its original premiere on April 20", "The Comet premieres on April 20"),
])
def test_a_relative_clause_set_off_by_commas_announces_nothing(aside: str, news: str) -> None:
    assert _hits(aside) == []
    assert _hits(news) != []


@pytest.mark.parametrize(("denied", "news"), [
    ("The Comet season 2 doesn't even have a release date yet", "The Comet season 2 finally has a release date"),
    ("The Comet will never get a trailer", "The Comet gets a trailer"),
    ("The Comet is no longer filming in Atlanta", "The Comet is now filming in Atlanta"),
])
def test_a_denied_trigger_announces_nothing(denied: str, news: str) -> None:
    assert _hits(denied) == []
    assert _hits(news) != []


def test_a_date_held_back_is_still_news() -> None:
    assert "release_date" in [e for _, e in _hits("The Comet season 2 won't be released until 2028")]

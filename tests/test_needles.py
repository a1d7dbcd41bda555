"""The matcher's regex gates (feeds/understand/needles.py): a pattern is skipped only when it cannot
match, so gating never changes a result."""

from __future__ import annotations

import re

import pytest

from feeds.understand.events import _NOT_NEWS
from feeds.understand.needles import AnyOf, Gates, requirements
from feeds.understand.patterns import frames_regex
from feeds.understand.text import clean
from tests.conftest import DATA
from tests.support.scoring import load_items


def test_requirements_hold_together() -> None:
    assert requirements(r"\brenews? (?:the )?\w+ for (?:a|another) season\b") == (
        frozenset({"renew"}), frozenset({" for a"}), frozenset({" season"}))  # "a|another": " for a" either way
    assert frozenset({"confirmed", "ordered"}) in requirements(r"\bfinal season\b(?= (?:confirmed|ordered)\b)")
    assert requirements(r"\b\w+\b") == ()
    assert requirements(r"(?i)renewed") == ()  # any case: its literals prove nothing about lower-cased text
    assert requirements(r"x(?i:renewed)y") == ()


@pytest.mark.parametrize("text", ["netflix renews dark for another season", "dark renewed", "a trial period",
                                  "season 2 renewed", "renewal talks for season 3", ""])
def test_gates_let_through_every_pattern_that_matches(text: str) -> None:
    patterns = [r"\brenews? (?:the )?\w+ for (?:a|another) season\b", r"\brenew(?:s|ed)?\b", r"\btrial\b",
                r"\bseason \d+\b", r"\b\w+\b", r"(?<=renewal )talks"]
    gates = Gates(patterns)
    possible = gates.possible(text)
    assert possible == sorted(possible)
    assert {i for i, p in enumerate(patterns) if re.search(p, text)} <= set(possible)
    assert len(gates) == len(patterns)


def test_gates_skip_patterns_whose_words_are_missing() -> None:
    gates = Gates([r"\brenews? \w+ for another season\b", r"\bcancel(?:s|led)\b"])
    assert gates.possible("netflix renews dark for a third season") == []
    assert gates.possible("hbo cancels westworld") == [1]


def test_the_gated_frames_answer_as_the_whole_alternation() -> None:
    whole = re.compile(frames_regex())
    titles = [item["title"] for name in ("labelled", "holdout", "blind2", "blind3", "blind4", "blind5", "phrasebook")
              for item in load_items(DATA / f"{name}_items.jsonl")]
    assert len(titles) > 500
    for title in titles:
        lowered = clean(title).lower()
        assert _NOT_NEWS.search(lowered) == bool(whole.search(lowered)), title
    assert AnyOf([r"\bfoo\b", r"bar"]).search("a bar") and not AnyOf([r"\bfoo\b"]).search("food")

"""The matcher on the real labelled sets (tools/realsets.py's split: a tuned part and a part nobody
tuned on), held to the issue's targets: shows F1 >= 0.97, events F1 >= 0.92 with events precision
>= 0.95, season accuracy >= 0.95 — on every set and on both parts.

Where a figure is below its target today, the target check is an expected failure (strict: it turns
red the day the target is met, so the marker goes) and a floor a little under today's figure guards
against regressions. Only aggregates are computed: no item of an untuned part is ever shown.
Skipped where ../shared is absent."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pytest

from feeds.understand.matcher import Matcher
from tests.conftest import SHARED
from tests.support.scoring import Score, load_catalog, score
from tools import realsets

pytestmark = pytest.mark.skipif(not (SHARED / "realdata" / "labelled").is_dir(),
                                reason=f"{SHARED}/realdata/labelled is not here")

TARGETS = {"shows_f1": 0.97, "events_f1": 0.92, "events_precision": 0.95, "season_accuracy": 0.95}
# Floors: today's figures less a margin for a label or two (shows, events F1, events P, season).
FLOORS: dict[tuple[str, str], tuple[float, float, float, float]] = {
    ("reddit_2022", "tune"): (0.98, 0.96, 0.97, 0.94),
    ("reddit_2022", "untuned"): (0.96, 0.76, 0.82, 0.96),
    ("rss_2026", "tune"): (0.94, 0.90, 0.90, 0.85),
    ("rss_2026", "untuned"): (0.92, 0.57, 0.57, 0.95),
    ("feeds_2026", "untuned"): (0.87, 0.54, 0.64, 0.95),
}


@dataclass(frozen=True, slots=True)
class Figures:
    shows_f1: float
    events_f1: float
    events_precision: float
    season_accuracy: float

    @classmethod
    def of(cls, result: Score) -> Figures:
        predicted = result.event_tp + result.event_fp
        return cls(result.shows_f1, result.events_f1, result.event_tp / predicted if predicted else 1.0,
                   result.season_accuracy)


@cache
def figures(set_name: str, part: str) -> Figures | None:
    items = [i for i in realsets.load_items(set_name) if realsets.part_of(set_name, i) == part]
    if not items:
        return None
    matcher = Matcher(load_catalog(realsets.set_dir(set_name) / "catalog.json"))
    return Figures.of(score(matcher, items))


# The targets not met today (README, "How well"): each an expected failure until it is met.
BELOW_TARGET = {
    ("reddit_2022", "untuned", "events_f1"), ("reddit_2022", "untuned", "events_precision"),
    ("rss_2026", "tune", "shows_f1"), ("rss_2026", "tune", "season_accuracy"),
    ("rss_2026", "tune", "events_precision"),
    ("rss_2026", "untuned", "shows_f1"), ("rss_2026", "untuned", "events_f1"), ("rss_2026", "untuned", "events_precision"),
    ("feeds_2026", "untuned", "shows_f1"), ("feeds_2026", "untuned", "events_f1"),
    ("feeds_2026", "untuned", "events_precision"),
}


def _cases() -> list[object]:
    cases: list[object] = []
    for set_name, part in FLOORS:
        for metric in TARGETS:
            below = (set_name, part, metric) in BELOW_TARGET
            marks = [pytest.mark.xfail(strict=True, reason="below the target today")] if below else []
            cases.append(pytest.param(set_name, part, metric, id=f"{set_name}-{part}-{metric}", marks=marks))
    return cases


@pytest.mark.parametrize(("set_name", "part"), list(FLOORS), ids=[f"{s}-{p}" for s, p in FLOORS])
def test_no_regression_below_the_floors(set_name: str, part: str) -> None:
    got = figures(set_name, part)
    if got is None:
        pytest.skip(f"{set_name} is not here")
    floors = dict(zip(TARGETS, FLOORS[(set_name, part)], strict=True))
    below = {m: round(getattr(got, m), 3) for m, floor in floors.items() if getattr(got, m) < floor}
    assert not below, f"{set_name} {part}: {below} under the floors {floors}"


@pytest.mark.parametrize(("set_name", "part", "metric"), _cases())
def test_the_targets(set_name: str, part: str, metric: str) -> None:
    got = figures(set_name, part)
    if got is None:
        pytest.skip(f"{set_name} is not here")
    assert getattr(got, metric) >= TARGETS[metric], f"{set_name} {part} {metric} = {getattr(got, metric):.3f}"

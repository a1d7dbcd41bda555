"""A learned second opinion on the rules' events: a logistic regression over the rules' own findings
(which rows fired, for which event, in the title or the summary) and the words of the headline.

For each show an item is about and each of the six events, `EventScorer.probability` weighs
features such as "the row renewal.renewed gave this show renewal", "the headline says 'host'",
"the title is a review" and returns the probability that the item announces that event for that
show. The weights are a small JSON file in feeds/data/ written by tools/train_scorer.py with
scikit-learn at development time (trained on the tuned parts of the real labelled sets only); here
inference is plain Python: a sum of weights and a sigmoid. No weights file, no scorer: the rules'
answer stands."""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from feeds.model import Event

_log = logging.getLogger(__name__)

WEIGHTS_FILE = "event_scorer.json"


@dataclass(frozen=True, slots=True)
class Finding:
    """What the rules found for one show and one event."""

    event: Event
    rows: tuple[str, ...]  # the pattern rows that gave the event to this show
    in_summary: bool  # given by the summary's lead rather than the title


def features(event: Event, finding: Finding | None, words: list[str], framed: bool) -> list[str]:
    """The features of (show, event): the same function at training and at run time."""
    slug = event.slug
    out = [f"bias:{slug}"]
    if finding is not None:
        out.append(f"rule:{slug}")
        out.extend(f"row:{row}" for row in finding.rows)
        if finding.in_summary:
            out.append(f"summary:{slug}")
    if framed:
        out.append(f"framed:{slug}")
    out.extend(f"w:{slug}:{w}" for w in dict.fromkeys(words))
    return out


@dataclass(frozen=True, slots=True)
class EventScorer:
    weights: dict[str, float]
    threshold: float

    def probability(self, names: list[str]) -> float:
        z = sum(self.weights.get(name, 0.0) for name in names)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def decides(self, names: list[str]) -> bool:
        return self.probability(names) >= self.threshold


@lru_cache(maxsize=1)
def bundled_scorer() -> EventScorer | None:
    """The scorer shipped in feeds/data/, or None when there is none (the rules decide alone)."""
    try:
        text = resources.files("feeds").joinpath("data", WEIGHTS_FILE).read_text(encoding="utf-8")
    except (FileNotFoundError, OSError):
        return None
    data = json.loads(text)
    return EventScorer({k: float(v) for k, v in data["weights"].items()}, float(data["threshold"]))

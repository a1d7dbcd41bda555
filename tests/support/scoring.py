"""Scores matcher output against labelled items: show F1, event F1, season accuracy.

The labelled files are {"id", "title", "summary", "gold": [{"show", "events", "season", "optional"?}]};
`optional` gold entries count neither way, a list season means any of its values is right."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from feeds.model import CatalogShow
from feeds.understand.matcher import Matcher


@dataclass
class Score:
    show_tp: int = 0
    show_fp: int = 0
    show_fn: int = 0
    event_tp: int = 0
    event_fp: int = 0
    event_fn: int = 0
    season_ok: int = 0
    season_n: int = 0
    misses: list[str] = field(default_factory=list)

    @staticmethod
    def _f1(tp: int, fp: int, fn: int) -> float:
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        return 2 * precision * recall / (precision + recall) if precision + recall else 0.0

    @property
    def shows_f1(self) -> float:
        return self._f1(self.show_tp, self.show_fp, self.show_fn)

    @property
    def events_f1(self) -> float:
        return self._f1(self.event_tp, self.event_fp, self.event_fn)

    @property
    def season_accuracy(self) -> float:
        return self.season_ok / self.season_n if self.season_n else 1.0

    def detail(self) -> str:
        """score.py's figures: precision and recall too."""
        def prf(tp: int, fp: int, fn: int) -> str:
            precision = tp / (tp + fp) if tp + fp else 1.0
            recall = tp / (tp + fn) if tp + fn else 1.0
            return f"P={precision:.3f} R={recall:.3f} F1={self._f1(tp, fp, fn):.3f}"
        return (f"shows {prf(self.show_tp, self.show_fp, self.show_fn)}  "
                f"events {prf(self.event_tp, self.event_fp, self.event_fn)}  "
                f"season acc={self.season_accuracy:.3f} ({self.season_ok}/{self.season_n})")

    def __str__(self) -> str:
        return (f"shows F1={self.shows_f1:.3f} events F1={self.events_f1:.3f} "
                f"season acc={self.season_accuracy:.3f} ({self.season_ok}/{self.season_n})")


def load_catalog(path: Path) -> list[CatalogShow]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [CatalogShow(i, s["title"], tuple(s.get("aliases", []))) for i, s in enumerate(data["shows"], 1)]


def load_items(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def score(matcher: Matcher, items: list[dict]) -> Score:
    result = Score()
    for item in items:
        gold = {g["show"]: g for g in item["gold"]}
        optional = {name for name, g in gold.items() if g.get("optional")}
        predicted = {m.show: m for m in matcher.match(item["title"], item.get("summary", ""))}
        for show in set(gold) | set(predicted):
            if show in optional:
                continue
            g, p = gold.get(show), predicted.get(show)
            if g and p:
                result.show_tp += 1
            elif p:
                result.show_fp += 1
                result.misses.append(f"{item['id']} extra {show}: {item['title']}")
            else:
                result.show_fn += 1
                result.misses.append(f"{item['id']} missed {show}: {item['title']}")
            want = set(g["events"]) if g else set()
            got = set(p.events.slugs()) if p else set()
            result.event_tp += len(want & got)
            result.event_fp += len(got - want)
            result.event_fn += len(want - got)
            if g and p and want != got:
                result.misses.append(f"{item['id']} {show} events {sorted(got)} != {sorted(want)}: {item['title']}")
            if g and p and g["season"] is not None:
                seasons = g["season"] if isinstance(g["season"], list) else [g["season"]]
                result.season_n += 1
                if p.season in seasons:
                    result.season_ok += 1
                else:
                    result.misses.append(f"{item['id']} {show} season {p.season} != {seasons}: {item['title']}")
    return result

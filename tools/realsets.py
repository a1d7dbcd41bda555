#!/usr/bin/env python3
"""The real labelled sets, split once into a part to tune on and a part never tuned on.

    python tools/realsets.py                 # scores of every real set, both parts (aggregates only)
    python tools/realsets.py --misses tune   # the misses of the *tuned* parts, to work from

The split is by date, fixed here before any tuning, and never moves:
  reddit_2022  untuned = posted on or after 2022-06-01 (262 of 875 items)
  rss_2026     untuned = published on or after 2026-02-14 (116 of 262 items)
  feeds_2026   untuned = all of it (a set labelled blind from other outlets' snapshots; see its README)
The untuned parts' misses are never printed: look at them and they stop being an honest figure.

The text comes from ../shared (next to this checkout); nothing here is copied into the package.
Exit code 0; prints one line per (set, part) in score.py's format."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# ../shared beside the checkout: /work/main -> /work/shared, a worktree /work/wt/x -> /work/shared too
SHARED = next((p / "shared" for p in ROOT.parents if (p / "shared" / "realdata").is_dir()), ROOT.parent / "shared")
LABELLED = SHARED / "realdata" / "labelled"
sys.path.insert(0, str(ROOT))

CUTOFFS = {"reddit_2022": datetime(2022, 6, 1), "rss_2026": datetime(2026, 2, 14)}
UNTUNED_ONLY = ("feeds_2026",)  # labelled sets kept whole out of tuning (tests/data/real/<name>/)


def published(item: dict) -> datetime:
    text = item.get("published") or ""
    try:
        return datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError:
        return datetime.strptime(text, "%B %d, %Y %I:%M %p")


def part_of(set_name: str, item: dict) -> str:
    """'tune' or 'untuned'."""
    if set_name in UNTUNED_ONLY:
        return "untuned"
    return "untuned" if published(item) >= CUTOFFS[set_name] else "tune"


def set_dir(set_name: str) -> Path:
    return LABELLED / set_name if set_name in CUTOFFS else ROOT / "tests" / "data" / "real" / set_name


def load_items(set_name: str) -> list[dict]:
    """Items with their gold labels. feeds_2026 keeps only labels in the repo; its text is read from
    the outlet snapshots in ../shared (see tests/data/real/feeds_2026/README.md)."""
    path = set_dir(set_name) / "items.jsonl"
    if not path.is_file():
        return []
    items = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
    if items and "title" not in items[0]:
        from tools.real_feeds import attach_text  # labels only: text from the snapshots

        items = attach_text(items)
    return items


def sets() -> Iterator[str]:
    yield from CUTOFFS
    for name in UNTUNED_ONLY:
        if (set_dir(name) / "items.jsonl").is_file():
            yield name


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--misses", choices=["tune"], help="list the misses of the tuned parts")
    parser.add_argument("--set", choices=[*CUTOFFS, *UNTUNED_ONLY], help="only this set")
    args = parser.parse_args()
    if not LABELLED.is_dir():
        print(f"{LABELLED} is not here: nothing to score", file=sys.stderr)
        return 0
    from feeds.understand.matcher import Matcher
    from tests.support.scoring import load_catalog, score

    for name in sets():
        if args.set and name != args.set:
            continue
        items = load_items(name)
        matcher = Matcher(load_catalog(set_dir(name) / "catalog.json"))
        for part in ("tune", "untuned", "all"):
            chosen = [i for i in items if part == "all" or part_of(name, i) == part]
            if not chosen:
                continue
            result = score(matcher, chosen)
            print(f"{name:<12} {part:<8} n={len(chosen):<4} {result.detail()}")
            if args.misses == "tune" and part == "tune":
                for miss in result.misses:
                    print("   ", miss)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Check stories.jsonl against the shared real data it points into.

Every referenced item must exist in /work/shared/realdata (with the same `published`), every
item must appear in exactly one story, every item of the labelled sets whose gold has an event
must be covered, story ids must be unique and in order, and `updates` must point at an earlier
story of the same show. Stdlib only.

    python3 bench/data/stories/check.py [--root /work/shared/realdata]
"""

from __future__ import annotations

import argparse
import json
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
SETS = ("reddit_2022", "rss_2026")
EVENTS = {"renewal", "cancellation", "release_date", "trailer", "casting", "production"}
FIELDS = {"story", "show", "news", "events", "season", "updates", "items"}
OPTIONAL = {"shows", "note"}


def load_set(root: Path, name: str) -> dict[str, dict]:
    with (root / "labelled" / name / "items.jsonl").open(encoding="utf-8") as f:
        return {d["id"]: d for d in map(json.loads, f)}


def load_catalog(root: Path, name: str) -> set[str]:
    data = json.loads((root / "labelled" / name / "catalog.json").read_text(encoding="utf-8"))
    return {s["title"] for s in data["shows"]}


def feed_pubdate(root: Path, ref: str, cache: dict[str, dict[str, str]]) -> str | None:
    path, _, link = ref.partition("#")
    if not path.startswith("feeds/") or not link:
        return None
    if path not in cache:
        file = root / path
        if not file.is_file():
            return None
        cache[path] = {
            (it.findtext("link") or "").strip(): (it.findtext("pubDate") or "").strip()
            for it in ET.parse(file).getroot().iter("item")
        }
    return cache[path].get(link)


def check(root: Path, stories_file: Path) -> list[str]:
    errors: list[str] = []
    sets = {name: load_set(root, name) for name in SETS}
    catalogs = {name: load_catalog(root, name) for name in SETS}
    feeds: dict[str, dict[str, str]] = {}
    seen: Counter[tuple[str, str]] = Counter()
    by_id: dict[str, dict] = {}

    lines = stories_file.read_text(encoding="utf-8").splitlines()
    for n, line in enumerate(lines, 1):
        st = json.loads(line)
        where = f"line {n} ({st.get('story')})"
        keys = set(st)
        if not FIELDS <= keys or keys - FIELDS - OPTIONAL:
            errors.append(f"{where}: fields {sorted(keys)}")
            continue
        if st["story"] != f"st{n:04d}":
            errors.append(f"{where}: expected story id st{n:04d}")
        by_id[st["story"]] = st
        if not st["news"].strip():
            errors.append(f"{where}: empty news")
        if not st["events"] or set(st["events"]) - EVENTS:
            errors.append(f"{where}: events {st['events']}")
        if not st["items"]:
            errors.append(f"{where}: no items")
        shows = st.get("shows", [st["show"]])
        if st["show"] not in shows:
            errors.append(f"{where}: show not in shows")
        used_sets = {it["set"] for it in st["items"]} & set(SETS) or set(SETS)
        for show in shows:
            if not any(show in catalogs[s] for s in used_sets):
                errors.append(f"{where}: show {show!r} not in the catalog of {sorted(used_sets)}")
        for it in st["items"]:
            key = (it["set"], it["id"])
            seen[key] += 1
            if it["set"] in sets:
                item = sets[it["set"]].get(it["id"])
                if item is None:
                    errors.append(f"{where}: no item {key}")
                elif item["published"] != it["published"]:
                    errors.append(f"{where}: {key} published {it['published']!r} != {item['published']!r}")
            elif it["set"] == "feeds":
                pub = feed_pubdate(root, it["id"], feeds)
                if pub is None:
                    errors.append(f"{where}: no feed item {it['id']!r}")
                elif pub != it["published"]:
                    errors.append(f"{where}: {it['id']} published {it['published']!r} != {pub!r}")
            else:
                errors.append(f"{where}: unknown set {it['set']!r}")

    for key, count in seen.items():
        if count > 1:
            errors.append(f"item {key} appears {count} times")
    for st in by_id.values():
        earlier = st["updates"]
        if earlier is None:
            continue
        target = by_id.get(earlier)
        if target is None or target["story"] >= st["story"]:
            errors.append(f"{st['story']}: updates {earlier!r} is not an earlier story")
        elif target["show"] != st["show"]:
            errors.append(f"{st['story']}: updates a story of another show ({target['show']!r})")
    for name, items in sets.items():
        for item_id, item in items.items():
            if any(g["events"] for g in item["gold"]) and (name, item_id) not in seen:
                errors.append(f"{name}/{item_id} has gold events but is in no story")
    return errors


def summary(stories_file: Path) -> str:
    stories = [json.loads(line) for line in stories_file.read_text(encoding="utf-8").splitlines()]
    items = sum(len(s["items"]) for s in stories)
    multi = sum(1 for s in stories if len(s["items"]) > 1)
    updates = sum(1 for s in stories if s["updates"])
    per_set = Counter(it["set"] for s in stories for it in s["items"])
    sets = ", ".join(f"{k} {v}" for k, v in sorted(per_set.items()))
    return f"{len(stories)} stories, {items} items ({sets}), {multi} multi-item stories, {updates} updates"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path("/work/shared/realdata"))
    parser.add_argument("--stories", type=Path, default=HERE / "stories.jsonl")
    args = parser.parse_args()
    if not (args.root / "labelled").is_dir():
        print(f"no shared data at {args.root}", file=sys.stderr)
        return 2
    errors = check(args.root, args.stories)
    for e in errors:
        print(e)
    print(("FAILED: " if errors else "ok: ") + summary(args.stories))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

"""The outlet RSS snapshots in ../shared/realdata/feeds as news items, for the `feeds_2026` labelled set.

The set's labels live in tests/data/real/feeds_2026/items.jsonl without any of the outlets' text;
`attach_text` reads the text back from the snapshots at run time, so nothing from ../shared is copied
into the repository.

    python tools/real_feeds.py            # every item as one JSON line (id, title, summary, ...)
    SHOWBOT_SHARED=/work/shared python tools/real_feeds.py   # from a checkout with no ../shared

An item's id is `f<file-stem>-<n>`, n the 1-based position of the item in its file, so it stays the
same as long as the snapshot files do (they are read-only)."""

from __future__ import annotations

import html
import json
import logging
import os
import re
import sys
from collections.abc import Iterable
from email.utils import parsedate_to_datetime
from pathlib import Path

import feedparser

_log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
# ../shared next to this checkout; SHOWBOT_SHARED points elsewhere (e.g. from a worktree in /work/wt/).
SHARED = Path(os.environ.get("SHOWBOT_SHARED") or ROOT.parent / "shared")
FEEDS_DIR = SHARED / "realdata" / "feeds"
SUMMARY_LIMIT = 400

_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_FEED_SUFFIX = " - Article Feed"
# The scraper's channel titles, by what the outlets call themselves.
_OUTLET_NAMES = {"Deadline Hollywood": "Deadline", "Den Of Geek": "Den of Geek"}


class FeedItemNotFound(LookupError):
    """A label names an item that no snapshot holds (or holds under another link)."""


def clean_summary(description: str) -> str:
    """Tags stripped, entities unescaped, whitespace collapsed, cut to SUMMARY_LIMIT characters."""
    text = html.unescape(_TAG.sub(" ", description))
    return _SPACE.sub(" ", text).strip()[:SUMMARY_LIMIT]


def _outlet(channel_title: str, stem: str) -> str:
    name = channel_title.removesuffix(_FEED_SUFFIX).strip() or stem
    return _OUTLET_NAMES.get(name, name)


def _published_iso(entry: feedparser.FeedParserDict) -> str:
    raw = entry.get("published") or ""
    try:
        return parsedate_to_datetime(raw).isoformat()
    except (TypeError, ValueError):
        _log.warning("unparseable pubDate %r in %s", raw, entry.get("link"))
        return raw


def _file_items(path: Path) -> list[dict]:
    parsed = feedparser.parse(str(path))
    if parsed.bozo and not parsed.entries:
        raise ValueError(f"{path}: not a readable feed ({parsed.get('bozo_exception')})")
    stem = path.stem
    outlet = _outlet(parsed.feed.get("title", ""), stem)
    return [
        {
            "id": f"f{stem}-{n}",
            "file": path.name,
            "title": entry.get("title", ""),
            "summary": clean_summary(entry.get("summary", "")),
            "link": entry.get("link", ""),
            "published": _published_iso(entry),
            "outlet": outlet,
        }
        for n, entry in enumerate(parsed.entries, start=1)
    ]


def load_feed_items(feeds_dir: Path | None = None) -> list[dict]:
    """Every item of every snapshot (FEEDS_DIR unless told), file by file (sorted by name), in feed order."""
    feeds_dir = FEEDS_DIR if feeds_dir is None else feeds_dir
    if not feeds_dir.is_dir():
        raise FileNotFoundError(f"no feed snapshots at {feeds_dir} (the shared data is not mounted)")
    items: list[dict] = []
    for path in sorted(feeds_dir.glob("*.xml")):
        items.extend(_file_items(path))
    return items


def attach_text(labels: Iterable[dict], feeds_dir: Path | None = None) -> list[dict]:
    """Label lines ({id, file, link, published, gold}) as full items
    ({id, title, summary, link, published, outlet, gold}), text read from the snapshots.

    A label must find its item by id, and the item there must have the label's file and link:
    a snapshot that changed under the labels is an error, not a silent mislabel."""
    by_id = {item["id"]: item for item in load_feed_items(feeds_dir)}
    out: list[dict] = []
    for label in labels:
        item = by_id.get(label["id"])
        if item is None:
            raise FeedItemNotFound(f"label {label['id']!r}: no such item in {feeds_dir or FEEDS_DIR}")
        if item["file"] != label.get("file", item["file"]) or item["link"] != label.get("link"):
            raise FeedItemNotFound(
                f"label {label['id']!r} ({label.get('file')}, {label.get('link')}) does not match the "
                f"snapshot's item ({item['file']}, {item['link']})"
            )
        out.append(
            {
                "id": item["id"],
                "title": item["title"],
                "summary": item["summary"],
                "link": item["link"],
                "published": item["published"],
                "outlet": item["outlet"],
                "gold": label["gold"],
            }
        )
    return out


def main() -> int:
    for item in load_feed_items():
        print(json.dumps(item, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

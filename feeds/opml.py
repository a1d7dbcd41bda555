"""OPML subscription lists, the way feed readers move their feeds around: read with listparser
(always given bytes, so it never fetches anything itself), written with the standard library.

    listing = read_opml(data)          # OpmlList(feeds=[OpmlFeed(url, title)], problem=None)
    data = write_opml([OpmlFeed("https://deadline.com/v/tv/feed/", "Deadline")], title="showbot feeds")"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.utils import format_datetime

import listparser

MAX_OPML_BYTES = 2 * 1024 * 1024
MAX_FEEDS = 1000


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    url: str
    title: str = ""


@dataclass(frozen=True, slots=True)
class OpmlList:
    feeds: list[OpmlFeed] = field(default_factory=list)
    problem: str | None = None  # why nothing (or not everything) could be read


def read_opml(data: bytes) -> OpmlList:
    """The feeds an OPML (or FOAF, iGoogle) list names, each URL once, in order. A list that can't be
    read gives no feeds and a `problem`, never an exception."""
    if len(data) > MAX_OPML_BYTES:
        return OpmlList(problem=f"the list is larger than {MAX_OPML_BYTES // 1024 // 1024} MB")
    if not data.strip():
        return OpmlList(problem="the file is empty")
    try:
        parsed = listparser.parse(bytes(data))
    except Exception as exc:  # listparser is lenient, but a bad upload must never take the caller down
        return OpmlList(problem=f"unreadable: {type(exc).__name__}: {exc}")
    seen: dict[str, OpmlFeed] = {}
    for entry in parsed.get("feeds", []):
        url = str(entry.get("url") or "").strip()
        if url and url not in seen:
            seen[url] = OpmlFeed(url, " ".join(str(entry.get("title") or "").split()))
    feeds = list(seen.values())
    problem = None
    if not feeds:
        error = parsed.get("bozo_exception")
        problem = f"no feeds in it ({error})" if parsed.get("bozo") and error else "no feeds in it"
    elif len(feeds) > MAX_FEEDS:
        feeds, problem = feeds[:MAX_FEEDS], f"only the first {MAX_FEEDS} feeds are read"
    return OpmlList(feeds, problem)


def write_opml(feeds: Iterable[OpmlFeed], *, title: str = "showbot feeds", now: dt.datetime | None = None) -> bytes:
    """An OPML 2.0 document listing `feeds` (what any feed reader imports)."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(now or dt.datetime.now(dt.UTC))
    body = ET.SubElement(root, "body")
    for feed in feeds:
        name = feed.title or feed.url
        ET.SubElement(body, "outline", type="rss", text=name, title=name, xmlUrl=feed.url)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"

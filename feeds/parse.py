"""Parsing feed bytes with feedparser (off the event loop), into plain entries.

feedparser gets the raw bytes and the response headers (so it can honour the declared charset),
never a URL or a path: only feeds/fetch.py touches the network."""

from __future__ import annotations

import asyncio
import calendar
import logging
from collections.abc import Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import feedparser

from feeds.model import NewItem
from feeds.understand.text import plain_text

_log = logging.getLogger(__name__)

MAX_ENTRIES = 500
MAX_TITLE = 500


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    title: str | None
    items: list[NewItem]
    problem: str | None = None  # feedparser's "bozo" complaint, kept for moderators

    @property
    def is_feed(self) -> bool:
        return self.problem is None or bool(self.items)


def parse_feed(body: bytes, headers: Mapping[str, str] | None = None) -> ParsedFeed:
    """Parse a feed body. A broken or non-feed body yields no items and a `problem`, never an exception."""
    if not body.strip():
        return ParsedFeed(None, [], "empty body")
    try:
        # no sanitising: feed HTML never reaches a chat as HTML (plain_text strips it), and it costs a third
        parsed = feedparser.parse(body, response_headers=dict(headers or {}), sanitize_html=False,
                                  resolve_relative_uris=False)
    except Exception as exc:  # feedparser is defensive, but a poller must be more so
        _log.warning("feedparser failed: %s", exc)
        return ParsedFeed(None, [], f"unparseable: {type(exc).__name__}: {exc}")
    problem = None
    if parsed.get("bozo"):
        complaint = parsed.get("bozo_exception")
        problem = f"{type(complaint).__name__}: {complaint}" if complaint else "ill-formed feed"
    feed = parsed.get("feed", {})
    title = plain_text(str(feed.get("title", "") or ""), limit=200) or None
    items = [item for entry in parsed.get("entries", [])[:MAX_ENTRIES] if (item := _entry(entry)) is not None]
    if not items and not parsed.get("version") and not title:
        problem = problem or "not a feed"
        problem = "not an RSS/Atom feed (" + problem + ")"
    return ParsedFeed(title, items, problem)


async def parse_feed_async(
    body: bytes, headers: Mapping[str, str] | None = None, *, executor: Executor | None = None
) -> ParsedFeed:
    """Parse off the event loop: in a thread, or in `executor` (a process pool when many feeds are
    due at once: feedparser is pure Python, ~1 ms an item, and threads would share one core)."""
    if executor is None:
        return await asyncio.to_thread(parse_feed, body, headers)
    return await asyncio.get_running_loop().run_in_executor(executor, parse_feed, body, dict(headers or {}))


def _entry(entry: Mapping[str, Any]) -> NewItem | None:
    title = plain_text(str(entry.get("title", "") or ""), limit=MAX_TITLE)
    if not title:
        return None
    summary = plain_text(str(entry.get("summary", "") or ""), limit=600)
    link = str(entry.get("link", "") or "").strip() or None
    if link and not link.lower().startswith(("http://", "https://")):
        link = None  # never render a javascript: or relative link
    guid = str(entry.get("id", "") or "").strip() or None
    published = entry.get("published_parsed") or entry.get("updated_parsed")
    published_at = float(calendar.timegm(published)) if published else None
    return NewItem(title=title, summary=summary, guid=guid, link=link.replace(" ", "%20") if link else None,
                   published_at=published_at, image=_image(entry))


MAX_IMAGE_URL = 2000
_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif")


def _image(entry: Mapping[str, Any]) -> str | None:
    """The entry's picture: media:content of an image (the largest when sizes are given), else
    media:thumbnail, else an image enclosure. Only an http(s) URL of sane length."""
    def usable(url: object) -> str | None:
        text = str(url or "").strip().replace(" ", "%20")
        return text if text.lower().startswith(("http://", "https://")) and len(text) <= MAX_IMAGE_URL else None

    def is_image(media: Mapping[str, Any]) -> bool:
        kind = str(media.get("type") or "").lower()
        medium = str(media.get("medium") or "").lower()
        url = str(media.get("url") or "").lower().split("?", 1)[0]
        return kind.startswith("image/") or medium == "image" or (not kind and not medium and url.endswith(_IMAGE_SUFFIXES))

    def width(media: Mapping[str, Any]) -> int:
        try:
            return int(media.get("width") or 0)
        except (TypeError, ValueError):
            return 0

    contents = [m for m in entry.get("media_content") or [] if isinstance(m, Mapping) and is_image(m)]
    for media in sorted(contents, key=width, reverse=True):
        if url := usable(media.get("url")):
            return url
    for thumbnail in entry.get("media_thumbnail") or []:
        if isinstance(thumbnail, Mapping) and (url := usable(thumbnail.get("url"))):
            return url
    for enclosure in entry.get("enclosures") or []:
        if isinstance(enclosure, Mapping) and str(enclosure.get("type") or "").lower().startswith("image/"):
            if url := usable(enclosure.get("href") or enclosure.get("url")):
                return url
    return None

"""The feeds a web page announces (`<link rel="alternate" type="application/rss+xml" href="…">`), so
a moderator who pastes a site's address is told which feed to add instead."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin

FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json"})
MAX_SCANNED = 512 * 1024  # feeds are announced in <head>
MAX_FOUND = 5


class _Alternates(HTMLParser):
    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "link" or len(self.found) >= MAX_FOUND:
            return
        values = {name.lower(): (value or "") for name, value in attrs}
        rels = values.get("rel", "").lower().split()
        if "alternate" in rels and values.get("type", "").lower().strip() in FEED_TYPES and values.get("href"):
            url = urljoin(self.base, values["href"].strip())
            if url.startswith(("http://", "https://")) and url not in self.found:
                self.found.append(url)


def looks_like_html(body: bytes, content_type: str | None = None) -> bool:
    if content_type and "html" in content_type.lower() and "xml" not in content_type.lower():
        return True
    head = body[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head


def announced_feeds(body: bytes, base_url: str) -> list[str]:
    """Feed URLs a page links to as its alternates, absolute, at most MAX_FOUND."""
    parser = _Alternates(base_url)
    try:
        parser.feed(body[:MAX_SCANNED].decode("utf-8", errors="replace"))
        parser.close()
    except Exception:  # a page we can't read announces nothing
        return parser.found
    return parser.found

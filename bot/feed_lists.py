"""Feed lists in and out (OPML): what `/feed import`, `/feed export` and `showbot feeds import|export`
share. A listed feed is added when its URL is safe to poll (the checks of /feed add), without
fetching it first: the poller reports each feed's health in /feed list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from feeds.opml import OpmlFeed, write_opml
from feeds.urls import UnsafeURLError, check_url_syntax, check_url_target
from storage.ports import FeedStore


@dataclass(slots=True)
class ImportReport:
    added: list[str] = field(default_factory=list)
    known: list[str] = field(default_factory=list)  # already polled
    refused: list[tuple[str, str]] = field(default_factory=list)  # (url, why)


async def add_listed_feeds(feeds: FeedStore, listed: Sequence[OpmlFeed], *, added_by: str,
                           allow_private: bool) -> ImportReport:
    report = ImportReport()
    for feed in listed:
        try:
            url = check_url_syntax(feed.url)
            await check_url_target(url, allow_private=allow_private)
        except UnsafeURLError as exc:
            report.refused.append((feed.url, str(exc)))
            continue
        (report.added if await feeds.add_feed(url, added_by=added_by) else report.known).append(url)
    return report


async def export_feeds(feeds: FeedStore) -> tuple[bytes, int]:
    """The polled feeds as an OPML document, and how many."""
    listed = await feeds.all()
    return write_opml([OpmlFeed(f.url, f.title or "") for f in listed]), len(listed)

"""How a feed is doing, in words a moderator reads in `/feed list` and `showbot feeds`."""

from __future__ import annotations

import time

from feeds.model import FeedRecord


def ago(ts: float | None, *, now: float | None = None) -> str:
    if ts is None:
        return "never"
    delta = (now or time.time()) - ts
    future = delta < 0
    delta = abs(delta)
    if delta < 90:
        text = f"{delta:.0f}s"
    elif delta < 5400:
        text = f"{delta / 60:.0f} min"
    elif delta < 172800:
        text = f"{delta / 3600:.1f} h"
    else:
        text = f"{delta / 86400:.0f} days"
    return f"in {text}" if future else f"{text} ago"


def describe_feed(feed: FeedRecord, *, now: float | None = None) -> str:
    status = "OK" if feed.failures == 0 else f"FAILING x{feed.failures}"
    if feed.last_success_at is None and feed.failures == 0:
        status = "not polled yet"
    lines = [f"{feed.url}  [{status}]"]
    if feed.title:
        lines[0] += f"  {feed.title}"
    lines.append(f"  last success {ago(feed.last_success_at, now=now)} · next poll {ago(feed.next_poll_at, now=now)}")
    if feed.last_error:
        lines.append(f"  last error: {feed.last_error}")
    return "\n".join(lines)

"""How a feed is doing, in words a moderator reads in `/feed list` and `showbot feeds` (in the
current language: bot.i18n)."""

from __future__ import annotations

import time

from bot.i18n import _, ngettext
from feeds.model import FeedRecord


def ago(ts: float | None, *, now: float | None = None) -> str:
    if ts is None:
        return _("never")
    delta = (now or time.time()) - ts
    future = delta < 0
    delta = abs(delta)
    if delta < 90:
        text = _("{n}s").format(n=f"{delta:.0f}")
    elif delta < 5400:
        text = _("{n} min").format(n=f"{delta / 60:.0f}")
    elif delta < 172800:
        text = _("{n} h").format(n=f"{delta / 3600:.1f}")
    else:
        days = round(delta / 86400)
        text = ngettext("{n} day", "{n} days", days).format(n=days)
    return _("in {time}").format(time=text) if future else _("{time} ago").format(time=text)


def describe_feed(feed: FeedRecord, *, now: float | None = None) -> str:
    status = _("OK") if feed.failures == 0 else _("FAILING x{n}").format(n=feed.failures)
    if feed.last_success_at is None and feed.failures == 0:
        status = _("not polled yet")
    lines = [f"{feed.url}  [{status}]"]
    if feed.title:
        lines[0] += f"  {feed.title}"
    lines.append("  " + _("last success {when} · next poll {next}").format(
        when=ago(feed.last_success_at, now=now), next=ago(feed.next_poll_at, now=now)))
    if feed.last_error:
        lines.append("  " + _("last error: {error}").format(error=feed.last_error))
    return "\n".join(lines)

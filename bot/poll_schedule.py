"""When to poll a feed next: adaptive, polite, and quiet when news comes by push.

- A feed that publishes often is polled more often, one that rarely does less often: the
  interval is half the typical gap between its recent entries, between `fastest` (never under
  the polite minimum) and `slowest`.
- The server's word counts: nothing is fetched again before Cache-Control max-age / Expires
  says the copy is stale (up to `FRESHNESS_CAP`), nor before a Retry-After.
- A feed whose news arrives by WebSub push is polled only as a slow fallback (`slowest`).

Every interval gets ±5% jitter, so feeds added together drift apart."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from feeds.http_cache import fresh_for, retry_after

POLITE_MINIMUM = 120.0  # seconds: no feed is polled more often than this, unless configured faster
SLOWEST_FACTOR = 6.0  # a quiet feed waits at most this many base intervals
FRESHNESS_CAP = 3 * 3600.0  # a server asking for more than this is polled after this anyway
RETRY_AFTER_CAP = 24 * 3600.0
RECENT_ENTRIES = 20  # the rate is judged from this many newest dated entries
MIN_DATED_ENTRIES = 3
JITTER = 0.05


@dataclass(frozen=True, slots=True)
class PollSchedule:
    base: float  # SHOWBOT_POLL_INTERVAL: the interval for a feed we know nothing about

    @property
    def fastest(self) -> float:
        return min(self.base, POLITE_MINIMUM)

    @property
    def slowest(self) -> float:
        return self.base * SLOWEST_FACTOR

    def clamp(self, seconds: float) -> float:
        return min(self.slowest, max(self.fastest, seconds))

    def rate_interval(self, published: Sequence[float | None], *, now: float) -> float | None:
        """Half the typical gap between the feed's newest entries, or None when it doesn't date
        enough of them. Dates in the future (clock skew, scheduled posts) are ignored."""
        dated = sorted((p for p in published if p is not None and 0 < p <= now + 60), reverse=True)
        dated = dated[:RECENT_ENTRIES]
        if len(dated) < MIN_DATED_ENTRIES:
            return None
        # from the oldest of the recent entries up to now: a feed that went quiet yesterday
        # stretches its own gap instead of looking as busy as it once was
        span = max(now, dated[0]) - dated[-1]
        return span / len(dated) / 2

    def after_success(self, *, published: Sequence[float | None], headers: Mapping[str, str], now: float,
                      previous: float | None, pushed: bool, rng: random.Random | None = None) -> float:
        """Seconds until the next poll after a 200 (published: the entries' dates) or a 304 (no
        entries: the previous interval holds)."""
        interval = self.rate_interval(published, now=now)
        if interval is None:
            interval = previous if previous is not None else self.base
        interval = self.clamp(interval)
        if pushed:
            interval = self.slowest
        fresh = fresh_for(headers, now=now)
        if fresh is not None:
            interval = max(interval, min(fresh, FRESHNESS_CAP))
        return _jitter(interval, rng)

    def after_failure(self, backoff: float, *, headers: Mapping[str, str], now: float) -> float:
        """A failed poll waits its backoff, or the server's Retry-After when that is longer."""
        wait = retry_after(headers, now=now)
        if wait is None:
            return backoff
        return max(backoff, min(wait, RETRY_AFTER_CAP))


def _jitter(seconds: float, rng: random.Random | None) -> float:
    return seconds * (rng or random).uniform(1 - JITTER, 1 + JITTER)


def previous_interval(last_polled_at: float | None, next_poll_at: float, failures: int) -> float | None:
    """The interval a healthy feed was last given (what a 304 keeps), from its stored schedule."""
    if failures or last_polled_at is None or next_poll_at <= last_polled_at:
        return None
    return next_poll_at - last_polled_at

"""When a subscription's news may go out: quiet hours hold it until they end; a digest holds it until
the digest's next time (daily at a local hour, or weekly on a day), then the chat gets one message
for everything gathered. Times are the chat's local time (its zone), daylight saving included.

Pure functions of a timestamp, the options and the zone: delivery asks `release_at` for each row,
and tests drive them with any clock."""

from __future__ import annotations

import datetime as dt

from storage.records import DeliveryOptions, Digest

DAY = dt.timedelta(days=1)


def _local(ts: float, zone: dt.tzinfo) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts, zone)


def _at(day: dt.date, minute: int, zone: dt.tzinfo) -> dt.datetime:
    """`minute` of `day` in `zone` (a time a spring-forward skips is read as the hour after the gap)."""
    naive = dt.datetime.combine(day, dt.time(minute // 60, minute % 60))
    aware = naive.replace(tzinfo=zone)
    # a wall time in a DST gap does not round-trip; normalise through UTC
    return aware.astimezone(dt.UTC).astimezone(zone)


def in_quiet_hours(ts: float, options: DeliveryOptions, zone: dt.tzinfo) -> bool:
    if not options.has_quiet_hours:
        return False
    assert options.quiet_start is not None and options.quiet_end is not None
    now = _local(ts, zone)
    minute = now.hour * 60 + now.minute
    start, end = options.quiet_start, options.quiet_end
    return start <= minute < end if start < end else minute >= start or minute < end


def quiet_end_after(ts: float, options: DeliveryOptions, zone: dt.tzinfo) -> float:
    """When the quiet hours `ts` falls in end (`ts` itself when it falls in none)."""
    if not in_quiet_hours(ts, options, zone):
        return ts
    assert options.quiet_end is not None
    now = _local(ts, zone)
    end = _at(now.date(), options.quiet_end, zone)
    if end <= now:
        end = _at(now.date() + DAY, options.quiet_end, zone)
    return end.timestamp()


def next_digest_at(ts: float, options: DeliveryOptions, zone: dt.tzinfo) -> float | None:
    """The first digest time at or after `ts` (None: the subscription has no digest)."""
    if options.digest is None:
        return None
    now = _local(ts, zone)
    minute = options.digest_hour * 60
    day = now.date()
    for _ in range(8):
        at = _at(day, minute, zone)
        if at >= now and (options.digest is Digest.DAILY or at.weekday() == options.digest_weekday):
            return at.timestamp()
        day += DAY
    raise AssertionError("a digest time within eight days")


def release_at(ts: float, options: DeliveryOptions, zone: dt.tzinfo) -> float:
    """When news that arrived at `ts` may be sent: at once (`ts`), at the next digest time, and never in
    quiet hours (a digest that falls in them waits for their end)."""
    at = next_digest_at(ts, options, zone)
    return quiet_end_after(ts if at is None else at, options, zone)

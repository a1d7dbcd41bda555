"""When and how a subscription's news goes out: in quiet hours it arrives silently (no sound, no role
mention); a digest holds it until the digest's next time (daily at a local hour, or weekly on a day),
then the chat gets one message for everything gathered. Times are the chat's local time (its zone),
daylight saving included.

Pure functions of a timestamp, the options and the zone (bot/delivery_router.py asks them for each
outbox row); tests drive them with any clock."""

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

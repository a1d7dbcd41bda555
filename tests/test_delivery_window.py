"""Quiet hours and digests against a fake clock, in the chat's time zone, daylight saving included."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.delivery_window import in_quiet_hours, next_digest_at, quiet_end_after, release_at
from storage.records import DeliveryOptions, Digest

SEOUL = ZoneInfo("Asia/Seoul")
MADRID = ZoneInfo("Europe/Madrid")
NIGHT = DeliveryOptions(quiet_start=23 * 60, quiet_end=7 * 60)
LUNCH = DeliveryOptions(quiet_start=12 * 60, quiet_end=13 * 60 + 30)


def at(zone: dt.tzinfo, *when: int) -> float:
    return dt.datetime(*when, tzinfo=zone).timestamp()  # type: ignore[misc]


def local(ts: float, zone: dt.tzinfo) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts, zone)


@pytest.mark.parametrize(("hour", "minute", "quiet"), [
    (22, 59, False), (23, 0, True), (2, 0, True), (6, 59, True), (7, 0, False), (12, 0, False)])
def test_quiet_hours_across_midnight(hour: int, minute: int, quiet: bool) -> None:
    assert in_quiet_hours(at(SEOUL, 2026, 3, 2, hour, minute), NIGHT, SEOUL) is quiet


def test_quiet_hours_within_a_day_and_none() -> None:
    assert in_quiet_hours(at(SEOUL, 2026, 3, 2, 12, 45), LUNCH, SEOUL)
    assert not in_quiet_hours(at(SEOUL, 2026, 3, 2, 13, 30), LUNCH, SEOUL)
    assert not in_quiet_hours(at(SEOUL, 2026, 3, 2, 3, 0), DeliveryOptions(), SEOUL)
    assert not in_quiet_hours(at(SEOUL, 2026, 3, 2, 3, 0), DeliveryOptions(quiet_start=60, quiet_end=60), SEOUL)


def test_news_in_quiet_hours_waits_for_their_end_in_local_time() -> None:
    late = at(SEOUL, 2026, 3, 2, 23, 30)
    assert local(quiet_end_after(late, NIGHT, SEOUL), SEOUL) == dt.datetime(2026, 3, 3, 7, 0, tzinfo=SEOUL)
    early = at(SEOUL, 2026, 3, 3, 5, 0)
    assert local(quiet_end_after(early, NIGHT, SEOUL), SEOUL) == dt.datetime(2026, 3, 3, 7, 0, tzinfo=SEOUL)
    day = at(SEOUL, 2026, 3, 3, 9, 0)
    assert quiet_end_after(day, NIGHT, SEOUL) == day
    # the same instant is quiet in Seoul and not in Madrid: the chat's own zone decides
    assert in_quiet_hours(late, NIGHT, SEOUL) and not in_quiet_hours(late, NIGHT, MADRID)


def test_a_daily_digest_comes_at_the_local_hour() -> None:
    daily = DeliveryOptions(digest=Digest.DAILY, digest_hour=9)
    morning = at(SEOUL, 2026, 3, 2, 8, 0)
    assert local(next_digest_at(morning, daily, SEOUL), SEOUL) == dt.datetime(2026, 3, 2, 9, 0, tzinfo=SEOUL)  # type: ignore[arg-type]
    after = at(SEOUL, 2026, 3, 2, 9, 1)
    assert local(next_digest_at(after, daily, SEOUL), SEOUL) == dt.datetime(2026, 3, 3, 9, 0, tzinfo=SEOUL)  # type: ignore[arg-type]
    on_time = at(SEOUL, 2026, 3, 2, 9, 0)
    assert next_digest_at(on_time, daily, SEOUL) == on_time
    assert next_digest_at(on_time, DeliveryOptions(), SEOUL) is None


def test_a_weekly_digest_comes_on_its_day() -> None:
    sunday_evening = DeliveryOptions(digest=Digest.WEEKLY, digest_hour=18, digest_weekday=6)
    monday = at(MADRID, 2026, 3, 2, 10, 0)  # 2026-03-02 is a Monday
    sent = local(next_digest_at(monday, sunday_evening, MADRID), MADRID)  # type: ignore[arg-type]
    assert sent == dt.datetime(2026, 3, 8, 18, 0, tzinfo=MADRID) and sent.weekday() == 6
    late_sunday = at(MADRID, 2026, 3, 8, 18, 30)
    assert local(next_digest_at(late_sunday, sunday_evening, MADRID), MADRID).day == 15  # type: ignore[arg-type]


def test_a_digest_keeps_its_local_hour_across_daylight_saving() -> None:
    daily = DeliveryOptions(digest=Digest.DAILY, digest_hour=9)
    before = next_digest_at(at(MADRID, 2026, 3, 28, 8, 0), daily, MADRID)  # Saturday; clocks go forward Sunday 29th
    after = next_digest_at(at(MADRID, 2026, 3, 29, 8, 0), daily, MADRID)
    assert before is not None and after is not None
    assert local(before, MADRID).hour == local(after, MADRID).hour == 9
    assert after - before == 23 * 3600  # the day the clocks went forward was an hour shorter
    gap = DeliveryOptions(digest=Digest.DAILY, digest_hour=2)  # 02:00 does not exist on 29 March in Madrid
    skipped = next_digest_at(at(MADRID, 2026, 3, 29, 0, 30), gap, MADRID)
    assert skipped is not None and local(skipped, MADRID) == dt.datetime(2026, 3, 29, 3, 0, tzinfo=MADRID)


def test_release_combines_digest_and_quiet_hours() -> None:
    both = DeliveryOptions(digest=Digest.DAILY, digest_hour=23, quiet_start=22 * 60, quiet_end=8 * 60)
    news = at(SEOUL, 2026, 3, 2, 15, 0)
    assert local(release_at(news, both, SEOUL), SEOUL) == dt.datetime(2026, 3, 3, 8, 0, tzinfo=SEOUL)
    assert release_at(news, DeliveryOptions(), SEOUL) == news
    assert local(release_at(at(SEOUL, 2026, 3, 2, 23, 0), NIGHT, SEOUL), SEOUL).hour == 7

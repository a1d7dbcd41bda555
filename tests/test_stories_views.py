"""What a reader sees of stories: a show's timeline, a chat's calendar (text and .ics), and
`showbot calendar export` writing the .ics of a chat from the database."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from icalendar import Calendar

from bot.cli import main
from bot.story_views import calendar_lines, chat_calendar, story_line, timeline_lines
from feeds.model import Event, NewItem, ShowMatch
from feeds.understand.stories import Report, StoryRules, decide
from storage import open_storage
from storage.ports import Storage
from storage.records import SubscriptionRecord

NOW = 1_800_000_000.0  # 2027-01-15 08:00 UTC
HOUR = 3600.0


async def report(storage: Storage, show_id: int, show: str, title: str, at: float, events: Event,
                 seasons: tuple[int, ...], outlet: str) -> None:
    feed_url = f"https://{outlet.lower()}.example/feed"
    if (feed := await storage.feeds.feed_by_url(feed_url)) is None:
        await storage.feeds.add_feed(feed_url)
        feed = await storage.feeds.feed_by_url(feed_url)
        assert feed is not None
        await storage.feeds.record_feed_success(feed.id, etag=None, last_modified=None, title=outlet,
                                                next_poll_at=at, now=at)
    link = f"https://{outlet.lower()}.example/{abs(hash(title))}"
    match = ShowMatch(show_id, show, events, seasons, "test")
    async with storage.transaction():
        [item] = await storage.items.insert_items(feed.id, [NewItem(title, link=link, published_at=at)], at)
        recent = await storage.stories.recent([show_id], since=at - StoryRules().horizon)
        decision = decide(Report(title, "", link, outlet, at, item.id), match, recent)
        await storage.stories.save(decision, item_id=item.id, reported_at=at)


async def fill(storage: Storage) -> tuple[int, int]:
    severance = await storage.catalog.upsert_show("Severance")
    wednesday = await storage.catalog.upsert_show("Wednesday")
    await report(storage, severance, "Severance", "Severance season 2 premieres January 17", NOW,
                 Event.RELEASE_DATE, (2,), "Deadline")
    await report(storage, severance, "Severance", "Severance season 2 gets January 17 premiere", NOW + HOUR,
                 Event.RELEASE_DATE, (2,), "Variety")
    await report(storage, severance, "Severance", "Apple TV+ delays Severance season 2 to February 21",
                 NOW + 30 * HOUR, Event.RELEASE_DATE, (2,), "TVLine")
    await report(storage, wednesday, "Wednesday", "Netflix renews Wednesday for season 3, returns in 2028",
                 NOW + 2 * HOUR, Event.RENEWAL | Event.RELEASE_DATE, (3,), "Deadline")
    return severance, wednesday


async def test_a_shows_timeline_lists_its_stories_with_their_outlets(db_path: str) -> None:
    async with open_storage(db_path) as storage:
        severance, _ = await fill(storage)
        stories = await storage.stories.for_show(severance)
    lines = timeline_lines("Severance", stories, links=True)
    assert lines[0] == "Severance:"
    assert lines[1].startswith("• 2027-01-16 · update: release date · S2 · 📅 February 21, 2027 · Apple TV+ delays")
    assert lines[1].endswith("— TVLine")
    assert lines[3].startswith("• 2027-01-15 · release date · S2 · 📅 January 17, 2027 · ")
    assert lines[3].endswith("— Deadline · Variety")
    assert lines[4].startswith("  https://deadline.example/")
    assert timeline_lines("Severance", []) == ["No news about Severance yet."]
    assert story_line(stories[0], with_date=False).startswith("update: release date")


async def test_a_chats_calendar_follows_its_subscriptions(db_path: str) -> None:
    async with open_storage(db_path) as storage:
        severance, _ = await fill(storage)
        await storage.audience.subscribe(SubscriptionRecord("telegram", "user", "1", severance, Event.all(),
                                                            user_id="1"))
        await storage.audience.subscribe(SubscriptionRecord("telegram", "user", "2", None, Event.all(), user_id="2"))
        one = await chat_calendar(storage, "telegram", "user", "1")
        every = await chat_calendar(storage, "telegram", "user", "2")
        nobody = await chat_calendar(storage, "telegram", "user", "3")
    assert [r.title for r in one.releases()] == ["Severance season 2"]
    assert sorted(r.title for r in every.releases()) == ["Severance season 2", "Wednesday season 3"]
    assert nobody.entries == () and not nobody.every_show
    lines = calendar_lines(every.upcoming(dt.date(2027, 1, 20)), today=dt.date(2027, 1, 20))
    assert lines == ["Upcoming release dates:",
                     "• February 21, 2027 — Severance season 2 (moved from January 17, 2027)",
                     "• 2028 (date to be announced) — Wednesday season 3"]
    assert calendar_lines([], today=dt.date(2027, 1, 20))[0].startswith("No release dates")


def test_calendar_export_writes_the_chats_ics(db_path: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    async def setup() -> None:
        async with open_storage(db_path) as storage:
            severance, _ = await fill(storage)
            await storage.audience.subscribe(SubscriptionRecord("discord", "channel", "42", severance, Event.all(),
                                                                guild_id="7"))

    asyncio.run(setup())
    out = tmp_path / "severance.ics"
    assert main(["calendar", "export", "--db", db_path, "--chat", "discord:channel:42", "-o", str(out)]) == 0
    assert "1 release written" in capsys.readouterr().err
    [event] = Calendar.from_ical(out.read_bytes()).walk("VEVENT")
    assert event.decoded("dtstart") == dt.date(2027, 2, 21)
    assert int(event["sequence"]) == 1 and str(event["uid"]).startswith("release-")
    assert main(["calendar", "export", "--db", db_path, "--chat", "telegram:9", "-o", str(tmp_path / "x.ics")]) == 0
    assert "follows no show" in capsys.readouterr().err
    assert not Calendar.from_ical((tmp_path / "x.ics").read_bytes()).walk("VEVENT")
    assert main(["calendar", "export", "--db", db_path, "--chat", "nonsense", "-o", str(out)]) == 2
    assert "PLATFORM:KIND:CHAT" in capsys.readouterr().err
    assert main(["calendar", "export", "--db", str(tmp_path / "none.db"), "--chat", "telegram:1", "-o", str(out)]) == 1


async def test_timeline_and_calendar_commands(db_path: str) -> None:
    from bot.commands import Caller, Commands
    from bot.config import load_settings
    from bot.service import ShowBot

    user = Caller("telegram", "1", "1")
    async with ShowBot.create(load_settings(env={}, db=db_path)) as showbot:
        showbot._clock = lambda: NOW + 40 * HOUR  # "today" is 2027-01-16, whatever the machine's date
        showbot.web_url = "http://127.0.0.1:8080"
        cmds = Commands(showbot)
        assert "No release dates announced yet" in (await cmds.run(user, "calendar")).text
        await fill(showbot.storage)
        assert (await cmds.run(user, "subscribe", show="Severance")).ok
        timeline = (await cmds.run(user, "timeline", show="severance")).text.splitlines()
        assert timeline[0] == "Severance:"
        assert "January 17, 2027" in timeline[1] and "Deadline · Variety" in timeline[1]  # oldest first
        assert timeline[2].startswith("• 2027-01-16 · update: release date")
        assert not (await cmds.run(user, "timeline", show="")).ok
        listed = (await cmds.run(user, "calendar")).text.splitlines()
        assert listed[:2] == ["Upcoming release dates:",
                              "• February 21, 2027 — Severance season 2 (moved from January 17, 2027)"]
        assert any(line.startswith("http://127.0.0.1:8080/calendar/") for line in listed)
        latest = (await cmds.run(user, "latest", show="Severance")).text
        assert latest.count("•") == 2 and "https://tvline.example/" in latest

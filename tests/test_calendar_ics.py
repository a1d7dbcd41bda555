"""The release calendar: stories with dates become one .ics event per release; a story that moves
the date moves the same event (same UID, higher SEQUENCE). Read back with the icalendar library."""

from __future__ import annotations

import datetime as dt

from icalendar import Calendar

from bot.calendar_ics import CalendarEntry, plan_releases, to_ics, upcoming
from feeds.matcher import Matcher
from feeds.model import CatalogShow
from feeds.understand.dates import Precision, ReleaseWindow
from feeds.understand.stories import Report, StoryBook, StorySource, Verdict

D = dt.date
T0 = dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC).timestamp()
DAY = 86400.0


def entry(story_id: int, window: ReleaseWindow, *, show_id: int = 1, show: str = "Severance",
          seasons: tuple[int, ...] = (2,), at: float = T0, updates: int | None = None,
          part: int | None = None) -> CalendarEntry:
    return CalendarEntry(show_id, show, seasons, window, story_id, at,
                         (StorySource("Deadline", f"https://deadline.example/{story_id}", at),
                          StorySource("Variety", f"https://variety.example/{story_id}", at + 60)),
                         part=part, updates=updates)


def parse(ics: bytes) -> list:
    cal = Calendar.from_ical(ics)
    return list(cal.walk("VEVENT"))


def test_a_day_is_an_all_day_event() -> None:
    day = ReleaseWindow(D(2027, 1, 17), D(2027, 1, 17), Precision.DAY, "January 17")
    (event,) = parse(to_ics([entry(7, day)]))
    assert event.decoded("dtstart") == D(2027, 1, 17)
    assert event.decoded("dtend") == D(2027, 1, 18)
    assert str(event["summary"]) == "Severance season 2 premieres"
    assert str(event["status"]) == "CONFIRMED"
    assert str(event["uid"]) == "release-1-s2@showbot"
    assert int(event["sequence"]) == 0
    assert str(event["url"]) == "https://deadline.example/7"
    description = str(event["description"])
    assert "Deadline: https://deadline.example/7" in description and "Variety" in description


def test_a_season_window_is_a_tentative_marker_on_its_first_day() -> None:
    fall = ReleaseWindow(D(2027, 9, 1), D(2027, 11, 30), Precision.SEASON, "fall 2027")
    (event,) = parse(to_ics([entry(3, fall, show="Wednesday", seasons=(3,))]))
    assert event.decoded("dtstart") == D(2027, 9, 1)
    assert event.decoded("dtend") == D(2027, 9, 2)
    assert str(event["status"]) == "TENTATIVE"
    assert "fall 2027" in str(event["summary"]) and "to be announced" in str(event["summary"])
    assert "2027-09-01 and 2027-11-30" in str(event["description"])
    assert str(event["x-showbot-precision"]) == "season"


def test_a_week_spans_the_week() -> None:
    week = ReleaseWindow(D(2027, 5, 3), D(2027, 5, 9), Precision.WEEK, "next week")
    (event,) = parse(to_ics([entry(4, week)]))
    assert (event.decoded("dtstart"), event.decoded("dtend")) == (D(2027, 5, 3), D(2027, 5, 10))


def test_a_moved_date_updates_the_same_event() -> None:
    jan = ReleaseWindow(D(2027, 1, 17), D(2027, 1, 17), Precision.DAY, "January 17")
    feb = ReleaseWindow(D(2027, 2, 1), D(2027, 2, 28), Precision.MONTH, "February")
    feb14 = ReleaseWindow(D(2027, 2, 14), D(2027, 2, 14), Precision.DAY, "February 14")
    first = parse(to_ics([entry(1, jan)]))
    later = parse(to_ics([entry(1, jan), entry(2, feb, at=T0 + 3 * DAY, updates=1),
                          entry(5, feb14, at=T0 + 9 * DAY, updates=2)]))
    assert len(first) == len(later) == 1
    assert str(first[0]["uid"]) == str(later[0]["uid"])
    assert int(later[0]["sequence"]) == 2 > int(first[0]["sequence"])
    assert later[0].decoded("dtstart") == D(2027, 2, 14)
    assert "Earlier: January 17, 2027, February 2027" in str(later[0]["description"])


def test_without_a_season_the_chain_of_updates_is_one_event() -> None:
    jan = ReleaseWindow(D(2027, 1, 17), D(2027, 1, 17), Precision.DAY)
    mar = ReleaseWindow(D(2027, 3, 3), D(2027, 3, 3), Precision.DAY)
    other = ReleaseWindow(D(2027, 6, 1), D(2027, 6, 1), Precision.DAY)
    planned = plan_releases([entry(10, jan, seasons=(), updates=4), entry(11, mar, seasons=(), updates=10),
                             entry(12, other, seasons=(), show_id=2, show="Slow Horses")])
    assert [p.uid for p in planned] == ["release-1-story4@showbot", "release-2-story12@showbot"]
    assert planned[0].entry.window == mar and planned[0].sequence == 1


def test_parts_are_separate_releases_and_upcoming_drops_the_past() -> None:
    p1 = ReleaseWindow(D(2026, 5, 27), D(2026, 5, 27), Precision.DAY)
    p2 = ReleaseWindow(D(2026, 7, 1), D(2026, 7, 1), Precision.DAY)
    entries = [entry(1, p1, part=1, show="Stranger Things", seasons=(4,)),
               entry(2, p2, part=2, show="Stranger Things", seasons=(4,))]
    assert [p.title for p in plan_releases(entries)] == ["Stranger Things season 4 part 1",
                                                         "Stranger Things season 4 part 2"]
    assert [p.entry.story_id for p in upcoming(entries, today=D(2026, 6, 1))] == [2]


def test_the_same_entries_give_the_same_file() -> None:
    day = ReleaseWindow(D(2027, 1, 17), D(2027, 1, 17), Precision.DAY)
    entries = [entry(1, day), entry(2, day, show_id=2, show="Slow Horses; Part, Two")]
    assert to_ics(entries) == to_ics(list(reversed(entries)))
    cal = Calendar.from_ical(to_ics(entries, name="Films & TV"))
    assert str(cal["x-wr-calname"]) == "Films & TV"
    titles = sorted(str(e["summary"]) for e in cal.walk("VEVENT"))
    assert titles[0] == "Severance season 2 premieres"
    assert titles[1].startswith("Slow Horses; Part, Two")  # text escaping survives the round trip


def test_stories_from_the_book_feed_the_calendar() -> None:
    matcher = Matcher([CatalogShow(3, "Severance")])
    book = StoryBook()
    decisions = []
    for hours, title in ((0, "'Severance' Season 2 Premieres January 17 on Apple TV+"),
                         (30, "'Severance' Season 2 Release Date Moved to February")):
        match = matcher.match(title)[0]
        decisions.append(book.add(Report(title, "", f"https://x.example/{hours}", "Deadline", T0 + hours * 3600),
                                  match))
    assert [d.verdict for d in decisions] == [Verdict.NEW, Verdict.UPDATE]
    entries = [e for s in book.stories if (e := CalendarEntry.from_story(s, "Severance"))]
    (event,) = parse(to_ics(entries))
    assert int(event["sequence"]) == 1
    assert event.decoded("dtstart") == D(2027, 2, 1) and str(event["status"]) == "TENTATIVE"

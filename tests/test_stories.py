"""Stories: several outlets' reports of one piece of news become one story; different news stays
apart; a new event or a changed fact is an update. The real matcher reads every headline."""

from __future__ import annotations

import datetime as dt

import pytest

from feeds.matcher import Matcher
from feeds.model import CatalogShow, Event, ShowMatch
from feeds.understand.dates import Precision
from feeds.understand.facts import Facts, TrailerKind
from feeds.understand.stories import (
    ChangeKind,
    Report,
    Story,
    StoryBook,
    StoryDecision,
    StoryRules,
    Verdict,
    decide,
)

SHOWS = [CatalogShow(1, "Wednesday"), CatalogShow(2, "The Boys"), CatalogShow(3, "Severance"),
         CatalogShow(4, "The Bear"), CatalogShow(5, "Squid Game"), CatalogShow(6, "Stranger Things"),
         CatalogShow(7, "Slow Horses")]
T0 = dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC).timestamp()
HOUR = 3600.0


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(SHOWS)


class Feed:
    """Feeds reports through the real matcher into a StoryBook, the way the poller will."""

    def __init__(self, matcher: Matcher, rules: StoryRules | None = None) -> None:
        self.matcher = matcher
        self.book = StoryBook(rules)

    def report(self, title: str, *, source: str, hours: float = 0.0, summary: str = "",
               link: str | None = None, show: str | None = None) -> StoryDecision:
        matches = [m for m in self.matcher.match(title, summary) if show is None or m.show == show]
        assert len(matches) == 1, (title, matches)
        match = matches[0]
        assert match.events, (title, match)
        link = link or f"https://{source.lower().replace(' ', '')}.example/{abs(hash(title))}"
        report = Report(title, summary, link, source, T0 + hours * HOUR)
        return self.book.add(report, match)


def test_several_outlets_wording_of_one_renewal_is_one_story(matcher: Matcher) -> None:
    feed = Feed(matcher)
    first = feed.report("Netflix Renews 'Wednesday' for Season 3", source="Deadline")
    assert first.verdict is Verdict.NEW
    later = [
        feed.report("'Wednesday' Renewed for Third Season at Netflix", source="Variety", hours=0.5),
        feed.report("Wednesday season 3 officially confirmed by Netflix", source="TVLine", hours=2),
        feed.report("Jenna Ortega's 'Wednesday' Gets Season 3 Order", source="The Hollywood Reporter", hours=9),
    ]
    assert [d.verdict for d in later] == [Verdict.JOIN] * 3
    assert all(d.new_source for d in later)
    story = feed.book.get(first.story.id or 0)
    assert [s.source for s in story.outlets()] == ["Deadline", "Variety", "TVLine", "The Hollywood Reporter"]
    assert story.events == Event.RENEWAL and story.seasons == (3,)
    assert story.last_seen == T0 + 9 * HOUR and story.first_seen == T0
    assert len(feed.book.stories) == 1


def test_two_castings_the_same_day_stay_apart(matcher: Matcher) -> None:
    feed = Feed(matcher)
    buscemi = feed.report("Steve Buscemi Joins 'Wednesday' Season 2 As New Principal", source="Deadline")
    lumley = feed.report("'Wednesday' Season 2 Casts Joanna Lumley", source="Deadline", hours=3)
    assert (buscemi.verdict, lumley.verdict) == (Verdict.NEW, Verdict.NEW)
    again = feed.report("Wednesday Season 2 Adds Steve Buscemi as Nevermore's Principal", source="Variety",
                        hours=4)
    assert again.verdict is Verdict.JOIN and again.story.id == buscemi.story.id
    assert {"steve", "buscemi"} <= again.story.facts.names
    lumley_again = feed.report("Joanna Lumley cast in 'Wednesday' season 2", source="TVLine", hours=5)
    assert lumley_again.verdict is Verdict.JOIN and lumley_again.story.id == lumley.story.id


def test_the_same_outlet_reporting_again_adds_no_source(matcher: Matcher) -> None:
    feed = Feed(matcher)
    feed.report("Netflix Renews 'Wednesday' for Season 3", source="Deadline", link="https://d.example/a")
    again = feed.report("Netflix Renews 'Wednesday' for Season 3", source="Deadline", link="https://d.example/a",
                        hours=1)
    assert again.verdict is Verdict.JOIN and not again.new_source
    assert len(again.story.sources) == 1  # the same link from another feed is not a second report
    follow_up = feed.report("'Wednesday' season 3: Netflix confirms the renewal", source="Deadline", hours=2)
    assert follow_up.verdict is Verdict.JOIN and not follow_up.new_source
    assert len(follow_up.story.sources) == 2 and len(follow_up.story.outlets()) == 1


def test_teaser_one_and_teaser_two_are_different_news(matcher: Matcher) -> None:
    feed = Feed(matcher)
    one = feed.report("Watch the first teaser for 'The Boys' season 4", source="Collider")
    two = feed.report("'The Boys' Season 4 Teaser #2 Reveals Soldier Boy", source="Variety", hours=20)
    assert (one.verdict, two.verdict) == (Verdict.NEW, Verdict.NEW)
    assert one.story.facts.trailer and one.story.facts.trailer.number == 1
    same_two = feed.report("The Boys season 4 second teaser brings back Soldier Boy", source="IGN", hours=21)
    assert same_two.verdict is Verdict.JOIN and same_two.story.id == two.story.id


def test_a_final_trailer_and_a_later_poster_are_not_the_teaser(matcher: Matcher) -> None:
    feed = Feed(matcher)
    teaser = feed.report("'Stranger Things' Season 5 Teaser Trailer", source="Netflix Tudum")
    final = feed.report("'Stranger Things' Season 5 Final Trailer", source="Variety", hours=5)
    poster = feed.report("'Stranger Things' Season 5 Drops New Poster", source="IGN", hours=30)
    assert [d.verdict for d in (teaser, final, poster)] == [Verdict.NEW] * 3
    assert poster.story.facts.trailer and poster.story.facts.trailer.kind is TrailerKind.POSTER
    trailer = feed.report("Watch the final trailer for Stranger Things season 5", source="Collider", hours=31)
    assert trailer.verdict is Verdict.JOIN and trailer.story.id == final.story.id


def test_a_poster_out_with_the_trailer_is_the_same_drop(matcher: Matcher) -> None:
    feed = Feed(matcher)
    trailer = feed.report("'Stranger Things' Season 5 Official Trailer", source="Variety")
    poster = feed.report("See the first poster for 'Stranger Things' season 5", source="IGN", hours=3)
    assert (trailer.verdict, poster.verdict) == (Verdict.NEW, Verdict.JOIN)


def test_an_outlets_second_trailer_piece_is_another_asset(matcher: Matcher) -> None:
    feed = Feed(matcher)
    reign = feed.report("'Reign' promo | The Boys | Prime Video", source="YouTube")
    message = feed.report("'Message' promo | The Boys | Prime Video", source="YouTube", hours=40)
    assert (reign.verdict, message.verdict) == (Verdict.NEW, Verdict.NEW)
    other_outlet = feed.report("'Message' promo for The Boys", source="IGN", hours=41)
    assert other_outlet.verdict is Verdict.JOIN and other_outlet.story.id == message.story.id


def test_a_release_date_that_moved_is_an_update_not_a_join(matcher: Matcher) -> None:
    feed = Feed(matcher)
    dated = feed.report("'Severance' Season 2 Premieres January 17 on Apple TV+", source="Deadline")
    also = feed.report("Severance season 2 gets January 17 premiere date", source="Variety", hours=2)
    assert (dated.verdict, also.verdict) == (Verdict.NEW, Verdict.JOIN)
    moved = feed.report("'Severance' Season 2 Release Date Moved to February", source="TVLine", hours=30)
    assert moved.verdict is Verdict.UPDATE
    assert moved.earlier is not None and moved.earlier.id == dated.story.id
    assert moved.story.updates == dated.story.id
    (change,) = moved.changes
    assert change.kind is ChangeKind.DATE_MOVED
    assert change.before and change.before.start == dt.date(2027, 1, 17)
    assert change.after and change.after.precision is Precision.MONTH and change.after.start.month == 2
    again = feed.report("Apple TV+ pushes Severance season 2 to February", source="IGN", hours=31)
    assert again.verdict is Verdict.JOIN and again.story.id == moved.story.id


def test_a_finer_date_inside_the_window_is_an_update(matcher: Matcher) -> None:
    feed = Feed(matcher)
    window = feed.report("'Squid Game' Season 2 Premieres in December", source="Soompi")
    day = feed.report("'Squid Game' Season 2 Gets December 26 Premiere Date", source="Variety", hours=26)
    assert (window.verdict, day.verdict) == (Verdict.NEW, Verdict.UPDATE)
    assert [c.kind for c in day.changes] == [ChangeKind.DATE_SET]
    vaguer = feed.report("Squid Game season 2 arrives this December", source="IGN", hours=27)
    assert vaguer.verdict is Verdict.JOIN  # a vaguer date that includes the known one says nothing new


def test_renewed_then_cancelled_is_an_update_replying_to_the_renewal(matcher: Matcher) -> None:
    feed = Feed(matcher)
    renewed = feed.report("'The Bear' Renewed for Season 4 at FX", source="Deadline")
    cancelled = feed.report("'The Bear' Canceled at FX After Three Seasons", source="Variety", hours=40)
    assert cancelled.verdict is Verdict.UPDATE
    assert cancelled.story.updates == renewed.story.id
    assert cancelled.changes[0].kind is ChangeKind.STATUS
    assert cancelled.story.events == Event.CANCELLATION
    also = feed.report("FX cancels 'The Bear' after three seasons", source="TVLine", hours=41)
    assert also.verdict is Verdict.JOIN and also.story.id == cancelled.story.id
    late_renewal = feed.report("The Bear renewed for a fourth season", source="Collider", hours=42)
    assert late_renewal.verdict is Verdict.JOIN and late_renewal.story.id == renewed.story.id


def test_a_date_after_a_renewal_is_an_update(matcher: Matcher) -> None:
    feed = Feed(matcher)
    renewed = feed.report("Netflix Renews 'Wednesday' for Season 3", source="Deadline")
    both = feed.report("'Wednesday' renewed for season 3, returns in 2027", source="Variety", hours=1)
    assert both.verdict is Verdict.UPDATE and both.story.updates == renewed.story.id
    assert both.changes[0].kind is ChangeKind.EVENTS_ADDED and both.changes[0].events == Event.RELEASE_DATE
    assert both.story.facts.release and both.story.facts.release.precision is Precision.YEAR
    renewal_only = feed.report("Wednesday season 3 is happening at Netflix, renewal confirmed", source="IGN",
                               hours=2)
    assert renewal_only.verdict is Verdict.JOIN


def test_the_same_news_five_days_later_is_a_new_story(matcher: Matcher) -> None:
    feed = Feed(matcher)
    first = feed.report("Netflix Renews 'Wednesday' for Season 3", source="Deadline")
    late = feed.report("'Wednesday' Renewed for Third Season at Netflix", source="Variety", hours=5 * 24)
    assert (first.verdict, late.verdict) == (Verdict.NEW, Verdict.NEW)
    assert late.story.id != first.story.id and late.story.updates is None


def test_other_seasons_parts_and_shows_stay_apart(matcher: Matcher) -> None:
    feed = Feed(matcher)
    s3 = feed.report("Netflix Renews 'Wednesday' for Season 3", source="Deadline")
    s4 = feed.report("'Wednesday' renewed for season 4 too", source="Variety", hours=1)
    bear = feed.report("'The Bear' Renewed for Season 3 at FX", source="Deadline", hours=1)
    assert [d.verdict for d in (s3, s4, bear)] == [Verdict.NEW] * 3
    part1 = feed.report("'Stranger Things' Season 4 Volume 1 premieres May 27", source="Netflix Tudum", hours=2)
    part2 = feed.report("'Stranger Things' Season 4 Volume 2 premieres July 1", source="Netflix Tudum", hours=3)
    assert (part1.verdict, part2.verdict) == (Verdict.NEW, Verdict.NEW)
    assert (part1.story.facts.part, part2.story.facts.part) == (1, 2)


def test_a_casting_and_a_trailer_of_the_same_show_are_different_news(matcher: Matcher) -> None:
    feed = Feed(matcher)
    cast = feed.report("Steve Buscemi Joins 'Wednesday' Season 2 As New Principal", source="Deadline")
    trailer = feed.report("'Wednesday' Season 2 Official Trailer", source="Netflix", hours=1)
    assert (cast.verdict, trailer.verdict) == (Verdict.NEW, Verdict.NEW)


def test_reports_out_of_published_order_still_join(matcher: Matcher) -> None:
    feed = Feed(matcher)
    late = feed.report("'Wednesday' Renewed for Third Season at Netflix", source="Variety", hours=10)
    early = feed.report("Netflix Renews 'Wednesday' for Season 3", source="Deadline", hours=1)
    assert early.verdict is Verdict.JOIN
    assert early.story.first_seen == T0 + HOUR and early.story.last_seen == T0 + 10 * HOUR
    assert late.story.id == early.story.id


def test_only_news_is_clustered() -> None:
    match = ShowMatch(1, "Wednesday")
    with pytest.raises(ValueError, match="no event"):
        decide(Report("Jenna Ortega talks 'Wednesday'", published_at=T0), match, [])


def test_a_story_round_trips_through_its_stored_form(matcher: Matcher) -> None:
    feed = Feed(matcher)
    decision = feed.report("'Severance' Season 2 Premieres January 17 on Apple TV+", source="Deadline")
    story = decision.story
    stored = Facts.from_json(story.facts.to_json())
    assert stored == story.facts
    rebuilt = Story(story.id, story.show_id, Event(int(story.events)), story.seasons, stored, story.signature,
                    story.first_seen, story.last_seen, story.sources)
    again = decide(Report("Severance season 2 gets January 17 premiere date", "", "https://v.example/1",
                          "Variety", T0 + HOUR), matcher.match("Severance season 2 gets January 17 premiere date")[0],
                   [rebuilt])
    assert again.verdict is Verdict.JOIN and again.story.id == story.id


def test_rules_are_checked() -> None:
    with pytest.raises(ValueError):
        StoryRules(join_window=0)
    with pytest.raises(ValueError):
        StoryRules(min_similarity=2.0)
    assert StoryRules().horizon == 30 * 86400.0


def test_a_first_look_goes_with_the_trailer_released_with_it(matcher: Matcher) -> None:
    feed = Feed(matcher)
    look = feed.report("See the first look at 'Slow Horses' season 5", source="Entertainment Weekly")
    trailer = feed.report("'Slow Horses' Season 5 Official Trailer", source="Apple TV", hours=2)
    assert (look.verdict, trailer.verdict) == (Verdict.NEW, Verdict.JOIN)


def test_a_trailer_or_casting_days_later_is_new_even_with_more_events(matcher: Matcher) -> None:
    feed = Feed(matcher)
    feed.report("See the first look at 'Slow Horses' season 5", source="Entertainment Weekly")
    teaser = feed.report("Gary Oldman returns in new teaser for 'Slow Horses' season 5", source="Digital Spy",
                         hours=9 * 24)
    assert teaser.verdict is Verdict.NEW


def test_filming_after_a_renewal_is_a_milestone_of_its_own(matcher: Matcher) -> None:
    feed = Feed(matcher)
    feed.report("'The Bear' Renewed for Season 4 at FX", source="Deadline")
    filming = feed.report("'The Bear' season 4 starts filming", source="Variety", hours=3 * 24)
    assert filming.verdict is Verdict.NEW

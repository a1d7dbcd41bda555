"""Release windows read from news text: near the words that announce them, in the item's language,
relative to its published time."""

from __future__ import annotations

import datetime as dt

import pytest

from feeds.understand.dates import Precision, ReleaseWindow, WindowChange, guess_language, read_release_window

JAN20 = dt.datetime(2026, 1, 20, 15, 0, tzinfo=dt.UTC)  # a Tuesday
D = dt.date


def window(title: str, summary: str = "", published: dt.datetime = JAN20, **kw: object) -> ReleaseWindow | None:
    return read_release_window(title, summary, published=published, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(("title", "start", "end", "precision"), [
    ("'Wednesday' Season 3 Premieres August 6 on Netflix", D(2026, 8, 6), D(2026, 8, 6), Precision.DAY),
    ("Netflix Sets August 6 Premiere Date For 'Wednesday' Season 3", D(2026, 8, 6), D(2026, 8, 6), Precision.DAY),
    ("‘How I Met Your Father’ Premiere Date: Tuesday, Jan. 18 on Hulu", D(2026, 1, 18), D(2026, 1, 18),
     Precision.DAY),
    ("'Obi-Wan Kenobi' Will Debut on May 25, 2027 on Disney+", D(2027, 5, 25), D(2027, 5, 25), Precision.DAY),
    ("The Last Kingdom season 5 trailer | Premieres March 9", D(2026, 3, 9), D(2026, 3, 9), Precision.DAY),
    ("Show returns 5th of March", D(2026, 3, 5), D(2026, 3, 5), Precision.DAY),
    ("Show hits Netflix next Thursday", D(2026, 1, 22), D(2026, 1, 22), Precision.DAY),
    ("'Show' premieres tonight on FX", D(2026, 1, 20), D(2026, 1, 20), Precision.DAY),
    ("'Show' season 2 arrives tomorrow", D(2026, 1, 21), D(2026, 1, 21), Precision.DAY),
    ("Show season 2 now streaming on Peacock", D(2026, 1, 20), D(2026, 1, 20), Precision.DAY),
    ("Show returns in March", D(2026, 3, 1), D(2026, 3, 31), Precision.MONTH),
    ("Show season 2 delayed to February 2027", D(2027, 2, 1), D(2027, 2, 28), Precision.MONTH),
    ("'Severance' returns fall 2027", D(2027, 9, 1), D(2027, 11, 30), Precision.SEASON),
    ("'Harley Quinn' Season 3 Premieres Summer 2026 on HBO Max", D(2026, 6, 1), D(2026, 8, 31), Precision.SEASON),
    ("'Show' returns this fall", D(2026, 9, 1), D(2026, 11, 30), Precision.SEASON),
    ("Show season 2 set for early 2027 release", D(2027, 1, 1), D(2027, 4, 30), Precision.SEASON),
    ("Jujutsu Kaisen Anime Gets 2nd Season in 2027", D(2027, 1, 1), D(2027, 12, 31), Precision.YEAR),
    ("Show season 2 will premiere next year", D(2027, 1, 1), D(2027, 12, 31), Precision.YEAR),
    ("Yellowjackets season 2 is planned to release by the end of the year", D(2026, 1, 20), D(2026, 12, 31),
     Precision.YEAR),
])
def test_english_announcements(title: str, start: dt.date, end: dt.date, precision: Precision) -> None:
    got = window(title)
    assert got is not None, title
    assert (got.start, got.end, got.precision) == (start, end, precision)


@pytest.mark.parametrize(("title", "start", "end", "precision"), [
    ("드라마 '쇼' 3월 15일 첫 방송 확정", D(2026, 3, 15), D(2026, 3, 15), Precision.DAY),
    ("'쇼' 2027년 4월 공개", D(2027, 4, 1), D(2027, 4, 30), Precision.MONTH),
    ("'쇼' 올 하반기 공개", D(2026, 7, 1), D(2026, 12, 31), Precision.SEASON),
    ("「ショー」4月10日より配信開始", D(2026, 4, 10), D(2026, 4, 10), Precision.DAY),
    ("「ショー」2027年春放送", D(2027, 3, 1), D(2027, 5, 31), Precision.SEASON),
    ("La serie se estrena el 15 de marzo en Netflix", D(2026, 3, 15), D(2026, 3, 15), Precision.DAY),
    ("'Show' llega a Netflix el próximo jueves", D(2026, 1, 22), D(2026, 1, 22), Precision.DAY),
    ("'Show' regresa en 2027 con su temporada final", D(2027, 1, 1), D(2027, 12, 31), Precision.YEAR),
    ("La temporada 2 llegará a finales de 2026", D(2026, 9, 1), D(2026, 12, 31), Precision.SEASON),
])
def test_other_languages(title: str, start: dt.date, end: dt.date, precision: Precision) -> None:
    got = window(title)
    assert got is not None, title
    assert (got.start, got.end, got.precision) == (start, end, precision)


def test_a_date_without_a_year_is_the_next_one_with_a_week_of_grace() -> None:
    nov = dt.datetime(2026, 11, 17, tzinfo=dt.UTC)
    assert window("'Show' Premiere Date: Tuesday, Jan. 18 on Hulu", published=nov).start == D(2027, 1, 18)
    assert window("'Show' Returns Jan. 18", published=JAN20).start == D(2026, 1, 18)  # two days ago
    assert window("'Show' Returns in January", published=JAN20).start == D(2026, 1, 1)  # this month
    assert window("'Show' Returns in December", published=JAN20).start == D(2026, 12, 1)


def test_the_summary_is_read_when_the_headline_gives_no_date() -> None:
    got = window("'Wednesday' season 2 gets a premiere date",
                 "Netflix's hit returns August 6 with part one and September 3 with part two.")
    assert got is not None and got.start == D(2026, 8, 6)


@pytest.mark.parametrize("title", [
    "'Show' renewed for season 3, premiered in March 2025",  # background, past tense
    "Show star recalls her March 5 audition",  # no anchor governs the date
    "Show renewed for season 3 at Netflix",  # no date at all
    "Show may be back",  # "may" is a verb
    "Obi-Wan Kenobi Will Debut on May 25, 2022 on Disney+",  # long over when published: background
])
def test_no_announced_date(title: str) -> None:
    assert window(title) is None


def test_summaries_as_outlets_write_them() -> None:
    dateline = window("EXO Announces Premiere Date For Season 5",
                      "EXO is gearing up for a new season! On February 2, EXO announced the return of the show, "
                      "which will premiere on March 4 and air every Wednesday.", published=JAN20)
    assert dateline is not None and dateline.start == D(2026, 3, 4)  # "On February 2," is when it was said
    quarter = window("Show responds to reports about its premiere schedule",
                     "The show is set to be released in the second quarter of the year as originally planned.")
    assert quarter is not None and (quarter.start, quarter.end) == (D(2026, 4, 1), D(2026, 6, 30))
    typo = window("The Owl House Season 2b premiers March 19")
    assert typo is not None and typo.start == D(2026, 3, 19)


def test_february_29_waits_for_a_leap_year() -> None:
    got = window("Show returns Feb. 29", published=dt.datetime(2027, 1, 10, tzinfo=dt.UTC))
    assert got is not None and got.start == D(2028, 2, 29)


def test_a_show_named_like_a_weekday_is_not_a_date() -> None:
    title = "'Wednesday' Season 2 returns"
    start = title.index("Wednesday")
    assert window(title, exclude=((start, start + len("Wednesday")),)) is None
    assert window("Wednesday returns", "Wednesday returns for season 2.", exclude=((0, 9),),
                  mask=("Wednesday",)) is None


def test_language_guess() -> None:
    assert guess_language("드라마 3월 첫 방송") == "ko"
    assert guess_language("4月10日より配信") == "ja"
    assert guess_language("La serie se estrena el 15 de marzo") == "es"
    assert guess_language("Show returns in March") == "en"


def test_window_changes() -> None:
    fall = ReleaseWindow(D(2027, 9, 1), D(2027, 11, 30), Precision.SEASON, "fall 2027")
    sept14 = ReleaseWindow(D(2027, 9, 14), D(2027, 9, 14), Precision.DAY, "September 14")
    sept15 = ReleaseWindow(D(2027, 9, 15), D(2027, 9, 15), Precision.DAY, "September 15")
    oct1 = ReleaseWindow(D(2027, 10, 1), D(2027, 10, 1), Precision.DAY, "October 1")
    assert fall.change_to(sept14) is WindowChange.REFINED
    assert sept14.change_to(fall) is WindowChange.SAME
    assert sept14.change_to(oct1) is WindowChange.MOVED
    assert sept14.change_to(sept15) is WindowChange.MOVED
    assert sept14.change_to(sept15, slack_days=1) is WindowChange.SAME
    with pytest.raises(ValueError):
        ReleaseWindow(D(2027, 9, 2), D(2027, 9, 1), Precision.DAY)


def test_descriptions_and_stored_form() -> None:
    cases = {
        ReleaseWindow(D(2027, 9, 14), D(2027, 9, 14), Precision.DAY): "September 14, 2027",
        ReleaseWindow(D(2027, 3, 1), D(2027, 3, 31), Precision.MONTH): "March 2027",
        ReleaseWindow(D(2027, 9, 1), D(2027, 11, 30), Precision.SEASON): "fall 2027",
        ReleaseWindow(D(2027, 1, 1), D(2027, 4, 30), Precision.SEASON): "early 2027",
        ReleaseWindow(D(2027, 7, 1), D(2027, 12, 31), Precision.SEASON): "second half of 2027",
        ReleaseWindow(D(2027, 1, 1), D(2027, 12, 31), Precision.YEAR): "2027",
        ReleaseWindow(D(2026, 1, 20), D(2026, 12, 31), Precision.YEAR): "by the end of 2026",
    }
    for win, text in cases.items():
        assert win.describe() == text
        assert ReleaseWindow.from_json(win.to_json()) == win

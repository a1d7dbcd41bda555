"""Stories on the shared real news (skipped when ../shared is absent): every labelled item goes
through the matcher, the facts and the StoryBook without an error, and the release dates read from
the items the labels say announce one are mostly found and always plausible."""

from __future__ import annotations

import datetime as dt
import email.utils
import json

import pytest

from feeds.model import CatalogShow
from feeds.understand.dates import read_release_window
from feeds.understand.matcher import Matcher
from feeds.understand.stories import Report, StoryBook, Verdict
from tests.conftest import SHARED

LABELLED = SHARED / "realdata" / "labelled"
SETS = ("reddit_2022", "rss_2026")

pytestmark = pytest.mark.skipif(not LABELLED.is_dir(), reason=f"{LABELLED} is not here")


def published(text: str) -> dt.datetime:
    for parse in (dt.datetime.fromisoformat, lambda t: dt.datetime.strptime(t, "%B %d, %Y %I:%M %p"),
                  email.utils.parsedate_to_datetime):
        try:
            when = parse(text)
        except (ValueError, TypeError):
            continue
        return when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    raise ValueError(text)


def load(name: str) -> tuple[Matcher, list[dict]]:
    catalog = json.loads((LABELLED / name / "catalog.json").read_text(encoding="utf-8"))
    shows = [CatalogShow(i, s["title"], tuple(s.get("aliases", []))) for i, s in enumerate(catalog["shows"], 1)]
    items = [json.loads(line) for line in (LABELLED / name / "items.jsonl").read_text(encoding="utf-8").splitlines()
             if line.strip()]
    return Matcher(shows), items


@pytest.mark.parametrize("name", SETS)
def test_every_item_goes_through_stories(name: str) -> None:
    matcher, items = load(name)
    book = StoryBook()
    verdicts: list[Verdict] = []
    for item in sorted(items, key=lambda i: published(i["published"])):
        when = published(item["published"]).timestamp()
        for match in matcher.match(item["title"], item.get("summary", "")):
            if match.events:
                report = Report(item["title"], item.get("summary", ""), item.get("link"),
                                item.get("outlet") or item.get("domain") or "", when)
                verdicts.append(book.add(report, match).verdict)
    assert verdicts and verdicts.count(Verdict.NEW) >= len(verdicts) // 2
    assert len(book.stories) == verdicts.count(Verdict.NEW) + verdicts.count(Verdict.UPDATE)


def test_announced_release_dates_are_found_and_plausible() -> None:
    found = total = 0
    for name in SETS:
        matcher, items = load(name)
        for item in items:
            if not any("release_date" in g["events"] for g in item["gold"]):
                continue
            total += 1
            when = published(item["published"])
            matches = matcher.match(item["title"], item.get("summary", ""))
            window = read_release_window(item["title"], item.get("summary", ""), published=when,
                                         exclude=tuple(s for m in matches for s in m.spans),
                                         mask=tuple(m.show for m in matches))
            if window is None:
                continue
            found += 1
            assert when.date() - dt.timedelta(days=7) <= window.end, (item["title"], window)
            assert window.start <= when.date() + dt.timedelta(days=3 * 366), (item["title"], window)
    assert total >= 30
    assert found >= 0.75 * total, f"{found} of {total} announced dates read"

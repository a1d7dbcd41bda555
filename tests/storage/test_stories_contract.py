"""The stories contract: what every backend does behind `StoryStore` — decisions kept, sources in
order, an item linked once per show, a show's stories latest first, the calendar's dated stories,
and deciding inside a unit of work never opening two stories for the same news."""

from __future__ import annotations

import asyncio
import datetime as dt

from feeds.model import Event, NewItem, ShowMatch
from feeds.understand.records import Precision, Verdict
from feeds.understand.stories import Report, StoryRules, decide
from storage.ports import Storage

NOW = 1_800_000_000.0  # 2027-01-15
HOUR = 3600.0
RULES = StoryRules()


async def _setup(storage: Storage) -> tuple[int, int, int]:
    show = await storage.catalog.upsert_show("Severance")
    await storage.feeds.add_feed("https://deadline.example/feed")
    await storage.feeds.add_feed("https://variety.example/feed")
    deadline, variety = [f.id for f in await storage.feeds.all()]
    await storage.feeds.record_feed_success(deadline, etag=None, last_modified=None, title="Deadline",
                                            next_poll_at=NOW, now=NOW)
    await storage.feeds.record_feed_success(variety, etag=None, last_modified=None, title="Variety",
                                            next_poll_at=NOW, now=NOW)
    return show, deadline, variety


async def _report(storage: Storage, feed_id: int, show_id: int, title: str, at: float, events: Event,
                  seasons: tuple[int, ...] = (2,), outlet: str = "") -> tuple[int, Verdict, int]:
    """Store an item, decide inside a unit of work as the poller does, save. (item id, verdict, story id)"""
    link = f"https://{outlet or feed_id}.example/{abs(hash(title))}"
    match = ShowMatch(show_id, "Severance", events, seasons, "test")
    async with storage.transaction():
        [item] = await storage.items.insert_items(feed_id, [NewItem(title, link=link, published_at=at)], at)
        stories = await storage.stories.recent([show_id], since=at - RULES.horizon)
        decision = decide(Report(title, "", link, outlet, at, item.id), match, stories, rules=RULES)
        saved = await storage.stories.save(decision, item_id=item.id, reported_at=at)
    assert saved.id is not None
    return item.id, decision.verdict, saved.id


async def test_reports_of_the_same_news_make_one_story_with_its_sources_in_order(storage: Storage) -> None:
    show, deadline, variety = await _setup(storage)
    first_item, first, story_id = await _report(storage, deadline, show, "Severance renewed for season 2", NOW,
                                                Event.RENEWAL, outlet="Deadline")
    second_item, second, again = await _report(storage, variety, show, "Apple renews Severance for a second season",
                                               NOW + HOUR, Event.RENEWAL, outlet="Variety")
    assert (first, second) == (Verdict.NEW, Verdict.JOIN) and again == story_id
    story = await storage.stories.get(story_id)
    assert story is not None
    assert [(s.source, s.item_id, s.published_at) for s in story.sources] == [
        ("Deadline", first_item, NOW), ("Variety", second_item, NOW + HOUR)]
    assert (story.events, story.seasons, story.first_seen, story.last_seen) == (Event.RENEWAL, (2,), NOW, NOW + HOUR)
    assert story.headline == "Severance renewed for season 2" and story.updates is None
    found = await storage.stories.for_item(second_item, show)
    assert found is not None and found[0].id == story_id and found[1] is Verdict.JOIN
    assert await storage.stories.for_item(second_item, show + 99) is None


async def test_an_update_points_to_the_earlier_story_and_keeps_its_date(storage: Storage) -> None:
    show, deadline, variety = await _setup(storage)
    _, _, dated = await _report(storage, deadline, show, "Severance season 2 premieres January 17", NOW,
                                Event.RELEASE_DATE)
    _, verdict, moved = await _report(storage, variety, show, "Severance season 2 premiere moved to February",
                                      NOW + 30 * HOUR, Event.RELEASE_DATE)
    assert verdict is Verdict.UPDATE and moved != dated
    story = await storage.stories.get(moved)
    assert story is not None and story.updates == dated
    assert story.facts.release is not None and story.facts.release.precision is Precision.MONTH
    assert story.facts.release.start == dt.date(2027, 2, 1)
    calendar = await storage.stories.dated([show], ending_from=dt.date(2027, 1, 1))
    assert [s.id for s in calendar] == [dated, moved]
    assert [s.id for s in await storage.stories.dated(None, ending_from=dt.date(2027, 1, 31))] == [moved]
    assert await storage.stories.dated([show + 99]) == []


async def test_a_shows_stories_latest_first_and_paged(storage: Storage) -> None:
    show, deadline, _ = await _setup(storage)
    ids = []
    for n in range(4):
        _, _, story_id = await _report(storage, deadline, show, f"Actor {chr(65 + n)}lpha{n} joins Severance",
                                       NOW + n * 100 * HOUR, Event.CASTING)
        ids.append(story_id)
    assert len(set(ids)) == 4
    latest = await storage.stories.for_show(show, limit=2)
    assert [s.id for s in latest] == [ids[3], ids[2]]
    older = await storage.stories.for_show(show, limit=5, before=latest[-1].first_seen)
    assert [s.id for s in older] == [ids[1], ids[0]]
    assert [s.id for s in await storage.stories.recent([show], since=NOW + 250 * HOUR)] == [ids[3]]
    assert await storage.stories.recent([], since=0) == []


async def test_an_item_keeps_its_first_story(storage: Storage) -> None:
    show, deadline, _ = await _setup(storage)
    item_id, _, story_id = await _report(storage, deadline, show, "Severance renewed for season 2", NOW,
                                         Event.RENEWAL)
    match = ShowMatch(show, "Severance", Event.RENEWAL, (2,), "test")
    late = decide(Report("Severance renewed for season 2", published_at=NOW + 9 * 86400.0), match, [])
    assert late.verdict is Verdict.NEW
    saved = await storage.stories.save(late, item_id=item_id, reported_at=NOW)
    assert saved.id == story_id
    assert len(await storage.stories.for_show(show)) == 1


async def test_reports_deciding_at_once_never_open_two_stories(storage: Storage) -> None:
    show, deadline, variety = await _setup(storage)
    titles = [(deadline, "Severance renewed for season 2", "Deadline"),
              (variety, "Apple TV+ renews Severance for season 2", "Variety")]
    results = await asyncio.gather(*(_report(storage, feed, show, title, NOW + n, Event.RENEWAL, outlet=outlet)
                                     for n, (feed, title, outlet) in enumerate(titles)))
    assert sorted(v.value for _, v, _ in results) == ["join", "new"]
    assert len({story for _, _, story in results}) == 1

"""Stories on real news: how many pings a fan gets per piece of news, and what clustering gets wrong.

    python bench/bench_stories.py [--verbose]

Reads the labelled stories of bench/data/stories/stories.jsonl (which real items report the same
news) and the items' text from ../shared/realdata at run time. Every item goes, in published
order, through the real matcher (its set's catalog) and feeds.understand.stories.StoryBook — what
the poller does per matched item. Counted for each labelled story, on its show:

- pings: items decided NEW or UPDATE (a notification); ideal 1 per story
- wrong merges: an item joined to a story that holds another labelled story's items (news lost)
- needless splits: a story pinged more than once (the extra pings)
- verdicts against the ideal one (first item: new, or update where the labels say it revises an
  earlier story; later items: join), and update-vs-join accuracy over the items whose ideal is
  join or update
Baseline (same run): one ping per item with an event, which is what showbot did before stories.
Cost: the stories' CPU time per matched item (facts, dateparser where a date is announced, decision)
against the matcher's CPU time on the same items (CPU seconds of this process, so other load on the
machine skews them less). Exits 0; skips when ../shared is absent."""

from __future__ import annotations

import argparse
import datetime as dt
import email.utils
import json
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import _common

from feeds.model import CatalogShow, ShowMatch
from feeds.understand.dates import read_release_window
from feeds.understand.matcher import Matcher
from feeds.understand.stories import Report, StoryBook, Verdict
from feeds.understand.text import plain_text

ROOT = _common.REPO
LABELS = ROOT / "bench" / "data" / "stories" / "stories.jsonl"
SHARED = next((p / "shared" for p in ROOT.parents if (p / "shared" / "realdata").is_dir()), ROOT.parent / "shared")
REALDATA = SHARED / "realdata"
SETS = ("reddit_2022", "rss_2026")
CATALOG_OF = {"reddit_2022": "reddit_2022", "rss_2026": "rss_2026", "feeds": "rss_2026"}
FEED_OUTLETS = {"deadline-hollywood": "Deadline", "entertainment-weekly": "Entertainment Weekly",
                "cinemablend": "CinemaBlend", "soompi": "Soompi", "digital-spy": "Digital Spy",
                "den-of-geek": "Den of Geek", "radio-times": "Radio Times", "variety": "Variety",
                "the-hollywood-reporter": "The Hollywood Reporter"}
TARGET_PINGS = 1.05  # pings per story reached
TARGET_COST = 1.0  # stories' time per matched item, as a multiple of the matcher's


@dataclass(frozen=True, slots=True)
class Item:
    key: str  # "<set>:<id>"
    set: str
    title: str
    summary: str
    link: str | None
    source: str
    published: float


@dataclass(slots=True)
class Outcome:
    story: str  # labelled story id
    ideal: str  # "new", "update", "join"
    got: str  # "new", "update", "join", "none" (the matcher found no event for the show)
    book_story: int | None = None
    joined_into: set[str] = field(default_factory=set)  # labelled stories the joined story held


def parse_published(text: str) -> float:
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        try:
            when = dt.datetime.strptime(text, "%B %d, %Y %I:%M %p")
        except ValueError:
            when = email.utils.parsedate_to_datetime(text)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.timestamp()


def load_catalogs() -> tuple[dict[str, list[CatalogShow]], dict[str, int]]:
    """Each set's catalog, with one id per title across sets (a story is about a title)."""
    ids: dict[str, int] = {}
    catalogs: dict[str, list[CatalogShow]] = {}
    for name in SETS:
        data = json.loads((REALDATA / "labelled" / name / "catalog.json").read_text(encoding="utf-8"))
        shows = []
        for s in data["shows"]:
            show_id = ids.setdefault(s["title"], len(ids) + 1)
            shows.append(CatalogShow(show_id, s["title"], tuple(s.get("aliases", []))))
        catalogs[name] = shows
    return catalogs, ids


def load_items(refs: list[dict]) -> dict[str, Item]:
    wanted = {(r["set"], r["id"]) for r in refs}
    items: dict[str, Item] = {}
    links: dict[str, str] = {}
    raw = REALDATA / "tv_headlines_2022.jsonl"
    reddit_ids = {i for s, i in wanted if s == "reddit_2022"}
    for line in raw.read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        if d["id"] in reddit_ids:
            links[d["id"]] = d.get("link") or ""
    for name in SETS:
        for line in (REALDATA / "labelled" / name / "items.jsonl").read_text(encoding="utf-8").splitlines():
            d = json.loads(line)
            if (name, d["id"]) not in wanted:
                continue
            link = d.get("link") or links.get(d["id"]) or None
            source = d.get("outlet") or d.get("domain") or ""
            items[f"{name}:{d['id']}"] = Item(f"{name}:{d['id']}", name, d["title"], d.get("summary", ""), link,
                                              source, parse_published(d["published"]))
    feeds: dict[str, ET.Element] = {}
    for set_name, ref in wanted:
        if set_name != "feeds":
            continue
        path, _, link = ref.partition("#")
        if path not in feeds:
            feeds[path] = ET.parse(REALDATA / path).getroot()
        for it in feeds[path].iter("item"):
            if (it.findtext("link") or "").strip() == link:
                outlet = FEED_OUTLETS.get(Path(path).stem.split("_")[0], Path(path).stem)
                items[f"feeds:{ref}"] = Item(f"feeds:{ref}", "feeds", plain_text(it.findtext("title") or ""),
                                             plain_text(it.findtext("description") or "", limit=400), link,
                                             outlet, parse_published((it.findtext("pubDate") or "").strip()))
    return items


def warm_up() -> None:
    """dateparser loads its language data on first use (~0.1 s per language): once per process, so
    it is paid before timing, as a running bot paid it long ago."""
    when = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for text in ("returns March 5", "3월 15일 첫 방송", "4月10日より配信", "se estrena el 15 de marzo"):
        read_release_window(text, published=when)


def run(verbose: bool) -> None:
    stories = [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines() if line.strip()]
    refs = [r for s in stories for r in s["items"]]
    items = load_items(refs)
    missing = [r for r in refs if f"{r['set']}:{r['id']}" not in items]
    catalogs, ids = load_catalogs()
    matchers = {name: Matcher(shows) for name, shows in catalogs.items()}
    story_of: dict[str, dict] = {}
    for s in stories:
        for r in s["items"]:
            story_of[f"{r['set']}:{r['id']}"] = s

    warm_up()
    book = StoryBook()
    book_members: dict[int, set[str]] = defaultdict(set)  # book story id -> labelled stories of its items
    outcomes: list[Outcome] = []
    seen_stories: set[str] = set()
    match_time = story_time = 0.0
    matched_items = other_show_pings = baseline_pings = 0
    order = sorted(items.values(), key=lambda i: (i.published, i.key))
    for item in order:
        labelled = story_of[item.key]
        shows = set(labelled.get("shows", [labelled["show"]]))
        t0 = time.process_time()
        matches = matchers[CATALOG_OF[item.set]].match(item.title, item.summary)
        match_time += time.process_time() - t0
        news = [m for m in matches if m.events]
        if news:
            matched_items += 1
        baseline_pings += len(news)
        for m in news:
            report = Report(item.title, item.summary, item.link, item.source, item.published)
            t0 = time.process_time()
            decision = book.add(report, ShowMatch(ids[m.show], m.show, m.events, m.seasons, m.reason, m.spans))
            story_time += time.process_time() - t0
            if m.show not in shows:
                if decision.verdict is not Verdict.JOIN:
                    other_show_pings += 1
                continue
            first = labelled["story"] not in seen_stories
            seen_stories.add(labelled["story"])
            ideal = ("update" if labelled["updates"] else "new") if first else "join"
            earlier = decision.earlier.id if decision.earlier else None
            outcome = Outcome(labelled["story"], ideal, decision.verdict.value, decision.story.id)
            if decision.verdict is Verdict.JOIN and earlier is not None:
                outcome.joined_into = set(book_members[earlier])
            if decision.verdict is Verdict.UPDATE and earlier is not None:
                outcome.joined_into = set(book_members[earlier])
            book_members[decision.story.id or 0].add(labelled["story"])
            outcomes.append(outcome)
            if verbose:
                print(f"  {item.key:<22} {labelled['story']} ideal={ideal:<6} got={decision.verdict.value:<6} "
                      f"{item.title[:70]!r}  [{decision.why}]")
        if not any(m.show in shows for m in news):
            outcomes.append(Outcome(labelled["story"], "-", "none"))

    report_figures(stories, items, missing, outcomes, book, baseline_pings, other_show_pings, matched_items,
                   match_time, story_time)


def report_figures(stories: list[dict], items: dict[str, Item], missing: list[dict], outcomes: list[Outcome],
                   book: StoryBook, baseline_pings: int, other_show_pings: int, matched_items: int,
                   match_time: float, story_time: float) -> None:
    by_set = Counter(i.set for i in items.values())
    multi = sum(1 for s in stories if len(s["items"]) > 1)
    print(f"items: {len(items)} ({', '.join(f'{k} {v}' for k, v in sorted(by_set.items()))}); "
          f"{len(missing)} not found in ../shared")
    print(f"labelled stories: {len(stories)}, {multi} reported by more than one item, "
          f"{sum(1 for s in stories if s['updates'])} updates")
    decided = [o for o in outcomes if o.got != "none"]
    pings: Counter[str] = Counter(o.story for o in decided if o.got in ("new", "update"))
    reached = {o.story for o in decided}
    updates_of = {s["story"]: s["updates"] for s in stories}
    wrong_merges = [o for o in decided if o.got == "join" and o.joined_into - {o.story}]
    wrong_links = [o for o in decided if o.got == "update" and o.joined_into
                   and updates_of.get(o.story) not in o.joined_into]
    unpinged = [s for s in reached if pings[s] == 0]
    split = {s: n for s, n in pings.items() if n > 1}
    total_pings = sum(pings.values())
    print(f"stories the matcher reached (an event for the labelled show): {len(reached)} of {len(stories)}; "
          f"items with no event for their show: {sum(1 for o in outcomes if o.got == 'none')}")
    per_story = total_pings / len(reached) if reached else 0.0
    print(f"pings: {total_pings} for {len(reached)} stories = {per_story:.3f} per story (ideal 1.000)")
    n_items_reached = len(decided)
    print(f"baseline, one ping per article: {n_items_reached} pings for the same stories = "
          f"{n_items_reached / len(reached) if reached else 0:.3f} per story "
          f"({baseline_pings} news matches in all, any show)")
    print(f"wrong merges: {len(wrong_merges)} item(s) joined into another story's news"
          + (": " + ", ".join(f"{o.story}->{sorted(o.joined_into - {o.story})}" for o in wrong_merges)
             if wrong_merges else ""))
    print(f"stories with no ping (all items joined elsewhere): {len(unpinged)}")
    print(f"needless splits: {len(split)} stories pinged more than once, {sum(n - 1 for n in split.values())} "
          "extra pings" + (": " + ", ".join(f"{s} x{n}" for s, n in sorted(split.items())) if split else ""))
    print(f"updates linked to a story the labels do not say they revise: {len(wrong_links)}"
          + (": " + ", ".join(f"{o.story}->{sorted(o.joined_into)}" for o in wrong_links) if wrong_links else ""))
    print(f"pings for other shows than the labelled one (the matcher's attribution): {other_show_pings}")
    matrix = Counter((o.ideal, o.got) for o in decided)
    print("verdicts (rows: ideal, columns: got):")
    print(f"  {'':<8}" + "".join(f"{g:>8}" for g in ("new", "update", "join")))
    for ideal in ("new", "update", "join"):
        print(f"  {ideal:<8}" + "".join(f"{matrix[(ideal, g)]:>8}" for g in ("new", "update", "join")))
    exact = sum(matrix[(k, k)] for k in ("new", "update", "join"))
    print(f"verdict accuracy: {exact}/{len(decided)} = {exact / len(decided) if decided else 0:.3f}")
    later = [o for o in decided if o.ideal in ("update", "join")]
    right = sum(1 for o in later if o.ideal == o.got)
    print(f"update-vs-join accuracy (items whose ideal is update or join): {right}/{len(later)}"
          + (f" = {right / len(later):.3f}" if later else ""))
    print(f"stories in the book: {len(book.stories)}")
    cost_ratio = _common.ratio(story_time, match_time)
    print(f"cost: matcher {1e6 * match_time / max(len(items), 1):.0f} µs/item; stories "
          f"{1e6 * story_time / max(matched_items, 1):.0f} µs per item with news; "
          f"stories/matcher = {cost_ratio:.2f}x (both over all {len(items)} items)")
    _common.verdict("pings per story", per_story <= TARGET_PINGS, f"{per_story:.3f} (target <= {TARGET_PINGS})")
    _common.verdict("wrong merges", not wrong_merges, f"{len(wrong_merges)} (target 0)")
    _common.verdict("cost", cost_ratio <= TARGET_COST, f"{cost_ratio:.2f}x the matcher (target <= {TARGET_COST}x)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--verbose", action="store_true", help="one line per decision")
    args = parser.parse_args()
    _common.header("stories on real news")
    if not REALDATA.is_dir() or not LABELS.is_file():
        print(f"skipped: {REALDATA} or {LABELS} is not here")
        return 0
    run(args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())

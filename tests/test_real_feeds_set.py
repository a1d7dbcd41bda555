"""The `feeds_2026` labelled set (tests/data/real/feeds_2026/) is well-formed and attachable: labels only in
the repo, every label finds its item in the outlet snapshots in ../shared, every gold show is in the set's
catalog, events are the bot's event slugs. The snapshot tests skip when ../shared is absent
(SHOWBOT_SHARED points elsewhere, e.g. from a worktree)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from feeds.model import Event
from tests.support.scoring import load_catalog
from tools.real_feeds import FeedItemNotFound, attach_text, clean_summary, load_feed_items

SET_DIR = Path(__file__).parent / "data" / "real" / "feeds_2026"
SHARED = Path(os.environ.get("SHOWBOT_SHARED") or Path(__file__).resolve().parents[2] / "shared")
FEEDS = SHARED / "realdata" / "feeds"
needs_shared = pytest.mark.skipif(
    not FEEDS.is_dir(), reason=f"{FEEDS} is not here (the outlet snapshots live outside the repo)"
)

LABEL_KEYS = {"id", "file", "link", "published", "gold"}
GOLD_KEYS = {"show", "events", "season"}
SLUGS = {event.slug for event in Event}
ITEMS = 110
MIN_DISTRACTORS = 15


def _labels() -> list[dict]:
    with (SET_DIR / "items.jsonl").open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def _catalog() -> list[dict]:
    return json.loads((SET_DIR / "catalog.json").read_text(encoding="utf-8"))["shows"]


def _gold_shows() -> set[str]:
    return {entry["show"] for label in _labels() for entry in label["gold"]}


# -- the labels, without the snapshots ------------------------------------------------------------
def test_every_item_is_labelled_once_and_no_outlet_text_is_in_the_repo() -> None:
    labels = _labels()
    assert len(labels) == ITEMS
    assert len({label["id"] for label in labels}) == ITEMS
    for label in labels:
        assert set(label) == LABEL_KEYS, label["id"]  # no title or summary: the text stays in ../shared
        assert label["id"].startswith("f") and label["id"].rsplit("-", 1)[1].isdigit(), label["id"]
        assert label["file"].endswith(".xml") and label["link"].startswith("https://"), label["id"]


def test_gold_entries_are_well_formed() -> None:
    for label in _labels():
        shows = [entry["show"] for entry in label["gold"]]
        assert len(shows) == len(set(shows)), f"{label['id']}: a show twice"
        for entry in label["gold"]:
            where = f"{label['id']} / {entry.get('show')}"
            assert GOLD_KEYS <= set(entry) <= GOLD_KEYS | {"optional"}, where
            assert isinstance(entry["show"], str) and entry["show"].strip(), where
            assert set(entry["events"]) <= SLUGS, f"{where}: events {entry['events']} not in {sorted(SLUGS)}"
            assert len(entry["events"]) == len(set(entry["events"])), where
            season = entry["season"]
            seasons = season if isinstance(season, list) else [season]
            assert season is None or all(isinstance(s, int) and s > 0 for s in seasons), where
            assert entry.get("optional", True) is True, f"{where}: optional is true or absent"


def test_every_gold_show_is_in_the_catalog_and_the_catalog_loads() -> None:
    titles = [show["title"] for show in _catalog()]
    assert len(titles) == len(set(titles))
    assert _gold_shows() <= set(titles), sorted(_gold_shows() - set(titles))
    assert len(load_catalog(SET_DIR / "catalog.json")) == len(titles)


def test_the_catalog_has_look_alike_distractors() -> None:
    distractors = {show["title"] for show in _catalog()} - _gold_shows()
    assert len(distractors) >= MIN_DISTRACTORS, sorted(distractors)


def test_some_items_name_no_show_and_some_announce_news() -> None:
    labels = _labels()
    assert any(not label["gold"] for label in labels)
    assert any(entry["events"] for label in labels for entry in label["gold"])


# -- reading a snapshot ---------------------------------------------------------------------------
RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Deadline Hollywood - Article Feed</title><link>https://x.test/</link>
<item><title>First &amp;amp; Second</title><link>https://x.test/1</link>
<description>&lt;p&gt;Tom &amp;amp;  Jerry&lt;/p&gt;
  renewed</description><pubDate>Tue, 24 Mar 2026 15:46:33 +0000</pubDate></item>
<item><title>Another</title><link>https://x.test/2</link><description>{long}</description>
<pubDate>Wed, 25 Mar 2026 14:00:00 +0000</pubDate></item>
</channel></rss>"""


def test_clean_summary_strips_tags_unescapes_collapses_and_cuts() -> None:
    assert clean_summary("<p>Tom &amp; <b>Jerry</b></p>\n\n  return") == "Tom & Jerry return"
    assert len(clean_summary("word " * 200)) == 400


def test_load_feed_items_reads_a_snapshot_with_stable_ids(tmp_path: Path) -> None:
    (tmp_path / "deadline-hollywood_abc.xml").write_text(RSS.replace("{long}", "x" * 500), encoding="utf-8")
    first, second = load_feed_items(tmp_path)
    assert first["id"] == "fdeadline-hollywood_abc-1" and second["id"] == "fdeadline-hollywood_abc-2"
    assert first["outlet"] == "Deadline" and first["file"] == "deadline-hollywood_abc.xml"
    assert first["summary"] == "Tom & Jerry renewed"
    assert first["published"] == "2026-03-24T15:46:33+00:00" and first["link"] == "https://x.test/1"
    assert len(second["summary"]) == 400


def test_attach_text_refuses_a_label_whose_item_is_missing_or_moved(tmp_path: Path) -> None:
    (tmp_path / "deadline-hollywood_abc.xml").write_text(RSS.replace("{long}", "x"), encoding="utf-8")
    label = {"id": "fdeadline-hollywood_abc-2", "file": "deadline-hollywood_abc.xml", "gold": []}
    attached = attach_text([{**label, "link": "https://x.test/2", "published": ""}], tmp_path)
    assert attached[0]["title"] == "Another" and attached[0]["gold"] == []
    with pytest.raises(FeedItemNotFound, match="fdeadline-hollywood_abc-3"):
        attach_text([{**label, "id": "fdeadline-hollywood_abc-3", "link": "https://x.test/3"}], tmp_path)
    with pytest.raises(FeedItemNotFound, match="does not match"):
        attach_text([{**label, "link": "https://x.test/1"}], tmp_path)
    with pytest.raises(FileNotFoundError):
        load_feed_items(tmp_path / "absent")


# -- against the real snapshots -------------------------------------------------------------------
@needs_shared
def test_every_label_finds_its_item_in_the_snapshots() -> None:
    labels = _labels()
    items = attach_text(labels, FEEDS)
    assert [item["id"] for item in items] == [label["id"] for label in labels]
    for item, label in zip(items, labels, strict=True):
        assert item["title"].strip(), item["id"]
        assert item["link"] == label["link"] and item["published"] == label["published"], item["id"]
        assert item["gold"] == label["gold"]
    assert {item["outlet"] for item in items} >= {"Deadline", "Soompi", "Variety", "Radio Times"}


@needs_shared
def test_the_set_covers_every_item_of_every_snapshot() -> None:
    assert {item["id"] for item in load_feed_items(FEEDS)} == {label["id"] for label in _labels()}


@needs_shared
def test_realsets_reads_the_set_with_its_text(monkeypatch: pytest.MonkeyPatch) -> None:
    import tools.real_feeds as real_feeds
    from tools.realsets import load_items

    monkeypatch.setattr(real_feeds, "FEEDS_DIR", FEEDS)
    items = load_items("feeds_2026")
    assert len(items) == ITEMS and all("summary" in item for item in items)

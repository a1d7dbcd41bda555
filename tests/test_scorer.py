"""The learned event scorer's inference (feeds/understand/scorer.py) and its hook in the matcher.

No weights ship today (trained on the tuned real data it did not help on the untuned parts; see the
README), so the matcher's answer is the rules'; these tests pin down what a weights file would do."""

from __future__ import annotations

from feeds.model import CatalogShow, Event
from feeds.understand.matcher import Matcher
from feeds.understand.scorer import EventScorer, Finding, bundled_scorer, features


def test_features_name_the_rules_findings_and_the_words() -> None:
    names = features(Event.CASTING, Finding(Event.CASTING, ("casting.joins",), False), ["joins", "as"], False)
    assert names == ["bias:casting", "rule:casting", "row:casting.joins", "w:casting:joins", "w:casting:as"]
    assert "framed:trailer" in features(Event.TRAILER, None, [], True)


def test_probability_is_a_sigmoid_of_the_summed_weights() -> None:
    scorer = EventScorer({"bias:renewal": -2.0, "rule:renewal": 4.0}, 0.5)
    assert scorer.probability(["bias:renewal"]) < 0.2
    assert scorer.probability(["bias:renewal", "rule:renewal"]) > 0.8
    assert scorer.probability(["unknown"]) == 0.5


def test_the_scorer_decides_where_it_disagrees_with_the_rules() -> None:
    shows = [CatalogShow(1, "Harbor Lights")]
    rules_only = Matcher(shows, learned=False)
    assert rules_only.scorer is None
    [plain] = rules_only.match("Ava Stone hosts Harbor Lights reunion special")
    assert plain.events == Event(0)
    learned = Matcher(shows, learned=False)
    learned.scorer = EventScorer({f"bias:{e.slug}": -3.0 for e in Event} | {"w:casting:hosts": 6.0}, 0.5)
    [match] = learned.match("Ava Stone hosts Harbor Lights reunion special")
    assert match.events == Event.CASTING and "learned scorer: +casting" in match.reason
    assert {name for _show, _event, names in learned.event_candidates("Harbor Lights renewed") for name in names} \
        >= {"rule:renewal", "row:renewal.renewed", "bias:casting"}


def test_no_weights_ship_so_the_rules_decide() -> None:
    assert bundled_scorer() is None
    assert Matcher([CatalogShow(1, "Harbor Lights")]).scorer is None

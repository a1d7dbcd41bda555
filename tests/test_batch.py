"""`showbot match`'s engine (feeds/understand/batch.py): the same answers on every core as in one
process, in input order, bad lines reported by number; and the index's cheap pre-test never hides
a show."""

from __future__ import annotations

import json
import random

from feeds.model import CatalogShow
from feeds.understand.batch import CHUNK, match_lines
from feeds.understand.matcher import Matcher
from feeds.understand.text import clean
from feeds.understand.tokens import tokenize
from tests.conftest import DATA
from tests.support.scoring import load_catalog, load_items

SHOWS = [CatalogShow(1, "Harbor Lights"), CatalogShow(2, "You"), CatalogShow(3, "Lockwood & Co."),
         CatalogShow(4, "Love O'Clock"), CatalogShow(5, "Squid Game", ("오징어 게임",))]
TITLES = ["Harbor Lights renewed for season 3", "Netflix renews You for a fifth season", "Why you should watch",
          "Netflix cancels Lockwood & Co. after one season", "Love O'Clock casts Ava Stone", "'오징어 게임' 시즌2 예고편 공개"]


def _lines(count: int) -> list[str]:
    rng = random.Random(7)
    lines = []
    for n in range(count):
        if n % 97 == 13:
            lines.append("not json")
        elif n % 89 == 5:
            lines.append("   ")
        else:
            lines.append(json.dumps({"id": n, "title": rng.choice(TITLES), "summary": "The drama stars Ava Stone."}))
    return lines


def test_every_core_gives_the_one_process_answers_in_order() -> None:
    matcher = Matcher(SHOWS)
    lines = _lines(3 * CHUNK + 7)
    alone = list(match_lines(matcher, lines, workers=1))
    together = list(match_lines(matcher, lines, workers=2))
    assert together == alone
    assert [a.number for a in together] == sorted(a.number for a in together)
    assert sum(1 for a in together if a.error) == sum(1 for line in lines if line == "not json")
    assert all(a.error.startswith(f"line {a.number}: not a JSON object") for a in together if a.error)
    outputs = [json.loads(a.output) for a in together if a.output]
    assert outputs[0] == {"id": 0, "matches": outputs[0]["matches"]} and len(outputs) + sum(
        1 for a in together if a.error) == sum(1 for line in lines if line.strip())


def test_the_cheap_pre_test_never_hides_a_show() -> None:
    for name in ("labelled", "holdout", "blind2", "blind3", "blind4", "blind5", "phrasebook"):
        matcher = Matcher(load_catalog(DATA / f"{name}_catalog.json"))
        for item in load_items(DATA / f"{name}_items.jsonl"):
            for text in (item["title"], item.get("summary", "")):
                cleaned = clean(text)
                if matcher.index.candidates(tokenize(cleaned)):
                    assert matcher.index.may_name_a_show(cleaned), text
    assert not Matcher(SHOWS).index.may_name_a_show("Nothing to see here at all")

"""Matcher throughput: 20,000 TV-news headlines against a 10,000-show catalog.

    python bench/bench_matcher.py [--items N] [--shows N] [--naive-items N] [--profile]

Everything is generated from a fixed seed: invented multi-word titles, one-word titles, Hangul and
Japanese aliases, and headlines in the style of TV news (renewals, cancellations, dates, trailers,
casting, filming, reviews, two-show stories, look-alikes that name no catalog show, industry news).

Measured: feeds.understand.matcher.Matcher(shows).match(title, summary) in items/s (building the Matcher is
timed separately; rates are per CPU second of this single-threaded process, so other load on the
machine does not skew them), against a naive loop that, for each item, substring-tests every title and alias of
every show (lower-cased once, up front) and then checks event keywords. The naive loop is timed on a
subset of the items. Targets: >= 20,000 items/s and >= 50x the naive loop. Exits 0 either way."""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import json
import os
import pstats
import random
import sys
import time
from dataclasses import dataclass

import _common

from feeds.model import CatalogShow, Event
from feeds.understand.batch import match_lines
from feeds.understand.matcher import Matcher

SEED = 20240611
TARGET_RATE = 20_000.0
TARGET_RATIO = 50.0

ADJECTIVES = (
    "Crimson Silent Broken Golden Hidden Last Wild Bitter Hollow Scarlet Frozen Quiet Burning Shattered "
    "Midnight Distant Iron Velvet Paper Glass Silver Northern Southern Lonely Savage Gentle Restless Sacred "
    "Fading Rising Endless Secret Lost Stolen Fallen Little Crooked Pale Black White Blue Red Cold Dark"
).split()
NOUNS = (
    "Harbor Protocol Kingdom Files Empire Hearts Road River Garden Crown Signal Winter Tide Line House Circle "
    "Ashes Orchard Lantern Frontier Machine Station Harvest Covenant Mirror Dynasty Witness Orbit Shadows "
    "Sisters Brothers Detectives Heirs Lies Games Rules Years Nights Shore Valley Engine Legacy Republic Code"
).split()
SYLLABLES = (
    "ka vel mor an tri sel dra zo ren vik lo ma thor qui nes bel tar os ul fen gri ash pol cor den ix ra sha "
    "mir tov el ber dun kes var ny lis om phe run ta zel hal bri"
).split()
HANGUL = "가나다라마바사아자차카타파하고노도로모보소오조초코토포호구누두루무부수우주추쿠투푸후기니디리미비시이지치키티피히강남동린민별빛산선성영원진청한해"
KATAKANA = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン"
NETWORKS = ("Netflix", "HBO", "Hulu", "Apple TV+", "Prime Video", "Disney+", "Peacock", "FX", "AMC", "BBC One",
            "ITV", "Paramount+", "Starz", "Showtime", "tvN", "JTBC", "Max", "Channel 4")
FIRST = "Maya Jonah Priya Tomas Lena Oscar Hana Idris Clara Mateo Noor Felix Ingrid Rafael Yuna Dev Sofia Kwame".split()
LAST = "Okafor Lindqvist Moreau Tanaka Reyes Novak Hale Brennan Castell Ivers Quill Marsh Albright Sato Kade".split()
ORDINALS = ("second", "third", "fourth", "fifth", "final")

EVENT_KEYWORDS: tuple[tuple[Event, tuple[str, ...]], ...] = (
    (Event.RENEWAL, ("renew", "greenlit", "green-lit", "picks up", "orders season", "시즌", "続編")),
    (Event.CANCELLATION, ("cancel", "axed", "scrapped", "ends after", "final season")),
    (Event.RELEASE_DATE, ("premiere date", "release date", "premieres", "returns on", "sets date", "방송")),
    (Event.TRAILER, ("trailer", "teaser", "first look", "予告")),
    (Event.CASTING, ("cast", "joins", "adds", "tapped", "to star")),
    (Event.PRODUCTION, ("filming", "production", "wraps", "begins shooting", "제작", "制作")),
)


@dataclass(frozen=True, slots=True)
class Item:
    title: str
    summary: str
    shows: tuple[int, ...]  # the catalog shows the generator put in the headline as the subject
    event: Event  # the event the generator meant (0 for reviews, look-alikes, industry news)


def invented(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts)).capitalize()


def make_catalog(rng: random.Random, count: int) -> list[CatalogShow]:
    shows: list[CatalogShow] = []
    seen: set[str] = set()
    while len(shows) < count:
        r = rng.random()
        if r < 0.22:
            title = f"The {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}"
        elif r < 0.42:
            title = f"{invented(rng, 2)} {rng.choice(NOUNS)}"
        elif r < 0.57:
            title = f"{rng.choice(ADJECTIVES)} {invented(rng, rng.choice((2, 3)))}"
        elif r < 0.67:
            title = f"The {rng.choice(NOUNS)} of {invented(rng, 2)}"
        elif r < 0.75:
            title = f"{invented(rng, 2)} and {invented(rng, 2)}"
        elif r < 0.80:
            title = f"{invented(rng, 2)}: {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}"
        elif r < 0.94:
            title = invented(rng, rng.choice((2, 3, 3)))  # one invented word: "Velmora"
        else:
            title = rng.choice(NOUNS) if rng.random() < 0.5 else f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}"
        if title.lower() in seen:
            continue
        seen.add(title.lower())
        aliases: list[str] = []
        a = rng.random()
        if a < 0.12:
            aliases.append("".join(rng.choice(HANGUL) for _ in range(rng.randint(3, 5))))
        elif a < 0.18:
            aliases.append("".join(rng.choice(KATAKANA) for _ in range(rng.randint(4, 6))))
        elif a < 0.28:
            aliases.append(f"{invented(rng, 2)} {rng.choice(NOUNS)}")
        if rng.random() < 0.05:
            aliases.append(f"{title} ({rng.choice(('US', 'UK', 'KR'))})")
        aliases = [a for a in aliases if a.lower() not in seen]  # an alias never names another show
        seen.update(a.lower() for a in aliases)
        shows.append(CatalogShow(len(shows) + 1, title, tuple(aliases)))
    return shows


def _cjk_alias(show: CatalogShow) -> str | None:
    for alias in show.aliases:
        if alias and ord(alias[0]) > 0x3000:
            return alias
    return None


def make_items(rng: random.Random, shows: list[CatalogShow], count: int) -> list[Item]:
    popular = shows[: max(1, len(shows) // 20)]  # news clusters on a few shows
    cjk = [s for s in shows if _cjk_alias(s)]

    def pick() -> CatalogShow:
        return rng.choice(popular) if rng.random() < 0.4 else rng.choice(shows)

    def person() -> str:
        return f"{rng.choice(FIRST)} {rng.choice(LAST)}"

    items: list[Item] = []
    for _ in range(count):
        net = rng.choice(NETWORKS)
        n = rng.randint(2, 7)
        s = pick()
        t = s.title
        summary = f"The {rng.choice(('drama', 'comedy', 'thriller', 'series'))} stars {person()} and {person()}."
        r = rng.random()
        if r < 0.10:
            item = Item(f"{t} season {n} renewed at {net}", summary, (s.id,), Event.RENEWAL)
        elif r < 0.17:
            item = Item(f"{net} renews {t} for a {rng.choice(ORDINALS[:4])} season", summary, (s.id,), Event.RENEWAL)
        elif r < 0.25:
            item = Item(f"{net} cancels {t} after {n} seasons", summary, (s.id,), Event.CANCELLATION)
        elif r < 0.30:
            item = Item(f"{t} cancelled at {net}, no season {n}", summary, (s.id,), Event.CANCELLATION)
        elif r < 0.37:
            item = Item(f"{t} season {n} gets {rng.choice(('March', 'June', 'October'))} premiere date on {net}",
                        summary, (s.id,), Event.RELEASE_DATE)
        elif r < 0.43:
            item = Item(f"Watch the trailer for {t} season {n}", summary, (s.id,), Event.TRAILER)
        elif r < 0.48:
            item = Item(f"{t} adds {person()} to season {n} cast", summary, (s.id,), Event.CASTING)
        elif r < 0.52:
            item = Item(f"Filming begins on {t} season {n} in {rng.choice(('Belfast', 'Vancouver', 'Seoul'))}",
                        summary, (s.id,), Event.PRODUCTION)
        elif r < 0.62:
            kind = rng.choice(("review", "recap", "ending explained"))
            item = Item(f"{t} season {n} {kind}: {rng.choice(ADJECTIVES).lower()} and "
                        f"{rng.choice(ADJECTIVES).lower()}", summary, (s.id,), Event(0))
        elif r < 0.68:
            other = pick()
            item = Item(f"{t} star {person()} joins {other.title} season {n}", summary, (other.id,), Event.CASTING)
        elif r < 0.72:
            other = pick()
            item = Item(f"{net} renews {t} and {other.title}", summary, (s.id, other.id), Event.RENEWAL)
        elif r < 0.80:  # look-alikes: the words of titles, but no catalog title
            words = rng.choice((
                f"The {rng.choice(ADJECTIVES).lower()} truth about {rng.choice(NOUNS).lower()} dramas",
                f"Why {rng.choice(ADJECTIVES).lower()} {rng.choice(NOUNS).lower()}s are everywhere on TV this year",
                f"{person()} on the {rng.choice(NOUNS).lower()} that changed her career",
                f"10 shows like {invented(rng, 3)} {invented(rng, 2)} to watch next",
            ))
            item = Item(words, summary, (), Event(0))
        elif r < 0.92:  # industry news naming no show
            item = Item(rng.choice((
                f"{net} reports record quarter as subscribers climb",
                f"{person()} signs overall deal with {net}",
                f"{net} names {person()} head of scripted programming",
                f"Streaming prices rise again: what {net} costs now",
                f"Emmy nominations: {net} leads with {n * 9} nods",
            )), summary, (), Event(0))
        else:  # Korean and Japanese headlines on the CJK aliases
            c = rng.choice(cjk)
            alias = _cjk_alias(c) or c.title
            if ord(alias[0]) >= 0xAC00 and rng.random() < 0.5:
                item = Item(f"{alias} 시즌{n} 제작 확정", "", (c.id,), Event.RENEWAL)  # season N confirmed
            elif ord(alias[0]) >= 0xAC00:
                item = Item(f"'{alias}' 시즌 {n} 공식 예고편 공개", "", (c.id,), Event.TRAILER)  # trailer out
            else:
                item = Item(f"「{alias}」第{n}期の制作が決定", "", (c.id,), Event.RENEWAL)  # season N greenlit
        items.append(item)
    return items


class NaiveMatcher:
    """The obvious loop: every show's lower-cased names substring-tested against the headline."""

    def __init__(self, shows: list[CatalogShow]) -> None:
        self.names = [(s.id, tuple({n.lower() for n in (s.title, *s.aliases)})) for s in shows]

    def match(self, title: str, summary: str = "") -> list[tuple[int, Event]]:
        text = title.lower()
        found: list[tuple[int, Event]] = []
        for show_id, names in self.names:
            for name in names:
                if name in text:
                    events = Event(0)
                    for event, keywords in EVENT_KEYWORDS:
                        if any(k in text for k in keywords):
                            events |= event
                    found.append((show_id, events))
                    break
        return found


def digest(results: list) -> str:
    h = hashlib.sha256()
    for matches in results:
        h.update(repr([(m.show_id, int(m.events), m.seasons, m.reason) for m in matches]).encode())
    return h.hexdigest()[:16]


def quality(items: list[Item], results: list) -> str:
    on_topic = [(i, r) for i, r in zip(items, results, strict=True) if i.shows]
    found = sum(1 for i, r in on_topic if set(i.shows) <= {m.show_id for m in r})
    with_event = [(i, r) for i, r in on_topic if i.event]
    right_event = sum(1 for i, r in with_event
                      if any(m.show_id in i.shows and i.event & m.events for m in r))
    off_topic = [(i, r) for i, r in zip(items, results, strict=True) if not i.shows]
    spurious_events = sum(1 for _i, r in off_topic if any(m.events for m in r))
    return (f"generated truth: intended show(s) found in {found}/{len(on_topic)} on-topic items, intended "
            f"event in {right_event}/{len(with_event)}; {spurious_events}/{len(off_topic)} no-show items "
            f"got an event")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shows", type=int, default=10_000)
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--naive-items", type=int, default=300)
    parser.add_argument("--profile", action="store_true", help="also cProfile the matcher over the items")
    args = parser.parse_args(argv)

    _common.header("matcher")
    rng = random.Random(SEED)
    shows = make_catalog(rng, args.shows)
    items = make_items(rng, shows, args.items)
    alias_total = sum(len(s.aliases) for s in shows)
    print(f"catalog: {len(shows)} shows, {alias_total} aliases; {len(items)} headlines (seed {SEED})")

    t0 = time.perf_counter()
    matcher = Matcher(shows)
    build = time.perf_counter() - t0
    print(f"Matcher build: {build * 1000:.0f} ms ({matcher.index.alias_count} aliases indexed)")

    for item in items[:500]:  # warm caches (lru_cache'd word lists, regex compilation)
        matcher.match(item.title, item.summary)
    t0, c0 = time.perf_counter(), time.process_time()
    results = [matcher.match(item.title, item.summary) for item in items]
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    rate = len(items) / cpu  # CPU time: one core's rate, whatever else the machine is doing
    print(f"showbot Matcher: {len(items)} items in {elapsed:.2f} s wall, {cpu:.2f} s CPU = {rate:,.0f} items/s "
          f"({cpu / len(items) * 1e6:.1f} us/item); results digest {digest(results)}")
    print(quality(items, results))

    naive = NaiveMatcher(shows)
    subset = items[: args.naive_items]
    c0 = time.process_time()
    naive_results = [naive.match(item.title, item.summary) for item in subset]
    naive_elapsed = time.process_time() - c0
    naive_rate = len(subset) / naive_elapsed
    naive_hits = sum(1 for r in naive_results if r)
    print(f"naive loop: {len(subset)} items in {naive_elapsed:.2f} s CPU = {naive_rate:,.0f} items/s "
          f"({naive_hits}/{len(subset)} items with a substring hit)")

    speedup = _common.ratio(rate, naive_rate)
    print(f"ratio: {speedup:.1f}x the naive loop (one core)")

    # `showbot match`: the same items as JSON lines through feeds.understand.batch on every core
    lines = [json.dumps({"id": n, "title": item.title, "summary": item.summary}) for n, item in enumerate(items)]
    t0 = time.perf_counter()
    answers = list(match_lines(matcher, lines))
    wall = time.perf_counter() - t0
    assert len(answers) == len(items) and all(a.output for a in answers)
    cores = os.cpu_count() or 1
    wall_rate = len(items) / wall
    wall_speedup = _common.ratio(wall_rate, naive_rate)
    print(f"showbot match (batch, {cores} processes): {len(items)} items in {wall:.2f} s wall = {wall_rate:,.0f} items/s "
          f"= {wall_speedup:.1f}x the naive loop's one-core rate")
    _common.verdict("matcher rate (showbot match, wall)", wall_rate >= TARGET_RATE,
                    f"{wall_rate:,.0f} items/s (target >= {TARGET_RATE:,.0f})")
    _common.verdict("matcher vs naive (showbot match, wall)", wall_speedup >= TARGET_RATIO,
                    f"{wall_speedup:.1f}x (target >= {TARGET_RATIO:.0f}x)")
    _common.verdict("matcher rate (one core, CPU)", rate >= TARGET_RATE, f"{rate:,.0f} items/s (target >= {TARGET_RATE:,.0f})")

    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for item in items:
            matcher.match(item.title, item.summary)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())

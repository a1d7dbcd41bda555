"""The facts that tell two reports about the same show and event apart: who was cast, which date,
which trailer, which part — read from the headline (and the summary's opening where the headline
says nothing), away from the show's own name.

    read_facts(title, summary, match=match, published=when)
    -> Facts(names={"buscemi", "steve"}, release=None, trailer=None, part=None)

Names are the headline's proper nouns: capitalised words that are no dictionary word, network or
word of the trade ("Steve Buscemi", "Kim Hye Joon", "Bumblebee"). Two reports that name different
people are different castings; the same person named in two headlines is the same casting. The
release window is read only when the matcher found a release_date event (dates.py); the trailer's
identity (teaser, trailer, final trailer, first look, poster, clip; its number) only for a trailer."""

from __future__ import annotations

import datetime as dt
import logging
import re
from functools import lru_cache

from feeds.model import Event, ShowMatch
from feeds.understand.dates import read_release_window
from feeds.understand.lexicon import NETWORKS, english_words
from feeds.understand.masking import blank_out, blank_spans
from feeds.understand.records import Facts, TrailerConflict, TrailerId, TrailerKind
from feeds.understand.text import clean, fold

_log = logging.getLogger(__name__)

__all__ = ["Facts", "TrailerConflict", "TrailerId", "TrailerKind", "read_facts", "signature"]


def read_facts(title: str, summary: str = "", *, match: ShowMatch, published: dt.datetime) -> Facts:
    """The facts of one item about one show. Cheap (regexes) except for a release date, which is
    read (dateparser) only when the matcher found a release_date event."""
    text = clean(title)
    masked = _mask(text, match.spans)
    lead = _lead(clean(summary), match.show) if summary else ""
    names = _names(masked, match.show)
    if not names and lead and Event.CASTING in match.events:
        names = _names(lead, match.show)
    release = None
    if Event.RELEASE_DATE in match.events:
        release = read_release_window(text, clean(summary), published=published, exclude=match.spans,
                                      mask=(match.show,))
    trailer = None
    if Event.TRAILER in match.events:
        trailer = _trailer(masked) or (_trailer(lead) if lead else None) or TrailerId()
    part = _part(masked)
    return Facts(names, release, trailer, part)


def signature(title: str, match: ShowMatch) -> str:
    """The headline's own words, for comparing wording: folded, the show's name and the small words
    dropped ("Netflix renews Wednesday for season 3" -> "netflix renews season 3")."""
    masked = re.sub(r"['’]s\b", "", _mask(clean(title), match.spans))
    show_words = _words_of(match.show)
    words = [w for w in fold(masked).split()
             if w not in _SMALL_WORDS and w not in show_words and w not in NETWORKS and w not in _PLATFORM_WORDS]
    return " ".join(words)


def _mask(text: str, spans: tuple[tuple[int, int], ...]) -> str:
    """The show's own name blanked out (same length, so offsets still hold)."""
    return blank_spans(text, spans, " ")


def _lead(summary: str, show: str) -> str:
    """The summary's first sentence, the show's name blanked out."""
    first = _SENTENCE_END.split(summary[:300], maxsplit=1)[0]
    return blank_out(first, show, " ")


@lru_cache(maxsize=4096)
def _words_of(show: str) -> frozenset[str]:
    """A show's title as folded words (a show's news comes again and again: cached)."""
    return frozenset(fold(show).split())


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


# -- names -----------------------------------------------------------------------------------------
_WORD = re.compile(r"[^\W\d_][\w'’.-]*", re.UNICODE)
_NOT_NAMES = frozenset(
    "tv k-drama kdrama k-dramas docuseries docudrama spinoff spin-off spin-offs anime rom-com romcom sitcom "
    "miniseries reboot showrunner showrunners livestream exclusive watch teaser teasers trailer trailers "
    "netflix's disney+ paramount+ apple max hbo streamer streamers ep eps co-star co-stars costar "
    "s1 s2 s3 s4 s5 s6 s7 s8 s9 pt vol oscar emmy emmys golden globe globes sag bafta"
    " mr mrs ms dr jr sr st".split()
)
_CALENDAR_WORDS = frozenset(
    "january february march april may june july august september october november december jan feb mar "
    "apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday".split()
)
_POSSESSIVE = re.compile(r"['’]s$")


@lru_cache(maxsize=65536)
def _name_key(raw: str) -> str | None:
    """The comparison key of a word that may be part of a name, else None (headline words repeat:
    cached)."""
    word = _POSSESSIVE.sub("", raw).strip(".-'’")
    if len(word) < 2 or not word[0].isupper():
        return None
    if word.isupper() and len(word) <= 4:
        return None  # HBO, FX, SNL, BTS: networks and acronyms, rarely a person
    key = fold(word)
    if (not key or key in english_words() or key in NETWORKS or key in _NOT_NAMES
            or key in _CALENDAR_WORDS):
        return None
    return key


def _names(text: str, show: str) -> frozenset[str]:
    show_words = _words_of(show)
    found: set[str] = set()
    for m in _WORD.finditer(text):
        key = _name_key(m.group(0))
        if key is not None and key not in show_words:
            found.add(key)
    return frozenset(found)


# -- trailers --------------------------------------------------------------------------------------
_TRAILER_KINDS: tuple[tuple[TrailerKind, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(rx, re.I)) for kind, rx in (
        (TrailerKind.FINAL, r"\bfinal\s+(?:official\s+)?trailer\b|최종\s*예고|本予告"),
        (TrailerKind.TEASER, r"\bteaser(?:s|\s+trailer)?\b|\bavance\b|티저|特報|ティザー"),
        (TrailerKind.TRAILER, r"\btrailers?\b|\btráiler\b|예고편|메인\s*예고|予告"),
        (TrailerKind.POSTER, r"\bposters?\b|\bkey art\b|\bcharacter art\b|\bpóster\b|\bcartel\b|포스터|ポスター|ビジュアル"),
        (TrailerKind.IMAGES, r"\bfirst (?:image|photo|picture)s?\b|\bphotos?\b|\bimages?\b|\bstills?\b|"
                             r"\bprimeras imágenes\b|스틸|場面写真"),
        (TrailerKind.FIRST_LOOK, r"\bfirst[- ]look\b|\bfirst glimpse\b|\bprimer vistazo\b|첫\s*공개"),
        (TrailerKind.CLIP, r"\bclips?\b|\bsneak peek\b|\bpromos?\b|\bfeaturette\b|\bpreview\b|\bfootage\b|"
                           r"\bopening (?:scene|credits)\b|하이라이트|영상"),
    )
)
_NUMBER_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "1st": 1, "2nd": 2, "3rd": 3,
                 "4th": 4, "5th": 5, "one": 1, "two": 2, "three": 3}
_TRAILER_NUMBER = re.compile(
    r"\b(?P<ord>first|second|third|fourth|fifth|1st|2nd|3rd|4th|5th)\s+(?:official\s+)?(?:teaser|trailer)|"
    r"\b(?:teaser|trailer)\s*(?:#|no\.?\s*|number\s+)?(?P<num>[1-9])\b|#(?P<hash>[1-9])\b|"
    r"(?:티저|예고편?)\s*(?P<ko>[1-9])|第(?P<ja>[1-9])弾", re.I)


def _trailer(text: str) -> TrailerId | None:
    kind = next((k for k, rx in _TRAILER_KINDS if rx.search(text)), None)
    number = None
    if m := _TRAILER_NUMBER.search(text):
        raw = m.group("ord") or m.group("num") or m.group("hash") or m.group("ko") or m.group("ja")
        number = _NUMBER_WORDS.get(raw.lower()) if not raw.isdigit() else int(raw)
    if kind is None and number is None:
        return None
    return TrailerId(kind, number)


# -- parts -----------------------------------------------------------------------------------------
_PART = re.compile(
    r"\b(?:part|vol(?:ume)?\.?|chapter|parte|volumen)\s*(?P<n>[1-9]|one|two|three|four|i{1,3}|iv)\b|"
    r"파트\s*(?P<ko>[1-9])|第(?P<ja>[1-9])クール", re.I)
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


def _part(text: str) -> int | None:
    m = _PART.search(text)
    if not m:
        return None
    raw = (m.group("n") or m.group("ko") or m.group("ja")).lower()
    if raw.isdigit():
        return int(raw)
    return _NUMBER_WORDS.get(raw) or _ROMAN.get(raw)


# where a show streams says nothing about which news it is ("… | Disney+", "at Netflix")
_PLATFORM_WORDS = frozenset("plus tv video original originals studios streaming official".split())
_SMALL_WORDS = frozenset(
    "a an the of and or in on at to for from by with as is are was were be been it its this that these those "
    "s x y el la los las de del en un una le les du des und der die das".split()
)

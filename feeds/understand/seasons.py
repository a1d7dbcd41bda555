"""Reading seasons out of a headline: "season 3", "S3", "third season", "season three",
"seasons 3 and 4", "second and third seasons", "시즌2", "シーズン2", "第2期", "segunda temporada".

"Part 2", "Volume 1" and "after three seasons" (a count, not a season) are not seasons."""

from __future__ import annotations

import re
from dataclasses import dataclass

from feeds.understand.lexicon import (
    COUNTED_NOUNS,
    NUMBER_WORDS,
    ORDINAL_WORDS,
    SEASON_JOINERS,
    SEASON_LEADS,
    SEASON_WORDS,
)
from feeds.understand.tokens import Token

_SERIES = "series"
_ORDINAL_DIGITS = re.compile(r"^(\d{1,2})(?:st|nd|rd|th|a|o|e|er|eme|ere|\.)?$")
_S_TOKEN = re.compile(r"^s(\d{1,2})(?:e\d{1,3})?$")
MAX_SEASON = 60  # Saturday Night Live is past 50

# CJK: "시즌" / "シーズン" before a number, "期" after one ("第2期", "2期")
_CJK_BEFORE = (("시", "즌"), ("シ", "ー", "ズ", "ン"))
_CJK_AFTER = ("期",)


@dataclass(frozen=True, slots=True)
class SeasonRef:
    start: int  # token index
    end: int  # exclusive
    seasons: tuple[int, ...]
    text: str


def _number(key: str) -> int | None:
    if len(key) >= 2 and key[-1] in "ab" and key[:-1].isdigit():
        key = key[:-1]  # "season 2b": the second half of season 2
    if key.isdigit():
        value = int(key)
        return value if 0 < value <= MAX_SEASON else None
    return NUMBER_WORDS.get(key)


def _ordinal(key: str) -> int | None:
    if key in ORDINAL_WORDS:
        return ORDINAL_WORDS[key]
    m = _ORDINAL_DIGITS.match(key)
    if m and not key.isdigit():
        value = int(m.group(1))
        return value if 0 < value <= MAX_SEASON else None
    return None


def _may_start(key: str) -> bool:
    """Cheap test: can a season reference start at a token with this key?"""
    first = key[:1]
    return (first.isdigit() or key in _STARTERS
            or (first == "s" and len(key) > 1 and key[1].isdigit()))


_STARTERS = frozenset(SEASON_WORDS | {"series", "시", "シ", "第"} | set(ORDINAL_WORDS))


def find_season_refs(tokens: list[Token], text: str) -> list[SeasonRef]:
    refs: list[SeasonRef] = []
    n = len(tokens)
    i = 0
    while i < n:
        if not _may_start(tokens[i].key):
            i += 1
            continue
        ref = _at(tokens, text, i)
        if ref is not None:
            refs.append(ref)
            i = ref.end
        else:
            i += 1
    return refs


def _at(tokens: list[Token], text: str, i: int) -> SeasonRef | None:
    key = tokens[i].key
    n = len(tokens)
    # "season 3", "seasons 3 and 4", "seasons 3-5", "series 2" (British)
    if key in SEASON_WORDS or (key == _SERIES and i + 1 < n and tokens[i + 1].key.isdigit()):
        if i + 1 < n and (first := _number(tokens[i + 1].key)) is not None:
            seasons = [first]
            j = i + 2
            while j + 1 < n + 1 and j < n:
                gap = text[tokens[j - 1].end:tokens[j].start].strip()
                if tokens[j].key in SEASON_JOINERS and j + 1 < n and (nxt := _number(tokens[j + 1].key)) is not None:
                    seasons.append(nxt)
                    j += 2
                elif gap in ("-", ",", "&", "/") and (nxt := _number(tokens[j].key)) is not None:
                    if gap == "-" and nxt > seasons[-1]:
                        seasons.extend(range(seasons[-1] + 1, nxt + 1))
                    else:
                        seasons.append(nxt)
                    j += 1
                else:
                    break
            return _ref(tokens, text, i, j, seasons)
        # "temporada 2" handled above; "Season Two" too (NUMBER_WORDS)
        return None
    # "S3", "S02E05"
    if (m := _S_TOKEN.match(key)) is not None and tokens[i].text[:1] in "sS":
        value = int(m.group(1))
        if 0 < value <= MAX_SEASON:
            return _ref(tokens, text, i, i + 1, [value])
    # "third season", "fourth and final season", "second and third seasons", "2nd season", "segunda temporada"
    if (first := _ordinal(key)) is not None:
        seasons = [first]
        j = i + 1
        while j < n:
            k = tokens[j].key
            if k in SEASON_WORDS or k in (_SERIES, "round"):  # "a second series" (British), "a third round"
                return _ref(tokens, text, i, j + 1, seasons)
            if k in SEASON_JOINERS or k in SEASON_LEADS or k == ",":
                j += 1
                continue
            if (nxt := _ordinal(k)) is not None:
                seasons.append(nxt)
                j += 1
                continue
            break
        return None
    # 시즌2, シーズン 2
    for marker in _CJK_BEFORE:
        end = i + len(marker)
        if tuple(t.key for t in tokens[i:end]) == marker and end < n and (v := _number(tokens[end].key)):
            return _ref(tokens, text, i, end + 1, [v])
    # 第2期, 2期
    if key.isdigit() and i + 1 < n and tokens[i + 1].key in _CJK_AFTER and (v := _number(key)):
        start = i - 1 if i > 0 and tokens[i - 1].key == "第" else i
        return _ref(tokens, text, start, i + 2, [v])
    return None


def _ref(tokens: list[Token], text: str, start: int, end: int, seasons: list[int]) -> SeasonRef:
    unique = tuple(dict.fromkeys(seasons))
    return SeasonRef(start, end, unique, text[tokens[start].start:tokens[end - 1].end])


def number_after_title(tokens: list[Token], text: str, end: int) -> SeasonRef | None:
    """"Stranger Things 5", "Squid Game 2": a small number right after a title is its season,
    unless it counts something ("Dark 3 ways")."""
    if end >= len(tokens):
        return None
    token = tokens[end]
    if not token.key.isdigit() or token.cjk:
        return None
    gap = text[tokens[end - 1].end:token.start]
    if gap.strip() not in ("", ":") or "\n" in gap:
        return None
    value = int(token.key)
    if not 1 <= value <= 20:
        return None
    if end + 1 < len(tokens):
        after = tokens[end + 1].key
        follow_gap = text[token.end:tokens[end + 1].start]
        if after in COUNTED_NOUNS and follow_gap.strip() == "":
            return None
        if follow_gap.strip() in ("%", ".", ",") and tokens[end + 1].key.isdigit():
            if not (follow_gap == "." and len(tokens[end + 1].key) == 2):
                return None  # "Dark 8.5", "3,000"; but "The Flash 8.01" is season 8, episode 1
    return SeasonRef(end, end + 1, (value,), token.text)




_COUNT_AFTER = re.compile(r"\bafter (?:just |only |a |its )?(\w+) (?:seasons?|series)\b")


def count_before_ending(text: str) -> int | None:
    """"cancelled after two seasons", "leaving after 2 seasons": the season a run (or someone's time on
    it) ends with, a count read as a season."""
    m = _COUNT_AFTER.search(text.lower())
    if not m:
        return None
    word = m.group(1)
    if word in ("single", "one"):
        return 1
    return _number(word)

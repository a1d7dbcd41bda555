"""An index of every title and alias of a catalog, for finding them in a headline fast.

A token trie: walking it from each token of a headline finds every alias that starts there in
time proportional to the alias length, whatever the catalog size (10,000 shows cost the same as
ten). Each alias also carries its *risk*: how much evidence a mention needs before it counts."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from feeds.model import CatalogShow
from feeds.understand.lexicon import FUNCTION_WORDS, common_words, english_words
from feeds.understand.text import clean
from feeds.understand.tokens import Token, alias_keys, is_cjk, is_hangul, tokenize

_ARTICLES = frozenset({"the", "a", "an"})
_ASCII_WORD = re.compile(r"&|[a-z0-9]+(?:'[a-z0-9]+)*")


def _ascii_key(word: str) -> str:
    """The token key feeds.understand.tokens gives an ASCII word (lower-cased already)."""
    if word == "&":
        return "and"
    if "'" not in word:
        return word
    if word.endswith("'s") and len(word) > 2:
        word = word[:-2]
    return word.replace("'", "")


class Risk(enum.Enum):
    """How easily an alias is spelled by ordinary text."""

    DISTINCT = "distinct"  # "Squid Game", "Loki", "Alice in Borderland": rarely anything else
    COMMON_PHRASE = "common phrase"  # "Sweet Home", "Stranger Things": every word is an everyday word
    WORD = "word"  # one dictionary word, maybe with function words: "You", "The Bear", "The Last of Us"
    SHORT_CJK = "short CJK"  # one or two Hangul/kana/kanji characters: "킹덤", "지옥"


@dataclass(frozen=True, slots=True)
class Alias:
    show: CatalogShow
    text: str
    keys: tuple[str, ...]
    risk: Risk
    significant: tuple[int, ...]  # positions of the words that carry the title (not "the", "of")
    hangul: bool  # starts with a Hangul syllable: must not start in the middle of a Korean word
    parent: CatalogShow | None = None  # "Blood Origin" for "The Witcher: Blood Origin": needs the parent named
    capitals: tuple[bool, ...] = ()  # which of its words the alias itself capitalises ("La casa de papel")


@dataclass(frozen=True, slots=True)
class Candidate:
    alias: Alias
    start: int  # token index
    end: int  # token index, exclusive


def classify(keys: tuple[str, ...]) -> tuple[Risk, tuple[int, ...]]:
    if keys and all(len(k) == 1 and is_cjk(k) for k in keys):
        return (Risk.SHORT_CJK if len(keys) <= 2 else Risk.DISTINCT), tuple(range(len(keys)))
    significant = tuple(i for i, k in enumerate(keys) if k not in FUNCTION_WORDS and not k.isdigit())
    words = [keys[i] for i in significant]
    content = [k for k in keys if k not in _ARTICLES]
    if len(content) <= 1:
        if not words:
            return Risk.WORD, tuple(i for i, k in enumerate(keys) if k not in _ARTICLES)
        word = words[0]
        in_dictionary = word in english_words() or (word.endswith("s") and word[:-1] in english_words())
        return (Risk.WORD if in_dictionary or len(word) <= 2 else Risk.DISTINCT), significant
    if all(w in common_words() for w in words):
        return Risk.COMMON_PHRASE, significant or tuple(i for i, k in enumerate(keys) if k not in _ARTICLES)
    return Risk.DISTINCT, significant


def _without_article(title: str, titles: set[tuple[str, ...]]) -> list[str]:
    """"The Wheel of Time" is often written "Wheel of Time": the title without its leading article,
    when at least two words remain and no other show is called that."""
    words = title.split()
    if len(words) < 3 or words[0].lower() not in ("the", "a", "an"):
        return []
    rest = " ".join(words[1:])
    keys = alias_keys(rest)
    if keys in titles or (len(keys) < 3 and classify(keys)[0] is not Risk.DISTINCT):
        return []  # "Morning Show", "Good Place": without the article, everyday words
    return [rest]


def capitals(alias: str) -> tuple[bool, ...]:
    return tuple(t.text[:1].isupper() or not t.text[:1].isalpha() for t in tokenize(clean(alias)))


class CatalogIndex:
    """Every alias of every show, in a token trie."""

    def __init__(self, shows: Iterable[CatalogShow]) -> None:
        self.shows: list[CatalogShow] = list(shows)
        self._root: dict[str, Any] = {}  # token key -> child node; "" -> the aliases ending here
        self.alias_count = 0
        titles = {alias_keys(show.title) for show in self.shows}
        for show in self.shows:
            seen: set[tuple[str, ...]] = set()
            for text in (show.title, *show.aliases, *_without_article(show.title, titles)):
                keys = alias_keys(text)
                if not keys or keys in seen:
                    continue
                seen.add(keys)
                risk, significant = classify(keys)
                self._add(Alias(show, text, keys, risk, significant, is_hangul(keys[0]), None, capitals(text)))
        self._add_subtitles()

    def _add_subtitles(self) -> None:
        """"The Witcher: Blood Origin" can be called "Blood Origin" in a story that names The Witcher."""
        by_title = {alias_keys(show.title): show for show in self.shows}
        for show in self.shows:
            if ":" not in show.title:
                continue
            head, _, tail = show.title.partition(":")
            parent = by_title.get(alias_keys(head))
            tail_keys = alias_keys(tail)
            if parent is None or parent is show or len(tail_keys) < 1 or by_title.get(tail_keys):
                continue
            risk, significant = classify(tail_keys)
            self._add(Alias(show, tail.strip(), tail_keys, risk, significant, is_hangul(tail_keys[0]), parent,
                            capitals(tail)))

    def _add(self, alias: Alias) -> None:
        node = self._root
        for key in alias.keys:
            node = node.setdefault(key, {})
        node.setdefault("", []).append(alias)
        self.alias_count += 1

    def may_name_a_show(self, text: str) -> bool:
        """A cheap test before tokenising: False only when no alias can occur in the (cleaned) text.
        ASCII text is split the way the tokenizer splits it, without building tokens; other text
        always answers True."""
        if not text.isascii():
            return True
        keys = [_ascii_key(w) for w in _ASCII_WORD.findall(text.lower())]
        root = self._root
        n = len(keys)
        for i in range(n):
            node = root.get(keys[i])
            j = i + 1
            while node is not None:
                if "" in node:
                    return True
                if j >= n:
                    break
                node = node.get(keys[j])
                j += 1
        return False

    def candidates(self, tokens: list[Token]) -> list[Candidate]:
        """Every alias occurrence in the tokens (overlapping ones included)."""
        found: list[Candidate] = []
        root = self._root
        n = len(tokens)
        for i in range(n):
            node = root.get(tokens[i].key)
            j = i + 1
            while node is not None:
                aliases = node.get("")
                if aliases:
                    found.extend(Candidate(a, i, j) for a in aliases)
                if j >= n:
                    break
                node = node.get(tokens[j].key)
                j += 1
        return found

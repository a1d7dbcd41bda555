"""Deciding whether an alias found in a headline is really a mention of the show.

"You season 5 starts production" names the show; "Why you should watch this sitcom" does not.
A distinct title ("Squid Game") counts wherever it stands; a title that ordinary text can spell
("You", "The Bear", "Sweet Home", "킹덤") counts only with evidence:
  - quoted exactly: ‘Dark’, “You”, 『킹덤』;
  - a season right after it ("Silo season 2", "Kingdom 3", "S2", "시즌2") or a show noun
    ("Euphoria star", "Lost finale", "Fallout trailer");
  - a show word or network right before it ("Netflix's Dark", "renews You", "series Silo");
  - capitalised where ordinary prose would not be, in a sentence-case headline
    ("Why I keep rewatching Dark"; weekday and month names prove nothing);
  - at the start of a clause as the subject of a verb, with a network or season in the clause.
And it never counts as part of a longer name ("Dark Matter", "Invincible Iron Man",
"‘All of Us Strangers’") or from the middle of a Korean word."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from feeds.understand.catalog_index import Candidate, Risk
from feeds.understand.lexicon import (
    ADJECTIVES_BEFORE_NOUN,
    AFTER_TITLE,
    ALWAYS_CAPITALISED,
    BEFORE_TITLE,
    COLON_NEWS,
    FUNCTION_WORDS,
    GAME_WORDS,
    LOCATION_BEFORE,
    NETWORKS,
    OF_NOUNS,
    PART_WORDS,
    PLACE_AFTER,
    ROLE_BEFORE,
    SENTENCE_OPENERS,
    SHOW_CONTEXT,
    SHOW_VERBS_BEFORE,
    SUBJECT_VERBS,
    english_words,
)
from feeds.understand.seasons import SeasonRef, find_season_refs, number_after_title
from feeds.understand.tokens import Token, is_hangul

_CLAUSE_BREAK = re.compile(r"[:;?!|]|\s[-–—]\s|[—–]")
_OPEN_QUOTES = "'\"‘“«『「《〈【"
_CLOSE_QUOTES = "'\"’”»』」》〉】"


@dataclass(frozen=True, slots=True)
class Verdict:
    accepted: bool
    why: str


class Headline:
    """A cleaned headline with what the evidence rules need to know about it."""

    def __init__(self, text: str, tokens: list[Token], *, prose: bool = False, context: str = "") -> None:
        self.text = text
        self.tokens = tokens
        self.prose = prose  # a summary's sentence, not a headline: capitals mark names, not titles
        self._context = context  # the item's other text (its summary), for words that show it is about TV
        self.initial = [self._is_clause_initial(i) for i in range(len(tokens))]

    @property
    def item_text(self) -> str:
        return self._context or self.text

    @cached_property
    def context_is_tv(self) -> bool:
        """Whether the item's other text talks about a show ("the medical drama", "the series")."""
        return bool(self._context) and any(w in SHOW_CONTEXT for w in re.findall(r"[\w+]+", self._context.lower()))

    def _is_clause_initial(self, i: int) -> bool:
        if i == 0:
            return True
        gap = self.text[self.tokens[i - 1].end:self.tokens[i].start]
        return gap != " " and bool(_CLAUSE_BREAK.search(gap))

    @cached_property
    def season_refs(self) -> list[SeasonRef]:
        return find_season_refs(self.tokens, self.text)

    @cached_property
    def announces_something(self) -> bool:
        """Whether any event trigger stands in the headline (show context for a title at its start)."""
        from feeds.understand.events import find_event_hits, split_clauses

        lowered = self.text.lower()
        if len(lowered) != len(self.text):
            return False
        return bool(find_event_hits(lowered, split_clauses(lowered, self.text)))

    @cached_property
    def all_lowercase(self) -> bool:
        return not any(t.text[:1].isupper() for t in self.tokens if not t.cjk)

    @cached_property
    def sentence_case(self) -> bool:
        """True when capital letters carry information (not Title Case, not ALL CAPS, not all lowercase)."""
        words = [t for i, t in enumerate(self.tokens)
                 if not t.cjk and not self.initial[i] and t.key not in FUNCTION_WORDS and t.text[:1].isalpha()]
        if len(words) < 2:
            return any(t.text[:1].islower() for t in self.tokens if not t.cjk)
        capitals = sum(1 for t in words if t.text[:1].isupper())
        if capitals == 0 and all(t.text.islower() for t in words):
            return False  # all lower case: capitals can't tell us anything
        return capitals / len(words) < 0.7

    def adjacent(self, left: int, right: int, *, hyphen: bool = False) -> bool:
        gap = self.text[self.tokens[left].end:self.tokens[right].start]
        return gap.strip() == "" or (hyphen and gap.strip() == "-")

    def quote_before(self, i: int) -> bool:
        start = self.tokens[i].start
        if start >= 2 and self.text[start - 1] == " " and self.text[start - 2] in _OPEN_QUOTES:
            start -= 1  # French spacing: « Lupin »
        if start == 0 or self.text[start - 1] not in _OPEN_QUOTES:
            return False
        return start == 1 or not (self.text[start - 2].isascii() and self.text[start - 2].isalnum())

    def quote_after(self, i: int) -> bool:
        end = self.tokens[i].end
        if end + 1 < len(self.text) and self.text[end] in " ,.!?" and self.text[end + 1] in _CLOSE_QUOTES:
            end += 1  # French spacing: « Lupin »; American punctuation: ‘Succession,’
        if end >= len(self.text) or self.text[end] not in _CLOSE_QUOTES:
            return False
        return end + 1 >= len(self.text) or not self.text[end + 1].isalnum() or self.text[end + 1] == "s"

    def quoted_region(self, start: int, end: int) -> tuple[int, int] | None:
        """Token range of the quoted phrase that contains tokens[start:end], if any."""
        left = start
        while left >= 0 and not self.quote_before(left):
            if left < start and (self.initial[left + 1] if left + 1 < len(self.tokens) else False):
                return None
            left -= 1
        if left < 0:
            return None
        right = end - 1
        # "‘Wednesday’s season": the possessive's apostrophe closes the quote
        while right < len(self.tokens) and not self.quote_after(right) and not self.tokens[right].possessive:
            right += 1
        if right >= len(self.tokens):
            return None
        return left, right + 1




def judge(candidate: Candidate, headline: Headline) -> Verdict:
    alias, start, end = candidate.alias, candidate.start, candidate.end
    tokens, text = headline.tokens, headline.text
    first = tokens[start]
    if alias.hangul and first.start > 0 and is_hangul(text[first.start - 1]):
        return Verdict(False, "inside a longer Korean word")
    region = headline.quoted_region(start, end)
    exactly_quoted = region == (start, end)
    if region is not None and not exactly_quoted and alias.risk is not Risk.DISTINCT:
        subtitle = end < region[1] and text[tokens[end - 1].end:tokens[end].start].strip() == ":"
        extra = [t for t in tokens[region[0]:start] + tokens[end:region[1]]]
        if not subtitle and not _only_season_words(extra):
            return Verdict(False, "part of a longer quoted name")
    if _video_game(candidate, headline):
        return Verdict(False, "the video game")
    other = _other_product(candidate, headline)
    if other:
        return Verdict(False, other)
    punctuation = _own_punctuation(candidate, headline)
    if punctuation is False:
        return Verdict(False, f"written without its {alias.text[-1]!r}")
    if not exactly_quoted and _parenthesised(candidate, headline):
        exactly_quoted = True

    if not exactly_quoted and _lowercase_in_cased_text(candidate, headline):
        return Verdict(False, "written in lower case, as ordinary words")
    if alias.risk is Risk.DISTINCT and len(alias.keys) > 1:
        return Verdict(True, "distinct title")
    if exactly_quoted:
        return Verdict(True, "quoted")
    if punctuation:
        return Verdict(True, f"written with its {alias.text[-1]!r}")
    if _a_segment_of_its_own(candidate, headline):
        return Verdict(True, "a segment of a video title")
    if _inside_a_longer_title(candidate, headline):
        return Verdict(False, "the end of a longer title")
    season = _season_after(candidate, headline)
    if season:
        return Verdict(True, season)
    if not _standalone(candidate, headline):
        return Verdict(False, "part of a longer name")
    after = _evidence_after(candidate, headline)
    if after:
        return Verdict(True, after)
    if len(alias.keys) == 1 and not first.cjk and _in_a_persons_name(candidate, headline):
        return Verdict(False, "part of a person's name")
    if len(alias.keys) == 1 and not first.cjk:
        if start > 0 and tokens[start - 1].key in LOCATION_BEFORE and first.key not in FUNCTION_WORDS:
            return Verdict(False, f"a place after {tokens[start - 1].text!r}")
        if end < len(tokens) and tokens[end].key in PLACE_AFTER and (tokens[end].text.islower()
                                                                      or not headline.sentence_case):
            return Verdict(False, f"a place or organisation ({tokens[end].text!r})")
    one_word_in_prose = headline.prose and len(alias.keys) == 1 and not first.cjk
    if alias.risk is Risk.DISTINCT and not one_word_in_prose:
        return Verdict(True, "distinct title")
    why = _evidence_before(candidate, headline) or _credit_possessive(candidate, headline)
    if why:
        return Verdict(True, why)
    if one_word_in_prose and alias.risk is Risk.DISTINCT and _named_in_tv_prose(candidate, headline):
        return Verdict(True, "a name no dictionary has, in an item about TV")
    if alias.risk is Risk.SHORT_CJK or one_word_in_prose:
        return Verdict(False, "one word without quotes, season or show word")
    if _capitalised_as_title(candidate, headline):
        return Verdict(True, "capitalised as a title")
    if _subject_with_context(candidate, headline):
        return Verdict(True, "subject of the headline with show context")
    return Verdict(False, "common words without evidence of the show")


def _named_in_tv_prose(candidate: Candidate, headline: Headline) -> bool:
    """"From Dallas to Friends, and Seinfeld to Happy Days": in an item about TV, a capitalised word no
    dictionary has, inside a sentence (not its first word), standing alone, is the title it spells."""
    start, tokens = candidate.start, headline.tokens
    if headline.initial[start] or not tokens[start].capitalised or tokens[start].text.isupper():
        return False
    if start > 0 and tokens[start - 1].key in ROLE_BEFORE:
        return False  # "voiced Batman", "cast as Nana": a character
    if not headline.context_is_tv:
        return False
    after = headline.text[tokens[start].end:]
    credits = re.match(r" \(([A-Z][\w'’!+.-]*)", after)
    if credits and credits.group(1).lower().rstrip(".") not in NETWORKS | ALWAYS_CAPITALISED \
            and not re.match(r"(?:jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)$", credits.group(1).lower().rstrip(".")):
        return False  # "Nana (Oh! Master, Memorials)": a person and her credits; not "Bordertown (Jan. 3)"
    # "Tyra Banks won't host … although Tyra will remain …": a name the item gives a person elsewhere
    word = re.escape(tokens[start].text)
    return not re.search(rf"\b{word} [A-Z][a-z]+\b(?<!\bSeason)|\b[A-Z][a-z]+ {word}\b", headline.item_text)


def _only_season_words(tokens: list[Token]) -> bool:
    return all(t.key.isdigit() or t.key in ("season", "series", "part", "s") or re.fullmatch(r"s\d+", t.key)
               for t in tokens)


def _video_game(candidate: Candidate, headline: Headline) -> bool:
    """"The Witcher 4 game trailer", "Fallout 5 game": the game of the same name, not the show."""
    tokens, end = headline.tokens, candidate.end
    nxt = end + 1 if end < len(tokens) and tokens[end].key.isdigit() else end
    return nxt < len(tokens) and tokens[nxt].key in GAME_WORDS and tokens[nxt].text.islower()


_PRODUCT_AFTER = re.compile(
    r"^\s*(?:\d{1,2}\s+)?(?:board game|video game|card game|mobile game|tabletop game|merch|merchandise|toys?|toy line|"
    r"collectibles?|funko|lego|vinyl|perfume|clothing|collection|capsule|sneakers?|cookbook)\b", re.I)
_CINEMA = re.compile(r"\b(?:in theaters|in theatres|in cinemas|box office|movie|film)\b", re.I)


def _other_product(candidate: Candidate, headline: Headline) -> str:
    """"X Board Game", "X merch collection", "X 2 sets March release in theaters": a product or a
    numbered film that shares the show's name."""
    tokens, end = headline.tokens, candidate.end
    rest = headline.text[tokens[end - 1].end:]
    if _PRODUCT_AFTER.match(rest):
        return "a product of the same name"
    if (end < len(tokens) and tokens[end].key.isdigit() and headline.adjacent(end - 1, end)
            and _CINEMA.search(headline.text)):
        return "a numbered film of the same name"
    return ""


def _lowercase_in_cased_text(candidate: Candidate, headline: Headline) -> bool:
    """A title is capitalised; in text that uses capitals, a lower-case 'you' or 'the bear' is prose."""
    if headline.all_lowercase:
        return False
    tokens, alias = headline.tokens, candidate.alias
    offsets = [i for i in alias.significant if i >= len(alias.capitals) or alias.capitals[i]] or [0]
    return any(not tokens[candidate.start + i].cjk and tokens[candidate.start + i].text[:1].isalpha()
               and not tokens[candidate.start + i].capitalised for i in offsets)


def _inside_a_longer_title(candidate: Candidate, headline: Headline) -> bool:
    """"The Last Kingdom", "Fear the Walking Dead": capitalised words before the alias, in any
    case style, that start with an article or swallow the alias's own "the"."""
    tokens, start = headline.tokens, candidate.start
    if start == 0 or not headline.adjacent(start - 1, start) or headline.initial[start]:
        return False
    prev, first = tokens[start - 1], tokens[start]
    if not prev.capitalised or prev.possessive or prev.key.isdigit() or prev.cjk:
        return False
    if prev.key in NETWORKS or prev.key in BEFORE_TITLE:
        return False
    if first.key == "the" and first.text == "the" and not headline.all_lowercase:
        return True  # "Fear the Walking Dead"
    return (start >= 2 and headline.adjacent(start - 2, start - 1) and tokens[start - 2].key in ("the", "a", "an")
            and tokens[start - 2].capitalised)


def _standalone(candidate: Candidate, headline: Headline) -> bool:
    """False when capitalised neighbours make the alias part of a longer name ("Dark Matter",
    "Crash Landing on You", "Kingdom of the Planet of the Apes")."""
    if not headline.sentence_case:
        return True
    tokens = headline.tokens
    start, end = candidate.start, candidate.end
    j = end
    while (j < len(tokens) and j < end + 3 and headline.adjacent(j - 1, j) and (
            (tokens[j].key in ("of", "the", "a", "an") and tokens[j].text.islower()) or tokens[j].text == "&")):
        j += 1  # "Kingdom of the Planet of the Apes", "Sherlock & Daughter"
    if j < len(tokens) and not headline.initial[j] and headline.adjacent(j - 1, j):
        nxt = tokens[j]
        if (nxt.capitalised and not nxt.key.isdigit() and nxt.key not in AFTER_TITLE and nxt.key not in NETWORKS
                and not (nxt.key in PART_WORDS and j + 1 < len(tokens) and tokens[j + 1].key.isdigit())
                and not tokens[j - 1].possessive and not nxt.cjk
                and not (j == end and nxt.key in FUNCTION_WORDS)):
            return False
    i = start - 1
    if not tokens[start].text[:1].isupper() or tokens[start].key not in ("the", "a", "an"):
        # "Game of Thrones": look back over "of"/"the" (not "on", "in": "Pedro Alonso on Berlin")
        while (i >= 0 and start - i <= 2 and tokens[i].key in ("of", "the") and tokens[i].text.islower()
               and headline.adjacent(i, i + 1)):
            i -= 1
    if (i >= 0 and i < start and headline.adjacent(i, i + 1)
            and not (headline.initial[i] and tokens[i].key in SENTENCE_OPENERS)):
        prev = tokens[i]
        if (prev.capitalised and not prev.possessive and not prev.key.isdigit() and prev.key not in BEFORE_TITLE
                and prev.key not in NETWORKS and not prev.cjk and prev.key not in FUNCTION_WORDS):
            return False
    return True


def _season_after(candidate: Candidate, headline: Headline) -> str:
    tokens, end = headline.tokens, candidate.end
    if end >= len(tokens):
        return ""
    for ref in headline.season_refs:
        if ref.start == end and headline.adjacent(end - 1, end):
            return f"followed by {ref.text!r}"
    if number_after_title(tokens, headline.text, end) is not None:
        return f"followed by the number {tokens[end].text}"
    return ""


def _evidence_after(candidate: Candidate, headline: Headline) -> str:
    tokens, end = headline.tokens, candidate.end
    if end >= len(tokens):
        return ""
    nxt = tokens[end]
    if (tokens[end - 1].possessive and nxt.key in ADJECTIVES_BEFORE_NOUN and end + 1 < len(tokens)
            and tokens[end + 1].key in AFTER_TITLE):
        return f"followed by {nxt.text} {tokens[end + 1].text!r}"  # "Fallout's new season has a date"
    if nxt.key in ("시", "シ") and end + 1 < len(tokens) and tokens[end + 1].key in ("즌", "ー"):
        return "followed by a season marker"
    if not headline.adjacent(end - 1, end, hyphen=True):
        return _colon_headline(candidate, headline)
    if nxt.key in PART_WORDS and end + 1 < len(tokens) and tokens[end + 1].key.isdigit():
        return f"followed by {nxt.text} {tokens[end + 1].text}"
    if nxt.key in AFTER_TITLE:
        return f"followed by {nxt.text!r}"
    return ""


def _colon_headline(candidate: Candidate, headline: Headline) -> str:
    """"Kingdom: director says a third season is coming": a title that opens the headline and is
    followed by a colon, in a headline that talks about seasons or series."""
    tokens, start, end = headline.tokens, candidate.start, candidate.end
    if start != 0 or end >= len(tokens):
        return ""
    gap = headline.text[tokens[end - 1].end:tokens[end].start].strip()
    if gap != ":":
        return ""
    rest = tokens[end:]
    if headline.season_refs or any(t.key in SHOW_CONTEXT or t.key in PART_WORDS or t.key in COLON_NEWS
                                   or t.key in AFTER_TITLE for t in rest):
        return "opens the headline, which is about a season or series"
    return ""


def _evidence_before(candidate: Candidate, headline: Headline) -> str:
    tokens, start = headline.tokens, candidate.start
    if start == 0 or not headline.adjacent(start - 1, start):
        return ""
    prev = tokens[start - 1]
    if _used_as_a_verb(candidate, headline):
        return ""  # "Netflix Lost $50 Billion", "Hulu Lost the rights"
    if prev.key in NETWORKS and (prev.possessive or prev.capitalised):
        return f"after {prev.text!r}"
    if all(k in FUNCTION_WORDS for k in candidate.alias.keys) and prev.key not in SHOW_VERBS_BEFORE:
        return ""  # "a drama series from Ava Stone": a title of function words needs more than "series"
    if prev.key in BEFORE_TITLE and prev.key != "of":
        return f"after {prev.text!r}"
    if prev.key in ("of", "for", "in", "on", "de", "del", "da", "di", "du") and start >= 2:
        before = tokens[start - 2]
        if before.key in OF_NOUNS or any(r.end == start - 1 for r in headline.season_refs):
            return f"after {before.text} {prev.text}"
    return ""


def _credit_possessive(candidate: Candidate, headline: Headline) -> str:
    """"Succession's Jeremy Strong": a possessive title followed by a person's name (in Title Case,
    two words no dictionary has)."""
    tokens, end = headline.tokens, candidate.end
    if not tokens[end - 1].possessive or end + 1 >= len(tokens):
        return ""
    if not (tokens[end].capitalised and tokens[end + 1].capitalised and not tokens[end].key.isdigit()):
        return ""
    if headline.sentence_case or not ({tokens[end].key, tokens[end + 1].key} & english_words()):
        return f"possessive before {tokens[end].text} {tokens[end + 1].text}"
    return ""


def _own_punctuation(candidate: Candidate, headline: Headline) -> bool | None:
    """A title that ends in "!", "?" or "+" ("Jeopardy!", "Zootopia+"): written with it, that is
    evidence of the title (True); "+" missing, it is something else (False); else None."""
    mark = candidate.alias.text.rstrip()[-1:]
    if mark not in ("!", "?", "+") or len(candidate.alias.text.rstrip()) < 3:
        return None
    end = headline.tokens[candidate.end - 1].end
    written = headline.text[end:end + 1] == mark
    if mark == "+":
        return written or None if written else False
    return True if written else None


_SEGMENT_BREAK = re.compile(r"^\s*(?:\||\s[-–—]\s|$)")


def _a_segment_of_its_own(candidate: Candidate, headline: Headline) -> bool:
    """"Feria | Official Trailer | Netflix", "Weekend Update: … - SNL": a capitalised title that is a
    whole segment of a headline cut by pipes or dashes (a video's title)."""
    tokens, text = headline.tokens, headline.text
    start, end = tokens[candidate.start].start, tokens[candidate.end - 1].end
    if "|" not in text and " - " not in text and " – " not in text:
        return False
    if not all(tokens[i].capitalised for i in range(candidate.start, candidate.end) if tokens[i].key not in FUNCTION_WORDS):
        return False
    before = text[:start].rstrip("'\" ")
    after = text[end:].lstrip("'\"")
    opens = before == "" or before.endswith("|") or before.endswith((" -", " –", " —"))
    return opens and bool(_SEGMENT_BREAK.match(after)) and not (before == "" and after.strip() == "")


def _parenthesised(candidate: Candidate, headline: Headline) -> bool:
    """"Matthew Macfadyen (Succession)": a title alone in parentheses."""
    start = headline.tokens[candidate.start].start
    end = headline.tokens[candidate.end - 1].end
    return start > 0 and headline.text[start - 1] == "(" and headline.text[end:end + 1] == ")"


def _used_as_a_verb(candidate: Candidate, headline: Headline) -> bool:
    """"Netflix Lost $50 Billion": a one-word title followed by money or an article reads as a verb."""
    tokens, end = headline.tokens, candidate.end
    if len(candidate.alias.keys) != 1 or end >= len(tokens):
        return False
    gap = headline.text[tokens[end - 1].end:tokens[end].start]
    return "$" in gap or "£" in gap or "€" in gap or (gap == " " and tokens[end].key in ("a", "an", "the", "its", "their",
                                                                                        "his", "her", "our"))


def _in_a_persons_name(candidate: Candidate, headline: Headline) -> bool:
    """"Louie Anderson", "Anna Konkle", "Jerry Seinfeld": a one-word title next to a capitalised
    word no dictionary has (a first name or surname) is part of someone's name."""
    tokens, start, end = headline.tokens, candidate.start, candidate.end
    words = english_words()

    def name_like(i: int) -> bool:
        t = tokens[i]
        return (t.capitalised and not t.key.isdigit() and not t.cjk and t.key not in words and t.key not in NETWORKS
                and t.key not in AFTER_TITLE and len(t.key) > 1 and not t.text.isupper())

    if tokens[end - 1].possessive:
        return False
    after = end < len(tokens) and headline.adjacent(end - 1, end) and not headline.initial[end] and name_like(end)
    before = (start > 0 and headline.adjacent(start - 1, start) and not headline.initial[start]
              and not tokens[start - 1].possessive and name_like(start - 1))
    return after or before


def _capitalised_as_title(candidate: Candidate, headline: Headline) -> bool:
    alias, tokens = candidate.alias, headline.tokens
    positions = [candidate.start + i for i in alias.significant] or list(range(candidate.start, candidate.end))
    if not all(tokens[p].capitalised for p in positions):
        return False
    if not headline.sentence_case:
        # Title Case or ALL CAPS: capitals prove nothing for one word, but a capitalised phrase of
        # several words ("Stranger Things", "The Walking Dead") is taken as the title it spells.
        return alias.risk is Risk.COMMON_PHRASE and not headline.all_lowercase
    telling = [p for p in range(candidate.start + 1, candidate.end) if tokens[p].capitalised
               and not headline.initial[p] and tokens[p].key not in ALWAYS_CAPITALISED and not tokens[p].key.isdigit()]
    if not headline.initial[candidate.start] and tokens[candidate.start].key not in ALWAYS_CAPITALISED:
        telling.append(candidate.start)
    return bool(telling)


def _subject_with_context(candidate: Candidate, headline: Headline) -> bool:
    tokens, start, end = headline.tokens, candidate.start, candidate.end
    if not candidate.alias.significant or not headline.initial[start] or end >= len(tokens):
        return False
    if all(tokens[start + i].key in FUNCTION_WORDS for i in candidate.alias.significant):
        if not headline.season_refs:  # "You will …" is prose unless a season is named
            return False
    if tokens[end].key not in SUBJECT_VERBS or not headline.adjacent(end - 1, end):
        return False
    if tokens[end].key == "to" and end + 1 < len(tokens) and tokens[end + 1].capitalised:
        return False  # "Moving to Peacock"
    if tokens[end].capitalised and headline.sentence_case:
        return False
    rest = tokens[end + 1:]
    return (any(t.key in SHOW_CONTEXT for t in rest) or bool(headline.season_refs) or headline.announces_something
            or headline.context_is_tv)

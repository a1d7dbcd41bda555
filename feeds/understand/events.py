"""Which events a headline *announces*: renewal, cancellation, release date, trailer, casting,
production. Speculation, explainers, reviews, rankings, rumours, questions and denials announce
nothing.

Patterns run on the cleaned, lower-cased headline. Each hit keeps its position (to be given to
the show it is about) and whether its verb is active ("Netflix renews X": the show follows) or
passive ("X renewed": the show precedes)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from feeds.model import Event
from feeds.understand.needles import AnyOf, Gates
from feeds.understand.patterns import FRAMES, PATTERNS, Pattern, Voice


@dataclass(frozen=True, slots=True)
class _Rule:
    pattern_id: str
    event: Event
    pattern: re.Pattern[str]
    voice: Voice  # where the show stands: after the trigger ("renews X") or before it ("X renewed")

    @classmethod
    def build(cls, row: Pattern) -> _Rule:
        return cls(row.id, row.event, re.compile(row.expanded), row.voice)


_RULES: list[_Rule] = [_Rule.build(row) for row in PATTERNS]
# a rule runs only on headlines that hold the literal words every match of it contains (feeds.understand.needles)
_GATES = Gates(rule.pattern.pattern for rule in _RULES)

# Whole-headline markers: the story is not an announcement, whatever words it contains.
# frames_regex(), each frame gated on its words (its Korean and Japanese words without word boundaries)
_NOT_NEWS = AnyOf([rf"\b(?:{f.regex})\b" for f in FRAMES] + [f.cjk for f in FRAMES if f.cjk])
_LABEL_FRAME = re.compile(r"(?<!in )\b(?:review|recap|interview|ranked|explained|q&a|podcast|quiz|ratings)\s*[:|]\s*$")
# A question clause ("Is X cancelled?") announces nothing; a denial ("cancelled? No —") kills it all.
_QUOTED = re.compile(r"(?:(?<=^)|(?<=[\s(:\[]))(['\"])[^'\"]{1,80}?\1(?=[\s,.:;!?)\]]|$|s\b)")
# "Tom Selleck on the cancellation": an interview's headline, whatever it names
_INTERVIEW = re.compile(r"^(?:[A-Z][\w'.-]* ){1,3}on (?:the |his |her |their |why |how |what |saying |playing |"
                        r"being |leaving |joining |returning |that |those |working )")
_NEGATED = re.compile(r"(?:\bnot|n't|\bnever|\bno longer|\bno(?= ha | han | habra | tendra | sera | a | hay ))(?! only)"
                      r"(?: [\w-]+){0,2} $")
_DENIAL = re.compile(r"\?\s*(?:no|not|nope|not so fast|think again)\b")
_CLAUSE_SPLIT = re.compile(r"\s[-|]\s|[:;?!|]\s*|\s[—–]\s?|—")


@dataclass(frozen=True, slots=True)
class EventHit:
    event: Event
    start: int  # character offsets in the lowered text
    end: int
    text: str
    voice: Voice
    clause: int
    pattern: str = ""  # the id of the row of feeds.understand.patterns that fired

    @property
    def active(self) -> bool:
        """The show follows the trigger ("renews X") rather than precedes it ("X renewed")."""
        return self.voice in (Voice.ACTIVE, Voice.STRICT)

    @property
    def strict(self) -> bool:
        """Only a show on the trigger's side counts ("Y returns to X": casting for X only)."""
        return self.voice in (Voice.STRICT, Voice.BEFORE)


@dataclass(frozen=True, slots=True)
class Clauses:
    """Clause boundaries (character offsets) of a headline, and which clauses announce nothing."""

    bounds: tuple[tuple[int, int], ...]
    silent: frozenset[int]
    denial: bool
    asides: tuple[tuple[int, int], ...] = ()  # background set off inside a clause: no trigger reads into it
    titles: tuple[tuple[int, int], ...] = ()  # where the shows' titles stand ("Love Won't Wait" denies nothing)

    def index(self, offset: int) -> int:
        for i, (start, end) in enumerate(self.bounds):
            if start <= offset < end:
                return i
        return len(self.bounds) - 1


def split_clauses(lowered: str, original: str = "", titles: Sequence[tuple[int, int]] = ()) -> Clauses:
    """Clauses of the lower-cased headline; `original` (same length, case kept) spots interviews."""
    bounds: list[tuple[int, int]] = []
    silent: set[int] = set()
    start = 0
    for m in _CLAUSE_SPLIT.finditer(lowered):
        if m.start() <= start:
            continue
        bounds.append((start, m.end()))
        if "?" in m.group():
            silent.add(len(bounds) - 1)
        start = m.end()
    if start < len(lowered) or not bounds:
        bounds.append((start, len(lowered) + 1))
    # quoted words are a title or someone's words ("‘Big Bang Theory’ alum …"), not the headline's framing
    def blank_titles(m: re.Match[str]) -> str:
        starts_capitalised = bool(original) and original[m.start() + 1: m.start() + 2].isupper()
        return " " * len(m.group()) if starts_capitalised else m.group()

    framing = _QUOTED.sub(blank_titles, lowered)
    for start, end in titles:  # "Nobody Wants This renewed": a title's own words frame nothing
        framing = framing[:start] + " " * (end - start) + framing[end:]
    for i, (s, e) in enumerate(bounds):
        if _NOT_NEWS.search(framing[s:e]):
            silent.add(i)
        elif i > 0 and i - 1 in silent and _LABEL_FRAME.search(framing[bounds[i - 1][0]:bounds[i - 1][1]]):
            silent.add(i)  # "X season 2 review: a stormy return": what follows a review's label is the review
    if original and _INTERVIEW.match(original):
        silent.add(0)
    bounds, silent, asides = _set_off_relative_clauses(lowered, bounds, silent)
    return Clauses(tuple(bounds), frozenset(silent), bool(_DENIAL.search(lowered)), asides, tuple(titles))


# Asides that announce nothing: a relative clause or a participle set off by commas ("X, which was
# renewed last year, …", "X, slated to premiere on March 9, is written by …"), and a look back at a
# past launch ("… following its original premiere on April 20").
_RELATIVE = re.compile(r", (?:which|who|whose|slated to|set to|scheduled to|due to|expected to) [^,]*(?:,|$)"
                       r"|\b(?:following|since|after) (?:its|their|the show's|the series') (?:original |initial |first )?"
                       r"(?:premiere|debut|launch|release)\b[^,.;:]*"
                       r"|\bahead of (?:its|their|the show's|the series'|the) (?:[\w.-]+ ){0,4}?"
                       r"(?:premiere|debut|launch|release|return)\b")


def _set_off_relative_clauses(lowered: str, bounds: list[tuple[int, int]],
                              silent: set[int]) -> tuple[list[tuple[int, int]], set[int], tuple[tuple[int, int], ...]]:
    """"X, which was renewed last year, …": a relative clause set off by commas is background, a clause
    of its own that announces nothing."""
    if ", " not in lowered and "its " not in lowered and "the" not in lowered:
        return bounds, silent, ()
    out: list[tuple[int, int]] = []
    quiet: set[int] = set()
    asides: list[tuple[int, int]] = []
    for i, (start, end) in enumerate(bounds):
        at = start
        for m in _RELATIVE.finditer(lowered, start, min(end, len(lowered))):
            if m.start() > at:
                out.append((at, m.start()))
                if i in silent:
                    quiet.add(len(out) - 1)
            out.append((m.start(), m.end()))
            quiet.add(len(out) - 1)
            asides.append((m.start(), m.end()))
            at = m.end()
        if at < end:
            out.append((at, end))
            if i in silent:
                quiet.add(len(out) - 1)
    return out, quiet, tuple(asides)


def find_event_hits(lowered: str, clauses: Clauses, *, gated: bool = True) -> list[EventHit]:
    """Every event trigger outside silent clauses. Empty for a denial ("cancelled? No — …")."""
    if clauses.denial:
        return []
    hits: list[EventHit] = []
    text = lowered
    for start, end in clauses.asides:  # a trigger never reads into an aside ("drops a trailer ahead of its May 9 premiere")
        text = text[:start] + " " * (end - start) + text[end:]
    # only the rules whose needles are in the text they run on (the others cannot match)
    rules = [_RULES[i] for i in _GATES.possible(text)] if gated else _RULES
    for rule in rules:
        for m in rule.pattern.finditer(text):
            clause = clauses.index(m.start())
            if clause in clauses.silent:
                continue
            if rule.event is not Event.CANCELLATION and " until " not in m.group() and _denied(lowered, m.start(), clauses):
                continue  # "it doesn't even have a release date": a trigger denied (a cancellation's own rows say "not")
            hits.append(EventHit(rule.event, m.start(), m.end(), m.group(), rule.voice, clause, rule.pattern_id))
    hits.sort(key=lambda h: (h.start, -h.end))
    return hits


def _denied(lowered: str, at: int, clauses: Clauses) -> bool:
    """A negation just before a trigger ("doesn't even have a release date"), not one inside a title."""
    negation = _NEGATED.search(lowered, max(0, at - 30), at)
    return negation is not None and not any(s <= negation.start() < e for s, e in clauses.titles)


def is_framed(text: str) -> bool:
    """Whether any clause of the (cleaned) text is a review, rumour, interview, question or denial."""
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    clauses = split_clauses(lowered, text)
    return clauses.denial or bool(clauses.silent)

"""Cheap gates for regular expressions: the literal strings a text must contain for a pattern to match.

Running ~150 event patterns and ~100 framing patterns over every headline costs most of the
matcher's time, while most headlines contain the trigger words of only a few. `requirements(pattern)`
reads the pattern's own syntax tree and returns sets of substrings such that every match contains
(or, for a lookaround, the text around it contains) at least one string of *each* set: "renews? X for
(a|another) season" needs one of {"renew"} and one of {" for "} and one of {"season"}. `Gates` finds
every needle of many patterns in one pass over the text (an Aho-Corasick automaton, in C) and names
the patterns whose every set is met; the others cannot match and are never run, so no result
changes."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from re import _constants as c  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import cast

import ahocorasick

MIN_NEEDLE = 2

Requirement = frozenset[str]  # at least one of these strings is in the text


def requirements(pattern: str, flags: int = 0) -> tuple[Requirement, ...]:
    """Every requirement the pattern's syntax guarantees (all hold at once); () when none can be derived
    (nor for a case-insensitive pattern: its literals may be written in any case)."""
    parsed = sre_parse.parse(pattern, flags)
    if parsed.state.flags & re.IGNORECASE:
        return ()
    return tuple(frozenset(r) for r in _sequence(list(parsed)))


def needles(pattern: str) -> frozenset[str] | None:
    """The single most selective requirement of the pattern, or None when it has none."""
    best = _best(list(_sequence(list(sre_parse.parse(pattern)))))
    return frozenset(best) if best else None


# Words nearly every TV headline contains: a requirement on them alone is the weakest choice.
COMMON = frozenset({"season", "seasons", "series", "new", "set", "sets", "first", "final", "last", "the", "a", "an"})


def _usable(needle: str) -> bool:
    return len(needle) >= MIN_NEEDLE or (len(needle) == 1 and needle in "|+&")


def _best(options: list[set[str]]) -> set[str] | None:
    """Of several requirements that all hold, the most selective: none of the common words if possible,
    then the longest shortest needle, then the fewest needles ("|" alone is selective enough)."""
    if not options:
        return None
    return max(options, key=lambda o: (not any(n.strip() in COMMON for n in o), min(len(n) for n in o) if
                                       not (len(o) == 1 and len(next(iter(o))) == 1) else 9, -len(o)))


def _sequence(items: list[tuple[object, object]]) -> list[set[str]]:
    """The requirements of a sequence of regex items: each item's own, and each run of literals."""
    options: list[set[str]] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            options.append({"".join(run)})
            run.clear()

    for op, av in items:
        if op is c.LITERAL:
            run.append(chr(av))  # type: ignore[arg-type]
            continue
        flush()
        if op is c.SUBPATTERN:
            if not av[1] & re.IGNORECASE:  # type: ignore[index]  # (?i:…): its literals may be in any case
                options.extend(_sequence(list(av[-1])))  # type: ignore[index]
        elif op is c.BRANCH:
            # one requirement from each branch: together they hold whichever branch matched
            branches = [_best(_sequence(list(b))) for b in av[1]]  # type: ignore[index]
            if all(branches):
                options.append(set().union(*branches))  # type: ignore[arg-type]
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
            low, _high, item = cast("tuple[int, int, list[tuple[object, object]]]", av)
            if low >= 1:
                options.extend(_sequence(list(item)))
        elif op is c.ASSERT:  # a lookahead or lookbehind: its text is in the headline, beside the match
            options.extend(_sequence(list(av[1])))  # type: ignore[index]
        # AT (\b), IN (classes), ANY, ASSERT_NOT and group references require no literal
    flush()
    return [o for o in options if o and all(_usable(n) for n in o)]


class Gates:
    """Which of many patterns can match a text: every needle of every pattern found in one pass, then
    each pattern's requirements checked against what was found. `possible(text)` never leaves out a
    pattern that matches `text`.

    Bits keep the check cheap: each requirement of each pattern is a bit; a needle found sets the bits
    of the requirements it meets, and the bits of the patterns filed under it (those whose most
    selective requirement it belongs to: the candidates). A candidate may match when all its
    requirements' bits are set."""

    def __init__(self, patterns: Iterable[str], flags: int = 0) -> None:
        requirements_of = [requirements(p, flags) for p in patterns]
        self._count = len(requirements_of)
        self._always = 0  # patterns without requirements: always candidates, always possible
        self._full: list[int] = []  # per pattern, the bits of all its requirements
        meets: dict[str, int] = {}  # needle -> bits of the requirements it meets
        files: dict[str, int] = {}  # needle -> bits of the patterns filed under it
        bit = 0
        for index, reqs in enumerate(requirements_of):
            best = _best([set(r) for r in reqs])
            full = 0
            for req in reqs:
                for needle in req:
                    meets[needle] = meets.get(needle, 0) | 1 << bit
                full |= 1 << bit
                bit += 1
            self._full.append(full)
            if best is None:
                self._always |= 1 << index
            for needle in best or ():
                files[needle] = files.get(needle, 0) | 1 << index
        self._automaton: ahocorasick.Automaton | None = None
        if meets:
            self._automaton = ahocorasick.Automaton()
            for needle, bits in meets.items():
                self._automaton.add_word(needle, (bits, files.get(needle, 0)))
            self._automaton.make_automaton()

    def __len__(self) -> int:
        return self._count

    def possible(self, text: str) -> list[int]:
        """Indices (ascending) of the patterns that may match `text`: all others certainly do not."""
        met, candidates = 0, self._always
        if self._automaton is not None:
            for _end, (meets, files) in self._automaton.iter(text):
                met |= meets
                candidates |= files
        out: list[int] = []
        full = self._full
        while candidates:
            lowest = candidates & -candidates
            index = lowest.bit_length() - 1
            if met & full[index] == full[index]:
                out.append(index)
            candidates ^= lowest
        return out


class AnyOf:
    """Whether any of several patterns occurs in a text: the answer `search` on their alternation
    "(?:a)|(?:b)|…" gives, found by running only the few patterns whose needles are present."""

    def __init__(self, patterns: Sequence[str], flags: int = 0) -> None:
        self._compiled = [re.compile(p, flags) for p in patterns]
        self._gates = Gates(patterns, flags)

    def search(self, text: str) -> bool:
        compiled = self._compiled
        return any(compiled[i].search(text) for i in self._gates.possible(text))

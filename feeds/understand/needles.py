"""Cheap gates for regular expressions: the literal strings one of which every match must contain.

Running ~100 event patterns over every headline costs most of the matcher's time, while most
headlines contain the trigger words of only a few. `needles(pattern)` reads the pattern's own
syntax tree and returns a set of substrings such that any match contains at least one of them
(or None when no such set can be derived); `substring in text` is a hundred times cheaper than a
regex scan, so a rule whose needles are all absent is skipped without changing any result."""

from __future__ import annotations

from re import _constants as c  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import cast

MIN_NEEDLE = 2


def needles(pattern: str) -> frozenset[str] | None:
    found = _sequence(list(sre_parse.parse(pattern)))
    if not found or not all(_usable(n) for n in found):
        return None
    return frozenset(found)


# Words nearly every TV headline contains: a gate on them lets the rule run almost always, so any
# other requirement of the rule makes a better gate.
COMMON = frozenset({"season", "seasons", "series", "new", "set", "sets", "first", "final", "last", "the", "a", "an"})


def _usable(needle: str) -> bool:
    return len(needle) >= MIN_NEEDLE or (len(needle) == 1 and needle in "|+&")


def _best(options: list[set[str]]) -> set[str] | None:
    """Of several requirements that all hold, the most selective: none of the common words if possible,
    then the longest shortest needle, then the fewest needles ("|" alone is selective enough)."""
    usable = [o for o in options if o and all(_usable(n) for n in o)]
    if not usable:
        return None
    return max(usable, key=lambda o: (not any(n.strip() in COMMON for n in o), min(len(n) for n in o) if
                                      not (len(o) == 1 and len(next(iter(o))) == 1) else 9, -len(o)))


def _sequence(items: list[tuple[object, object]]) -> set[str] | None:
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
            sub = _sequence(list(av[-1]))  # type: ignore[index]
            if sub:
                options.append(sub)
        elif op is c.BRANCH:
            branches = [_sequence(list(b)) for b in av[1]]  # type: ignore[index]
            if all(branches):
                options.append(set().union(*branches))  # type: ignore[arg-type]
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
            low, _high, item = cast("tuple[int, int, list[tuple[object, object]]]", av)
            if low >= 1:
                sub = _sequence(list(item))
                if sub:
                    options.append(sub)
        # AT (\b), IN (classes), ANY, ASSERT and ASSERT_NOT require no literal
    flush()
    return _best(options)

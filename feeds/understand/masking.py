"""Blanking a show's own name out of text, keeping every other character where it was (so offsets
found in the blanked text hold in the original): "Wednesday" is a show, not a weekday."""

from __future__ import annotations

import re

__all__ = ["blank_out", "blank_spans"]


def blank_spans(text: str, spans: tuple[tuple[int, int], ...], filler: str) -> str:
    """`text` with the characters of each (start, end) span replaced by `filler`."""
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        for i in range(max(start, 0), min(end, len(chars))):
            chars[i] = filler
    return "".join(chars)


def blank_out(text: str, name: str, filler: str) -> str:
    """`text` with every case-insensitive occurrence of `name` replaced by as many `filler`s."""
    if not name:
        return text
    lowered, key = text.casefold(), name.casefold()
    if len(lowered) != len(text) or len(key) != len(name):  # case folding changed lengths ("ß")
        return re.sub(re.escape(name), lambda m: filler * len(m.group(0)), text, flags=re.I)
    out, start = [], 0
    while (at := lowered.find(key, start)) >= 0:
        out.append(text[start:at])
        out.append(filler * len(name))
        start = at + len(name)
    out.append(text[start:])
    return "".join(out)

"""An item's summary, made ready for the matcher: outlet boilerplate cut, sentences split.

Feeds end their summaries with boilerplate ("The post <title> appeared first on <outlet>.",
"Continue reading <title>", "[…]", "Read more"), often cut off mid-way; it repeats the title
and is dropped. The rest is split into sentences: shows are looked for in all of them, news only
in the first (the lead): the later ones are background."""

from __future__ import annotations

import re

from feeds.understand.text import clean

_BOILERPLATE = re.compile(
    r"\s*(?:\bThe post\b|\bContinue reading\b|\bRead more\b|\bRead the full\b|\[(?:…|\.\.\.)\]|(?:…|\.\.\.)\s*$).*$", re.S)
_MARKERS = ("The post", "Continue reading", "Read more", "Read the full", "[", "...", "…")
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr st jr sr vs no vol ep jan feb mar apr jun jul aug sep sept oct nov dec inc ltd co corp "
    "u.s u.k l.a d.c a.k.a e.g i.e approx est".split())
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)]*\s+(?=[\"'“‘(]?[A-Z0-9\u3131-\ud7a3\u3040-\u30ff\u4e00-\u9fff])")
_LEAD_LABEL = re.compile(r"^(?:EXCLUSIVE|UPDATED?|BREAKING|UPDATE \d+|SPOILER ALERT|WATCH|VIDEO)\s*[:—-]\s*", re.I)
MAX_SENTENCES = 8


def summary_sentences(summary: str, title: str = "") -> list[str]:
    """Cleaned sentences of the summary, boilerplate dropped; [] when it only repeats the title."""
    text = clean(summary or "").strip()
    if not text:
        return []
    if any(marker in text for marker in _MARKERS):
        text = _BOILERPLATE.sub("", text).strip()
    if ":" in text[:20] or "—" in text[:20] or "-" in text[:20]:
        text = _LEAD_LABEL.sub("", text)
    if not text or (title and abs(len(text) - len(title)) < 12 and _same(text, title)):
        return []
    sentences: list[str] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        before = text[start:m.start()].rstrip("\"'”’)")
        last_word = before.rsplit(None, 1)[-1].rstrip(".").lower() if before.split() else ""
        if last_word in _ABBREVIATIONS or (len(last_word) == 1 and last_word.isalpha()):
            continue  # "Mr. Smith", "J. Smith"
        sentences.append(text[start:m.start()].strip())
        start = m.end()
        if len(sentences) >= MAX_SENTENCES:
            break
    else:
        sentences.append(text[start:].strip())
    return [s for s in sentences if s]


def _same(a: str, b: str) -> bool:
    def key(s: str) -> str:
        return re.sub(r"\W+", " ", s).strip().lower()

    return key(a) == key(clean(b))

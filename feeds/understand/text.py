"""Text normalisation shared by the matcher and the catalog: quotes, dashes, case, diacritics."""

from __future__ import annotations

import html
import re
import unicodedata

_QUOTES = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u00a0": " ", "\u2009": " ", "\u200a": " ", "\u202f": " ", "\u3000": " ", "\u200b": "",
    "\ufeff": "",
})


def _is_latin_like(ch: str) -> bool:
    return ord(ch) < 0x0370 or 0x1E00 <= ord(ch) <= 0x1EFF


class _Undiacritic(dict[int, str]):
    """A str.translate table built lazily: each Latin character maps to itself without marks."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        if code < 0x80 or not _is_latin_like(ch):
            plain = ch
        else:
            plain = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
        self[code] = plain
        return plain


_UNDIACRITIC = _Undiacritic()


def strip_latin_diacritics(text: str) -> str:
    """'Shōgun' -> 'Shogun', 'Élite' -> 'Elite'; Hangul and kana keep their composed forms."""
    return text if text.isascii() else text.translate(_UNDIACRITIC)


def clean(text: str) -> str:
    """Unicode-normalised text with straight quotes and hyphens, case kept."""
    if text.isascii():
        return text.replace("`", "'")
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return strip_latin_diacritics(text)


def fold(text: str) -> str:
    """A comparison key: cleaned, case-folded, punctuation-light, single-spaced."""
    text = clean(text).casefold().replace("&", " and ")
    text = re.sub(r"[^\w']+", " ", text)
    return " ".join(text.replace("'", "").split())


# a real tag: <name …>, </name>, <!-- … -->, <!DOCTYPE …>, <?xml …?>; never "<3 … >" or "5 < 6 > 4"
_TAG = re.compile(r"<(?:/?[A-Za-z][^<>]*|!--.*?--|![A-Za-z][^<>]*|\?[^<>]*)>", re.S)
_BOILERPLATE = re.compile(r"\s*(The post .{0,300}? appeared first on .{0,120}?\.?\s*$)", re.S)


def plain_text(markup: str, *, limit: int = 1000) -> str:
    """Feed HTML -> short plain text: tags dropped, entities decoded (repeatedly: feeds double-escape),
    'The post … appeared first on …' boilerplate removed, whitespace collapsed."""
    text = _TAG.sub(" ", markup or "")
    for _ in range(3):
        unescaped = html.unescape(text)
        if unescaped == text:
            break
        text = _TAG.sub(" ", unescaped)
    text = _BOILERPLATE.sub("", text)
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1].rsplit(" ", 1)[0] + "…"
    return text

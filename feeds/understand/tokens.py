"""Tokenising headlines for the matcher: words with their case and position, CJK one character each.

Korean particles attach to words ("오징어 게임은") and Japanese has no spaces, so Hangul, kana and
CJK ideographs become one token per character: an alias is then a run of characters wherever
it stands. Latin words keep their original case (capitalisation is evidence of a title) and
drop a possessive "'s" into a flag, so "Netflix's" is the token "netflix" marked possessive."""

from __future__ import annotations

import re
from functools import lru_cache

from feeds.understand.text import clean

_CJK_RANGES = (
    (0x1100, 0x11FF), (0x3040, 0x30FF), (0x3130, 0x318F), (0x31F0, 0x31FF), (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF), (0xFF66, 0xFF9F),
)
_CJK_CLASS = "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in _CJK_RANGES)
_TOKEN = re.compile(rf"[{_CJK_CLASS}]|&|[^\W_{_CJK_CLASS}]+(?:'[^\W_{_CJK_CLASS}]+)*", re.UNICODE)
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")


def is_cjk(ch: str) -> bool:
    code = ord(ch[0])
    return any(lo <= code <= hi for lo, hi in _CJK_RANGES)


def is_hangul(ch: str) -> bool:
    return bool(_HANGUL.match(ch))


class Token:
    """One word (or one CJK character) of a headline. A plain slotted class: headlines make many."""

    __slots__ = ("capitalised", "cjk", "end", "key", "possessive", "start", "text")

    def __init__(self, key: str, text: str, start: int, end: int, cjk: bool = False,
                 possessive: bool = False) -> None:
        self.key = key  # lowercase comparison form
        self.text = text  # as written (cleaned)
        self.start = start
        self.end = end
        self.cjk = cjk
        self.possessive = possessive
        first = text[:1]
        self.capitalised = first.isupper() or first.isdigit()

    def __repr__(self) -> str:
        return f"Token({self.key!r}, {self.text!r}, {self.start}, {self.end})"


def _key(word: str) -> tuple[str, bool]:
    lowered = word.lower()
    possessive = False
    if lowered.endswith("'s") and len(lowered) > 2:
        lowered, possessive = lowered[:-2], True
    elif lowered.endswith("s'") and len(lowered) > 2:
        lowered, possessive = lowered[:-1], True
    elif lowered.endswith("'"):
        lowered = lowered[:-1]
    return lowered.replace("'", ""), possessive


_ASCII_TOKEN = re.compile(r"&|[A-Za-z0-9]+(?:'[A-Za-z0-9]+)*")


def tokenize(text: str) -> list[Token]:
    """Tokens of already-cleaned text (see feeds.understand.text.clean); offsets index into that text."""
    if text.isascii():  # the common case: no CJK, no Unicode word classes to consult
        return _tokenize_ascii(text)
    tokens: list[Token] = []
    for m in _TOKEN.finditer(text):
        word = m.group()
        if word == "&":
            tokens.append(Token("and", word, m.start(), m.end()))
        elif len(word) == 1 and is_cjk(word):
            tokens.append(Token(word, word, m.start(), m.end(), cjk=True))
        elif "'" not in word:
            tokens.append(Token(word.lower(), word, m.start(), m.end()))
        else:
            key, possessive = _key(word)
            if key:
                tokens.append(Token(key, word, m.start(), m.end(), possessive=possessive))
    return tokens


@lru_cache(maxsize=65536)
def alias_keys(alias: str) -> tuple[str, ...]:
    """The token keys an alias is matched by ("Lockwood & Co." -> ('lockwood', 'and', 'co'))."""
    return tuple(t.key for t in tokenize(clean(alias)))


def _tokenize_ascii(text: str) -> list[Token]:
    tokens: list[Token] = []
    append = tokens.append
    for m in _ASCII_TOKEN.finditer(text):
        word = m.group()
        start, end = m.span()
        if word == "&":
            append(Token("and", word, start, end))
        elif "'" not in word:
            append(Token(word.lower(), word, start, end))
        else:
            key, possessive = _key(word)
            if key:
                append(Token(key, word, start, end, possessive=possessive))
    return tokens

"""Kept for callers that import text helpers from their old place: they live in feeds.understand.text."""

from __future__ import annotations

from feeds.understand.text import clean, fold, plain_text, strip_latin_diacritics

__all__ = ["clean", "fold", "plain_text", "strip_latin_diacritics"]

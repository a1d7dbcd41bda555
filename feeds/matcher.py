"""Kept for callers that import the matcher from its old place: it lives in feeds.understand."""

from __future__ import annotations

from feeds.understand.matcher import Matcher

__all__ = ["Matcher"]

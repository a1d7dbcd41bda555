"""Languages: every user-facing text goes through gettext catalogs (bot/locale/<lang>/LC_MESSAGES/showbot.mo,
compiled from the .po sources by `python tools/i18n.py compile`).

The language of the text being produced is a context variable, set once per command or per
notification by whoever knows the recipient (`with use_language("ko"): ...`), so the code that writes
a sentence only calls `_()`:

    _("You now follow {show}.").format(show=title)
    ngettext("{n} show", "{n} shows", n).format(n=n)
    N_("Follow a show")          # marked for the catalog, translated where it is shown

Placeholders are named (`{show}`); translations keep them (tests/test_i18n.py checks every catalog)."""

from __future__ import annotations

import contextlib
import contextvars
import gettext
import hashlib
import logging
from collections.abc import Iterator
from functools import cache
from importlib import resources

_log = logging.getLogger(__name__)

DOMAIN = "showbot"
DEFAULT_LANGUAGE = "en"
LANGUAGES: dict[str, str] = {"en": "English", "ko": "한국어", "es": "Español"}  # code -> its own name

_language: contextvars.ContextVar[str] = contextvars.ContextVar("showbot_language", default=DEFAULT_LANGUAGE)


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalog of `language` (English, the source language, needs none)."""
    if language == DEFAULT_LANGUAGE or language not in LANGUAGES:
        return gettext.NullTranslations()
    path = resources.files("bot").joinpath("locale", language, "LC_MESSAGES", f"{DOMAIN}.mo")
    try:
        with path.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    except FileNotFoundError:
        _log.error("the %s catalog is missing (%s); run `python tools/i18n.py compile`", language, path)
        return gettext.NullTranslations()


@cache
def catalog_digest() -> str:
    """Changes whenever a compiled catalog does (Discord's localized commands are synced again)."""
    digest = hashlib.sha256()
    for language in sorted(LANGUAGES):
        if language == DEFAULT_LANGUAGE:
            continue
        path = resources.files("bot").joinpath("locale", language, "LC_MESSAGES", f"{DOMAIN}.mo")
        digest.update(language.encode() + (path.read_bytes() if path.is_file() else b""))
    return digest.hexdigest()[:16]


def negotiate(code: str | None) -> str | None:
    """A platform's language code ('ko', 'ko-KR', 'es-419', 'pt_BR') -> a language we speak, or None."""
    if not code:
        return None
    base = code.replace("_", "-").split("-", 1)[0].strip().lower()
    return base if base in LANGUAGES else None


def current_language() -> str:
    return _language.get()


@contextlib.contextmanager
def use_language(language: str | None) -> Iterator[str]:
    """Produce text in `language` (a supported code; anything else means English) inside the block."""
    chosen = language if language in LANGUAGES else DEFAULT_LANGUAGE
    token = _language.set(chosen)
    try:
        yield chosen
    finally:
        _language.reset(token)


def _(message: str) -> str:
    """`message` in the current language."""
    return translations(_language.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_language.get()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """A short message whose meaning needs a context to translate ('button', 'event')."""
    return translations(_language.get()).pgettext(context, message)


def N_(message: str) -> str:
    """Marks `message` for the catalog without translating it (registry descriptions, labels):
    it is translated with `_()` where it is shown, in the reader's language."""
    return message


def translate_in(language: str, message: str) -> str:
    """`message` in `language`, whatever the current one is (Discord's per-locale command names)."""
    return translations(language).gettext(message) if language in LANGUAGES else message

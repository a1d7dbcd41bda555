"""The gettext catalogs (Babel): extract the texts from the code, update each language's .po with
them, compile the .po files into the .mo files the package ships.

    python tools/i18n.py extract    # bot/locale/showbot.pot from the code (_(), N_(), ngettext(), pgettext())
    python tools/i18n.py update     # each bot/locale/<lang>/LC_MESSAGES/showbot.po takes the new texts
    python tools/i18n.py compile    # .po -> .mo (shipped as package data)
    python tools/i18n.py check      # exit 1 when a text is missing, untranslated, or a .mo is stale
    python tools/i18n.py all        # extract, update, compile (then translate what `check` lists)

A new user-facing text: write it as _("…{name}…").format(name=…) in the code, run `all`, translate the
new entries in every .po (keep every {placeholder}), run `compile`; tests/test_i18n.py checks the rest."""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "bot" / "locale"
DOMAIN = "showbot"
LANGUAGES = ("ko", "es")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
SOURCES = ("bot",)
PLACEHOLDER = re.compile(r"\{(\w*)\}")
HEADER = "The texts showbot writes to its users."


def extract() -> Catalog:
    catalog = Catalog(project="showbot", domain=DOMAIN, header_comment=f"# {HEADER}", fuzzy=False)
    for source in SOURCES:
        for filename, lineno, message, comments, context in extract_from_dir(
                ROOT / source, method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=("i18n:",),
                strip_comment_tags=True):
            location = (f"{source}/{filename}", lineno)
            catalog.add(message, None, [location], auto_comments=comments, context=context)
    return catalog


def po_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / f"{DOMAIN}.mo"


def read(path: Path, language: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=language, domain=DOMAIN)


def write(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=110, omit_header=False, sort_output=True, include_previous=False)
    path.write_bytes(buffer.getvalue())


def compiled(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def update(template: Catalog) -> None:
    for language in LANGUAGES:
        path = po_path(language)
        catalog = read(path, language) if path.exists() else Catalog(locale=language, domain=DOMAIN,
                                                                      header_comment=f"# {HEADER}")
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        write(catalog, path)


def compile_all() -> None:
    for language in LANGUAGES:
        mo_path(language).write_bytes(compiled(read(po_path(language), language)))


def _strings(message: Message) -> list[str]:
    return [s for s in (message.id if isinstance(message.id, tuple | list) else (message.id,)) if s]


def _translations(message: Message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple | list) else [message.string]


def problems(template: Catalog) -> Iterable[str]:
    """Everything that keeps a catalog from being complete and shipped as it is."""
    for language in LANGUAGES:
        path = po_path(language)
        if not path.exists():
            yield f"{language}: no catalog at {path.relative_to(ROOT)}"
            continue
        catalog = read(path, language)
        yield from catalog_problems(template, catalog, language)
        mo = mo_path(language)
        if not mo.exists() or mo.read_bytes() != compiled(catalog):
            yield f"{language}: {mo.relative_to(ROOT)} is not compiled from its .po (run `python tools/i18n.py compile`)"


def catalog_problems(template: Catalog, catalog: Catalog, language: str) -> Iterable[str]:
    """What `catalog` lacks against the texts in `template`: missing, untranslated or fuzzy texts, texts
    the code no longer has, and translations whose {placeholders} differ from the original's."""
    wanted = {(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in template if m.id}
    have = {(m.id if isinstance(m.id, str) else m.id[0], m.context): m for m in catalog if m.id}
    for key in sorted(wanted - set(have), key=str):
        yield f"{language}: missing {key[0]!r} (run `python tools/i18n.py update`)"
    for key, message in sorted(have.items(), key=lambda kv: str(kv[0])):
        if key not in wanted:
            yield f"{language}: {key[0]!r} is no longer in the code (run `python tools/i18n.py update`)"
            continue
        strings = _translations(message)
        if message.fuzzy or not all(strings):
            yield f"{language}: {key[0]!r} is not translated"
            continue
        expected = {name for text in _strings(message) for name in PLACEHOLDER.findall(text)}
        for text in strings:
            found = set(PLACEHOLDER.findall(text))
            if found != expected:
                yield (f"{language}: {key[0]!r} has placeholders {sorted(found)} instead of "
                       f"{sorted(expected)} in {text!r}")


def main(argv: list[str]) -> int:
    action = argv[0] if argv else "check"
    template = extract()
    if action in ("extract", "all"):
        write(template, LOCALE / f"{DOMAIN}.pot")
    if action in ("update", "all"):
        update(template)
    if action in ("compile", "all"):
        compile_all()
    if action == "check":
        found = list(problems(template))
        for problem in found:
            print(problem)
        print(f"{len(template)} texts; {len(found)} problems")
        return 1 if found else 0
    if action not in ("extract", "update", "compile", "all", "check"):
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
"""Rebuild feeds/data/english_words.txt from SCOWL's american-english list.

    apt-get install wamerican          # Debian's package of SCOWL (size 50)
    python tools/build_english_words.py [/usr/share/dict/american-english]

Keeps lower-case words of three letters or more (proper nouns, abbreviations and possessives are
left out). The list's licence is SCOWL's permissive one: feeds/data/NOTICE.md carries it."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "feeds" / "data" / "english_words.txt"
HEADER = ("# English words (lowercase, 3+ letters, no proper nouns) from SCOWL's american-english list (size 50) "
          "as Debian's wamerican package ships it; see NOTICE.md beside this file. A one-word title that is one "
          "of these needs evidence to count as a show mention.")


def main() -> int:
    source = Path(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/dict/american-english")
    if not source.is_file():
        print(f"{source} is not here: apt-get install wamerican", file=sys.stderr)
        return 1
    words = sorted({w for w in source.read_text(encoding="utf-8").split() if re.fullmatch(r"[a-z]{3,}", w)})
    OUT.write_text(HEADER + "\n" + "\n".join(words) + "\n", encoding="utf-8")
    print(f"wrote {len(words)} words to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The layers stay apart (read from the source, so a change that crosses one fails here):

- the core (bot/ outside bot/adapters/) never imports a chat platform (discord, telegram);
- only storage/ talks to a database: no database driver imported, and no SQL written, elsewhere;
- feeds/ never imports storage/ or bot/ (news understanding knows nothing of chats or tables)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "feeds", "storage")
PLATFORMS = ("discord", "telegram")
DATABASE_DRIVERS = ("sqlite3", "aiosqlite", "asyncpg", "psycopg", "psycopg2", "sqlalchemy")
_COLUMN = r"(?:\*|[\w.]+(?:\([^)]*\))?(?:\s+AS\s+\w+)?)"
SQL = re.compile(
    rf"\b(SELECT\s+(DISTINCT\s+)?{_COLUMN}(\s*,\s*{_COLUMN})*\s+FROM\s+\w|INSERT\s+(OR\s+\w+\s+)?INTO\s+\w"
    r"|UPDATE\s+\w+\s+SET\s+\w+\s*=|DELETE\s+FROM\s+\w|CREATE\s+(TABLE|INDEX|UNIQUE\s+INDEX)\b|ALTER\s+TABLE\b"
    r"|PRAGMA\s+\w+)",
    re.S)  # SQL keywords in capitals, as every statement of the project is written


@dataclass(frozen=True)
class Module:
    path: Path
    tree: ast.Module

    @property
    def name(self) -> str:
        return ".".join(self.path.relative_to(ROOT).with_suffix("").parts)

    def imports(self) -> Iterator[tuple[int, str]]:
        """(line, module) for every import, at any depth (in functions and TYPE_CHECKING blocks too)."""
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield node.lineno, alias.name
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                yield node.lineno, node.module

    def strings(self) -> Iterator[tuple[int, str]]:
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                yield node.lineno, node.value


def _modules(package: str) -> list[Module]:
    return [Module(path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
            for path in sorted((ROOT / package).rglob("*.py"))]


def _top(module: str) -> str:
    return module.split(".", 1)[0]


def _in(module: Module, *folders: str) -> bool:
    return module.path.relative_to(ROOT).parts[:len(folders)] == folders


ALL = [m for package in PACKAGES for m in _modules(package)]


def test_the_packages_are_found() -> None:
    names = {m.name for m in ALL}
    assert {"bot.service", "bot.delivery", "feeds.fetch", "bot.adapters.telegram_bot"} <= names


def test_the_core_never_imports_a_chat_platform() -> None:
    crossings = [f"{m.name}:{line} imports {name}" for m in ALL if _in(m, "bot") and not _in(m, "bot", "adapters")
                 for line, name in m.imports() if _top(name) in PLATFORMS]
    assert crossings == []


def test_feeds_never_import_storage_or_the_bot() -> None:
    crossings = [f"{m.name}:{line} imports {name}" for m in ALL if _in(m, "feeds")
                 for line, name in m.imports() if _top(name) in ("storage", "bot")]
    assert crossings == []


def test_only_storage_imports_a_database_driver() -> None:
    crossings = [f"{m.name}:{line} imports {name}" for m in ALL if not _in(m, "storage")
                 for line, name in m.imports() if _top(name) in DATABASE_DRIVERS]
    assert crossings == []


def test_only_storage_writes_sql() -> None:
    found = [f"{m.name}:{line}: {text.strip()[:60]!r}" for m in ALL if not _in(m, "storage")
             for line, text in m.strings() if SQL.search(text)]
    assert found == []


@pytest.mark.parametrize(("source", "crossing"), [
    ("import discord\n", "discord"),
    ("from telegram.ext import Application\n", "telegram"),
    ("def f():\n    import aiosqlite\n", "aiosqlite"),
    ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from storage.ports import Storage\n", "storage"),
])
def test_the_check_sees_imports_wherever_they_are(source: str, crossing: str) -> None:
    module = Module(ROOT / "bot" / "x.py", ast.parse(source))
    assert crossing in [_top(name) for _line, name in module.imports()]


@pytest.mark.parametrize(("text", "is_sql"), [
    ("SELECT id, url FROM feeds WHERE next_poll_at <= ?", True),
    ("INSERT OR IGNORE INTO outbox(item_id) VALUES (?)", True),
    ("UPDATE feeds SET failures = 0", True),
    ("DELETE FROM outbox WHERE status = 'sent'", True),
    ("CREATE TABLE shows (id INTEGER PRIMARY KEY)", True),
    ("SELECT COUNT(*) FROM shows", True),
    ("SELECT s.id, s.title AS name FROM shows s", True),
    ("Select the events you want from the list", False),
    ("Select one from the list", False),
    ("Update: the show was renewed", False),
    ("/subscribe <show> — follow a show", False),
])
def test_the_sql_pattern(text: str, is_sql: bool) -> None:
    assert bool(SQL.search(text)) is is_sql

"""A PostgreSQL server for tests, when one is there: SHOWBOT_TEST_POSTGRES (default
postgresql://postgres@127.0.0.1:5432/test). Tests skip with the reason when none answers, unless
SHOWBOT_REQUIRE_POSTGRES=1 (CI on a machine that has one), which makes the absence a failure.

Each user of `temporary_schema` gets its own schema, created empty and dropped afterwards, and a URL
whose search_path points at it, so tests of several helpers on one server never see each other."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
PROBE_TIMEOUT = 3.0


def server_url() -> str:
    return os.environ.get("SHOWBOT_TEST_POSTGRES", "").strip() or DEFAULT_URL


def required() -> bool:
    return os.environ.get("SHOWBOT_REQUIRE_POSTGRES", "").strip().lower() in ("1", "true", "yes")


@functools.cache
def _probe(url: str) -> str | None:
    """None when the server answers, else why not."""
    try:
        import asyncpg
    except ImportError:
        return "asyncpg is not installed"

    async def connect() -> None:
        conn = await asyncpg.connect(url, timeout=PROBE_TIMEOUT)
        await conn.close()

    try:
        asyncio.run(connect())
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def postgres_or_skip() -> str:
    """The server URL, or skip (fail when SHOWBOT_REQUIRE_POSTGRES is set) with the reason."""
    url = server_url()
    problem = _probe(url)
    if problem is not None:
        message = f"no PostgreSQL at {url} ({problem}); set SHOWBOT_TEST_POSTGRES to a server to run these"
        if required():
            pytest.fail(f"SHOWBOT_REQUIRE_POSTGRES is set but {message}")
        pytest.skip(message)
    return url


def with_search_path(url: str, schema: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "search_path"] + [("search_path", schema)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _run_sql(url: str, sql: str) -> None:
    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(url, timeout=PROBE_TIMEOUT)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


@contextlib.contextmanager
def temporary_schema(url: str, name: str) -> Iterator[str]:
    """An empty schema `name` for the duration; yields a URL that uses it."""
    _run_sql(url, f'CREATE SCHEMA "{name}"')
    try:
        yield with_search_path(url, name)
    finally:
        _run_sql(url, f'DROP SCHEMA IF EXISTS "{name}" CASCADE')

"""The storage contract suite runs once per backend: every test that takes `storage` gets an opened,
migrated, empty database of each backend in turn.

PostgreSQL: SHOWBOT_TEST_POSTGRES names the server (default postgresql://postgres@127.0.0.1:5432/test);
each test gets a schema of its own (dropped afterwards), so parallel runs never meet. Where no
server answers, the PostgreSQL cases skip with the reason — unless SHOWBOT_REQUIRE_POSTGRES=1 (set by
.ci/run), which turns that skip into a failure."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from storage import open_storage
from storage.ports import Storage
from tests.support.postgres import postgres_or_skip, temporary_schema

BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def storage_target(backend: str, tmp_path: Path) -> Iterator[str]:
    """Where a fresh, empty database of `backend` lives for this test."""
    if backend == "sqlite":
        yield str(tmp_path / "contract.db")
        return
    server = postgres_or_skip()
    with temporary_schema(server, f"showbot_test_{uuid.uuid4().hex[:12]}_{os.getpid()}") as url:
        yield url


@pytest.fixture
async def storage(storage_target: str) -> AsyncIterator[Storage]:
    async with open_storage(storage_target) as opened:
        yield opened

"""The storage contract suite runs once per backend: every test that takes `storage` gets an opened,
migrated, empty database of each backend in turn."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage import open_storage
from storage.ports import Storage

BACKENDS = ["sqlite"]



@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def storage_target(backend: str, tmp_path: Path) -> str:
    """Where a fresh, empty database of `backend` lives for this test."""
    if backend == "sqlite":
        return str(tmp_path / "contract.db")
    raise AssertionError(f"unknown backend {backend}")


@pytest.fixture
async def storage(storage_target: str) -> AsyncIterator[Storage]:
    async with open_storage(storage_target) as opened:
        yield opened

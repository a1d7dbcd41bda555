"""Small fakes several test files share."""

from __future__ import annotations


class FakeClock:
    """A clock the test moves by hand: `clock.now += 60`."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

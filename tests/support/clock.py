"""One fake clock for every test that moves time instead of sleeping."""

from __future__ import annotations

import time


class FakeClock:
    """Seconds that move only when a test says so: pass it as a ``timer`` or ``clock``.

    ``now`` may be read or set directly; ``advance(seconds)`` moves it forward.
    """

    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start

    @classmethod
    def at_wall_time(cls) -> FakeClock:
        """A clock that starts at the current Unix time (whole seconds), for code that
        mixes it with real timestamps (JWT ``exp``, ISO dates)."""
        return cls(float(int(time.time())))

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

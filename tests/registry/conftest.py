"""Registry fixtures: the same tests against an SQLite file and a real PostgreSQL server."""

from __future__ import annotations

import pytest

from bff.registry import Registry, RowCipher, create_registry_engine

SECRET = "registry-secret-for-tests-0123456789"
OTHER_SECRET = "another-registry-secret-9876543210"


class FakeClock:
    """Seconds that move only when a test says so."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def open_registry(registry_url, clock):
    """Open the test's database as a registry (as many times as a test wants)."""
    opened = []

    def _open(secret: str | None = SECRET, previous: str | None = None,
              timeout: float = 5) -> Registry:
        engine = create_registry_engine(registry_url, timeout, 4)
        opened.append(engine)
        return Registry(engine, RowCipher(secret, previous) if secret else None, clock)

    yield _open
    for engine in opened:
        engine.dispose()


@pytest.fixture
def registry(open_registry):
    return open_registry()

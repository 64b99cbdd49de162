"""Registry fixtures: the same tests against an SQLite file and a real PostgreSQL server."""

from __future__ import annotations

import pytest

from bff.registry import Registry, RowCipher, create_registry_engine
from tests.support.clock import FakeClock
from tests.support.secrets import secret

SECRET = secret("registry-secret-for-tests-0123456789")
OTHER_SECRET = secret("another-registry-secret-9876543210")


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

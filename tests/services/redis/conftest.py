"""Fixtures for the Redis key-store tests: a real redis-server, stores and resolvers on it."""

from __future__ import annotations

import threading
import time

import pytest

from bff.credentials import KeyResolver
from bff.credentials.envelope import KeyEnvelope
from bff.credentials.redis_link import RedisLink, connect
from bff.credentials.redis_store import RedisKeyStore
from bff.ops.metrics import Metrics
from tests.support.redis_server import running_redis
from tests.support.secrets import secret

SECRET = secret("redis-test-cache-secret-0123456789").encode()


@pytest.fixture(scope="session")
def shared_redis():
    """One redis-server for the tests that do not stop it."""
    with running_redis() as server:
        yield server


@pytest.fixture
def redis_server(shared_redis):
    """The shared redis-server, emptied for this test."""
    shared_redis.client().flushall()
    return shared_redis


@pytest.fixture
def own_redis():
    """A redis-server of this test's own, which it may kill and restart."""
    with running_redis() as server:
        yield server


def make_store(url: str, *, secret: bytes = SECRET, ttl: float = 600, local_ttl: float = 5,
               lock_ttl: float = 5, timeout: float = 2.0, reset_after: float = 5.0,
               metrics: Metrics | None = None, timer=time.monotonic) -> RedisKeyStore:
    """Return a RedisKeyStore as one BFF process would build it (its own connection pool)."""
    link = RedisLink(connect(url, timeout), metrics, reset_after=reset_after)
    return RedisKeyStore(link, KeyEnvelope(secret, b"cache-key"), ttl=ttl,
                         local_ttl=local_ttl, maxsize=1000, lock_ttl=lock_ttl,
                         metrics=metrics, timer=timer)


class CountingProvisioner:
    """Hand out key-<org>-<n>, counting calls (shared by every 'process' of a test)."""

    def __init__(self, delay: float = 0.0, fail: BaseException | None = None) -> None:
        self.delay = delay
        self.fail = fail
        self.calls: list[tuple[str, str | None]] = []
        self._lock = threading.Lock()

    def provision(self, org_id, org_name, rejected_key=None):
        with self._lock:
            self.calls.append((org_id, rejected_key))
            n = len(self.calls)
        time.sleep(self.delay)
        if self.fail is not None:
            raise self.fail
        return f"ck_live_redis_test_{org_id}_{n}"

    def count(self, org_id: str) -> int:
        return sum(1 for org, _ in self.calls if org == org_id)


def make_resolver(store, provisioner, wait_timeout: float = 10.0) -> KeyResolver:
    return KeyResolver(provisioner, store, wait_timeout=wait_timeout)

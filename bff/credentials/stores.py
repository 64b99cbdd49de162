"""Where resolved org keys are kept: the KeyStore interface and the in-process store.

A store only stores. It never provisions: the resolver decides when a key is missing and
asks the provisioner. Keys are secrets, so a store that keeps them outside the process must
encrypt them there.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from cachetools import TTLCache


@runtime_checkable
class KeyStore(Protocol):
    """Keep org id -> project key, each entry for the store's own TTL."""

    def get(self, org_id: str) -> str | None:
        """Return the org's key, or None when absent or expired (never raise for a miss)."""

    def set(self, org_id: str, key: str) -> None:
        """Keep the org's key for the store's TTL."""

    def delete_if(self, org_id: str, key: str) -> None:
        """Forget the org's key, but only while it is still ``key`` (not a newer one)."""

    def delete(self, org_id: str) -> None:
        """Forget the org's key whatever it is (an operator removed or re-keyed the org)."""


@runtime_checkable
class Lease(Protocol):
    """A held fleet-wide lock, given back with release()."""

    def release(self) -> None:
        """Give the lock back if it is still ours (an expired one is left alone)."""


@runtime_checkable
class FleetLocks(Protocol):
    """An optional store capability: one provision lock per org, seen by every process."""

    def try_lock(self, org_id: str) -> Lease | None:
        """Take the org's lock: a Lease when ours, None while another process holds it.

        A store that cannot reach its lock service gives a lease that locks nothing, so the
        caller falls back to single flight within its own process.
        """


def forbid_org(store: KeyStore, org_id: str) -> None:
    """Drop the org's key from the store, and where the store can, keep it from coming back
    (a shared store's tombstone: a provision that was in flight cannot put it back)."""
    forbid = getattr(store, "forbid", None)
    if callable(forbid):
        forbid(org_id)
    else:
        store.delete(org_id)


def store_health(store: KeyStore) -> str | None:
    """Return the store's status for /readyz ("ok", "degraded"), None if it has none."""
    health = getattr(store, "health", None)
    return health() if callable(health) else None


class MemoryKeyStore:
    """A bounded TTL cache in this process: the default, nothing to run or configure."""

    def __init__(self, maxsize: int, ttl: float,
                 timer: Callable[[], float] = time.monotonic) -> None:
        self._cache: TTLCache[str, str] = TTLCache(maxsize=maxsize, ttl=ttl, timer=timer)
        self._lock = threading.Lock()

    def get(self, org_id: str) -> str | None:
        """Return the org's key if cached and fresh."""
        with self._lock:
            return self._cache.get(org_id)

    def set(self, org_id: str, key: str) -> None:
        """Cache the org's key (the least recently used entry goes when full)."""
        with self._lock:
            self._cache[org_id] = key

    def delete_if(self, org_id: str, key: str) -> None:
        """Forget the org's key if it is still the given one."""
        with self._lock:
            if self._cache.get(org_id) == key:
                del self._cache[org_id]

    def delete(self, org_id: str) -> None:
        """Forget the org's key."""
        with self._lock:
            self._cache.pop(org_id, None)

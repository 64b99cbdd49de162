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

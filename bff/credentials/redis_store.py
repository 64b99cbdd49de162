"""The fleet's key store: sealed keys in Redis, a short local copy, in-process when Redis fails.

- Values are ``KeyEnvelope`` seals (AES-256-GCM, bound to the org): nothing in Redis reveals
  a project key, and an entry that does not open (another secret, tampering) is a miss.
- Entries expire in Redis after 90-100% of the key TTL, at random, so the keys a fleet
  learned together do not all expire (and get re-provisioned) in the same second.
- A key read from Redis is reused in-process for ``local_ttl`` seconds, so a hot org costs
  no Redis round trip per request. That is also how long another process may keep using
  a key after ``delete``.
- The same local copy is the fall-back: while Redis is unavailable (``RedisLink``), a
  process serves what it learned for the full key TTL, keeps what it provisions, and its
  resolver provisions with single flight within the process only.
- ``try_lock`` is the fleet-wide provision lock: redis-py's ``Lock`` (an owner token, an
  expiry, released only by its owner).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable

from cachetools import TTLCache
from redis.exceptions import LockNotOwnedError
from redis.lock import Lock

from ..errors import KeyStoreUnavailable
from ..ops.metrics import Metrics
from .envelope import KeyEnvelope
from .redis_link import UNAVAILABLE, RedisLink
from .stores import Lease

KEY_PREFIX = "craftkit-bff:key:"
LOCK_PREFIX = "craftkit-bff:lock:"
JITTER = 0.1
# Delete the entry only while it still holds the envelope we read and judged stale.
_DELETE_IF_UNCHANGED = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class _NoLease:
    """The lease of a lock service that could not be reached: it locks nothing."""

    def release(self) -> None:
        """Nothing to give back."""


class _RedisLease:
    """A held Redis lock of one org."""

    def __init__(self, link: RedisLink, lock: Lock) -> None:
        self._link = link
        self._lock = lock

    def release(self) -> None:
        """Give the lock back if we still own it; if Redis is gone it expires on its own."""
        self._link.call("unlock", _release_if_owned(self._lock))


class RedisKeyStore:
    """Org keys shared by every process through Redis, sealed, with a local copy in front."""

    def __init__(self, link: RedisLink, envelope: KeyEnvelope, *, ttl: float,
                 local_ttl: float, maxsize: int, lock_ttl: float,
                 metrics: Metrics | None = None,
                 timer: Callable[[], float] = time.monotonic) -> None:
        self._link = link
        self._envelope = envelope
        self._ttl = ttl
        self._local_ttl = min(local_ttl, ttl)
        self._lock_ttl = lock_ttl
        self._metrics = metrics or Metrics(enabled=False)
        self._timer = timer
        # org id -> (key, when it was last read from or written to Redis).
        self._copies: TTLCache[str, tuple[str, float]] = TTLCache(maxsize, ttl, timer=timer)
        self._guard = threading.Lock()
        self._delete_if_unchanged = link.client.register_script(_DELETE_IF_UNCHANGED)

    def get(self, org_id: str) -> str | None:
        """Return the org's key: the fresh local copy, else Redis, else (Redis down) the copy."""
        now = self._timer()
        with self._guard:
            copy = self._copies.get(org_id)
        if copy is not None and now - copy[1] < self._local_ttl:
            return copy[0]
        sealed = self._link.call("get", lambda client: client.get(KEY_PREFIX + org_id))
        if sealed is UNAVAILABLE:
            return copy[0] if copy is not None else None
        key = self._open(org_id, sealed)
        with self._guard:
            if key is None:
                self._copies.pop(org_id, None)
            else:
                self._copies[org_id] = (key, now)
        return key

    def set(self, org_id: str, key: str) -> None:
        """Keep the org's key here and, sealed, in Redis for a jittered TTL."""
        with self._guard:
            self._copies[org_id] = (key, self._timer())
        sealed = self._envelope.seal(org_id, key)
        ttl_ms = max(1, int(self._ttl * 1000 * (1 - JITTER * random.random())))
        self._link.call("set", lambda client: client.set(KEY_PREFIX + org_id, sealed,
                                                         px=ttl_ms))

    def delete_if(self, org_id: str, key: str) -> None:
        """Forget the org's key here and in Redis, but only while it is still ``key``."""
        with self._guard:
            copy = self._copies.get(org_id)
            if copy is not None and copy[0] == key:
                del self._copies[org_id]
        name = KEY_PREFIX + org_id
        sealed = self._link.call("delete_if", lambda client: client.get(name))
        if isinstance(sealed, bytes) and self._envelope.open(org_id, sealed) == key:
            self._link.call("delete_if", lambda client: self._delete_if_unchanged(
                keys=[name], args=[sealed], client=client))

    def delete(self, org_id: str) -> None:
        """Forget the org's key everywhere; other processes stop using it within local_ttl.

        :raises KeyStoreUnavailable: Redis could not be reached, so other hosts keep it.
        """
        with self._guard:
            self._copies.pop(org_id, None)
        if self._link.call("delete", lambda client: client.delete(KEY_PREFIX + org_id)) \
                is UNAVAILABLE:
            raise KeyStoreUnavailable()

    def try_lock(self, org_id: str) -> Lease | None:
        """Take the org's fleet-wide provision lock; None while another process holds it."""
        lock = Lock(self._link.client, LOCK_PREFIX + org_id, timeout=self._lock_ttl,
                    blocking=False)
        taken = self._link.call("lock", lambda client: lock.acquire(blocking=False))
        if taken is UNAVAILABLE:
            return _NoLease()
        return _RedisLease(self._link, lock) if taken else None

    def health(self) -> str:
        """Return "ok" when Redis answers a PING, else "degraded" (keys served in-process)."""
        # While the circuit is open this costs nothing; once half open, it is the trial call.
        answer = self._link.call("ping", lambda client: client.ping())
        return "ok" if answer is not UNAVAILABLE and self._link.healthy else "degraded"

    def _open(self, org_id: str, sealed: object) -> str | None:
        if sealed is None:
            self._metrics.key_store_read("miss")
            return None
        key = self._envelope.open(org_id, sealed) if isinstance(sealed, bytes) else None
        self._metrics.key_store_read("hit" if key is not None else "unreadable")
        return key


def _release_if_owned(lock: Lock) -> Callable[[object], None]:
    def release(client: object) -> None:
        try:
            lock.release()
        except LockNotOwnedError:
            pass  # it expired, and another process may hold it now: theirs to release
    return release

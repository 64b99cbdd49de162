"""The fleet's key store: sealed keys in Redis, a short local copy, in-process when Redis fails.

- Values are ``KeyEnvelope`` seals (AES-256-GCM, bound to the org and their issue time):
  nothing in Redis reveals a project key, and an entry that does not open (another secret,
  tampering, older than the key TTL) is a miss. A value is read only if it is a string of at
  most ``MAX_ENTRY`` bytes (checked on the server, ``redis_scripts``).
- ``forbid`` leaves a tombstone for a deprovisioned org, which ``set`` never overwrites, so
  a provision that was in flight cannot put the key back for the fleet.
- Entries expire in Redis after 90-100% of the key TTL, at random, so the keys a fleet
  learned together do not all expire (and get re-provisioned) in the same second.
- A key read from Redis is reused in-process for ``local_ttl`` seconds, so a hot org costs
  no Redis round trip per request. That is also how long another process may keep using
  a key after ``delete``.
- The same local copy is the fall-back: while Redis is unavailable (``RedisLink``), a
  process serves what it learned for the full key TTL, keeps what it provisions, and its
  resolver provisions with single flight within the process only.
- ``try_lock`` is the fleet-wide provision lock: redis-py's ``Lock`` (an owner token, an
  expiry, released only by its owner). A lock with no expiry, or a longer one than a BFF
  sets (``LONGEST_LOCK``), was not written by a BFF: it is deleted, and this provision is
  single flight within the process only.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable

from cachetools import TTLCache
from redis.exceptions import LockNotOwnedError
from redis.lock import Lock

from ..errors import KeyStoreUnavailable
from ..ops.metrics import Metrics
from ..ops.requestlog import printable
from . import redis_scripts
from .envelope import TOMBSTONE, KeyEnvelope
from .redis_link import UNAVAILABLE, RedisLink
from .stores import Lease

log = logging.getLogger("bff.key_store")

KEY_PREFIX = "craftkit-bff:key:"
LOCK_PREFIX = "craftkit-bff:lock:"
JITTER = 0.1
# An entry is ~60 bytes; anything far larger was not written by a BFF and is never fetched.
MAX_ENTRY = 4096
# Hosts may set other lock TTLs (their own upstream timeouts): a lock longer than twice ours
# and this is no BFF's.
LONGEST_LOCK = 60.0
# Hosts' clocks differ: an entry may look this much older than its Redis TTL allows.
CLOCK_SKEW = 60.0


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
        register = link.client.register_script
        self._read = register(redis_scripts.READ_BOUNDED)
        self._set_unless_tombstone = register(redis_scripts.SET_UNLESS_TOMBSTONE)
        self._delete_if_unchanged = register(redis_scripts.DELETE_IF_UNCHANGED)
        self._clear_insane_lock = register(redis_scripts.CLEAR_INSANE_LOCK)

    def get(self, org_id: str) -> str | None:
        """Return the org's key: the fresh local copy, else Redis, else (Redis down) the copy."""
        now = self._timer()
        with self._guard:
            copy = self._copies.get(org_id)
        if copy is not None and now - copy[1] < self._local_ttl:
            return copy[0]
        sealed = self._fetch("get", org_id)
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
        """Keep the org's key here and, sealed, in Redis for a jittered TTL (never over a
        tombstone: then the key is not kept at all)."""
        with self._guard:
            self._copies[org_id] = (key, self._timer())
        sealed = self._envelope.seal(org_id, key)
        longest_ms = max(1, int(self._ttl * 1000))
        ttl_ms = max(1, int(longest_ms * (1 - JITTER * random.random())))
        stored = self._link.call("set", lambda client: self._set_unless_tombstone(
            keys=[KEY_PREFIX + org_id], args=[sealed, TOMBSTONE, ttl_ms, longest_ms],
            client=client))
        if stored == 0:
            log.warning("did not store a key for org %s: it was deprovisioned meanwhile",
                        printable(org_id))
            with self._guard:
                self._copies.pop(org_id, None)

    def delete_if(self, org_id: str, key: str) -> None:
        """Forget the org's key here and in Redis, but only while it is still ``key``."""
        with self._guard:
            copy = self._copies.get(org_id)
            if copy is not None and copy[0] == key:
                del self._copies[org_id]
        name = KEY_PREFIX + org_id
        sealed = self._fetch("delete_if", org_id)
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

    def forbid(self, org_id: str) -> None:
        """Replace the org's key everywhere by a tombstone that ``set`` cannot overwrite,
        for the key TTL (an org was deprovisioned; provisioning it again deletes it).

        :raises KeyStoreUnavailable: Redis could not be reached, so other hosts keep it.
        """
        with self._guard:
            self._copies.pop(org_id, None)
        tombstone = self._envelope.tombstone(org_id)
        ttl_ms = max(1, int(self._ttl * 1000))
        if self._link.call("forbid", lambda client: client.set(
                KEY_PREFIX + org_id, tombstone, px=ttl_ms)) is UNAVAILABLE:
            raise KeyStoreUnavailable()

    def try_lock(self, org_id: str) -> Lease | None:
        """Take the org's fleet-wide provision lock; None while another process holds it."""
        name = LOCK_PREFIX + org_id
        lock = Lock(self._link.client, name, timeout=self._lock_ttl, blocking=False)
        taken = self._link.call("lock", lambda client: lock.acquire(blocking=False))
        if taken is UNAVAILABLE:
            return _NoLease()
        if taken:
            return _RedisLease(self._link, lock)
        longest_ms = int(max(2 * self._lock_ttl, LONGEST_LOCK) * 1000)
        cleared = self._link.call("lock", lambda client: self._clear_insane_lock(
            keys=[name], args=[longest_ms], client=client))
        if cleared == 1:
            log.warning("deleted a provision lock of org %s that had no sane expiry (not "
                        "written by craftkit-bff); provisioning within this process",
                        printable(org_id))
            return _NoLease()
        return None

    def health(self) -> str:
        """Return "ok" when Redis answers a PING, else "degraded" (keys served in-process)."""
        # While the circuit is open this costs nothing; once half open, it is the trial call.
        answer = self._link.call("ping", lambda client: client.ping())
        return "ok" if answer is not UNAVAILABLE and self._link.healthy else "degraded"

    def _fetch(self, operation: str, org_id: str) -> object:
        """Read an entry if it is a string of at most MAX_ENTRY bytes (else an int)."""
        return self._link.call(operation, lambda client: self._read(
            keys=[KEY_PREFIX + org_id], args=[MAX_ENTRY], client=client))

    def _open(self, org_id: str, sealed: object) -> str | None:
        if sealed is None:
            self._metrics.key_store_read("miss")
            return None
        max_age = self._ttl + CLOCK_SKEW
        key = (self._envelope.open(org_id, sealed, max_age) if isinstance(sealed, bytes)
               else None)
        if key is None and isinstance(sealed, bytes) and self._envelope.is_tombstone(
                org_id, sealed, max_age):
            self._metrics.key_store_read("miss")  # deprovisioned: the registry says why
            return None
        self._metrics.key_store_read("hit" if key is not None else "unreadable")
        return key


def _release_if_owned(lock: Lock) -> Callable[[object], None]:
    def release(client: object) -> None:
        try:
            lock.release()
        except LockNotOwnedError:
            pass  # it expired, and another process may hold it now: theirs to release
    return release

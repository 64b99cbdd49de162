"""The catalog ledger in the fleet's Redis (no tenant registry): sealed records, a lock.

A record is the version sealed with the key store's envelope (AES-256-GCM under
CRAFTKIT_CACHE_KEY, bound to the org and the catalog name), so an entry written without
the secret, or copied from another org, reads as "no record" and costs one publish. The
claim is a redis-py ``Lock`` (owner token, expiry). Every call goes through a
``RedisLink``: a Redis that fails answers "unknown" and "no lock", never an error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from redis.exceptions import LockNotOwnedError
from redis.lock import Lock

from ..credentials.envelope import KeyEnvelope
from ..credentials.redis_link import UNAVAILABLE, RedisLink
from .ledger import Claim, _Unlocked, name_tag, record_context

RECORD_PREFIX = "craftkit-bff:catalog:"
LOCK_PREFIX = "craftkit-bff:catalog-lock:"
_FORGET_IF_UNCHANGED = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class _LockClaim:
    def __init__(self, link: RedisLink, lock: Lock) -> None:
        self._link, self._lock = link, lock

    def release(self) -> None:
        self._link.call("unlock", _release_if_owned(self._lock))


class RedisLedger:
    """Catalog versions shared through Redis, sealed; the claim is a Redis lock."""

    def __init__(self, link: RedisLink, envelope: KeyEnvelope) -> None:
        self._link = link
        self._envelope = envelope
        self._forget = link.client.register_script(_FORGET_IF_UNCHANGED)

    def version(self, org_id: str, name: str) -> str | None:
        sealed = self._link.call("catalog_get", lambda client: client.get(_key(org_id, name)))
        if not isinstance(sealed, bytes):
            return None
        return self._envelope.open(record_context(org_id, name), sealed)

    def claim(self, org_id: str, name: str, seconds: float) -> Claim | None:
        lock = Lock(self._link.client, LOCK_PREFIX + name_tag(name) + ":" + org_id,
                    timeout=seconds, blocking=False)
        taken = self._link.call("catalog_lock", lambda client: lock.acquire(blocking=False))
        if taken is UNAVAILABLE:
            return _Unlocked()
        return _LockClaim(self._link, lock) if taken else None

    def record(self, org_id: str, name: str, version: str) -> None:
        sealed = self._envelope.seal(record_context(org_id, name), version)
        self._link.call("catalog_set", lambda client: client.set(_key(org_id, name), sealed))

    def forget(self, org_id: str, name: str, version: str) -> None:
        key = _key(org_id, name)
        sealed = self._link.call("catalog_get", lambda client: client.get(key))
        if isinstance(sealed, bytes) and self._envelope.open(
                record_context(org_id, name), sealed) == version:
            self._link.call("catalog_forget", lambda client: self._forget(
                keys=[key], args=[sealed], client=client))


def _key(org_id: str, name: str) -> str:
    return RECORD_PREFIX + name_tag(name) + ":" + org_id


def _release_if_owned(lock: Lock) -> Callable[[Any], None]:
    def release(client: Any) -> None:
        try:
            lock.release()
        except LockNotOwnedError:
            pass  # it expired, and another process may hold it now
    return release

"""Which catalog version each org's project holds, and who in the fleet is publishing it.

A ledger answers three questions for (org, catalog name): which version was published
there (``version``), may this process publish it now (``claim``: a lease, None while another
process holds it), and it is done (``record``) or gone (``forget``). Three kinds:

- ``RegistryLedger`` (``registry_ledger``): the tenant registry's ``craftkit_catalogs``
  table, durable, shared by every host; the claim is a lease on the row (owner and
  expiry), as provisioning uses;
- ``RedisLedger`` (``redis_ledger``): the fleet's Redis (no registry): the version sealed
  like a key-store entry, the claim a redis-py ``Lock``;
- ``MemoryLedger``: this process only (neither): a restart publishes once more.

A ledger that cannot be reached answers "unknown" and "no lock" rather than fail a
session: publishing is idempotent upstream (it replaces the catalog by name), so the worst
a lost record costs is one more publish.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from typing import Protocol

log = logging.getLogger("bff.catalogs")


class Claim(Protocol):
    """A held right to publish one org's catalog, given back with release()."""

    def release(self) -> None:
        """Give the claim back if it is still ours (an expired one is left alone)."""


class CatalogLedger(Protocol):
    """Record which catalog version each org's project holds."""

    def version(self, org_id: str, name: str) -> str | None:
        """Return the version recorded for the org's catalog, None if none (or unknown)."""

    def claim(self, org_id: str, name: str, seconds: float) -> Claim | None:
        """Take the right to publish for seconds; None while another process holds it."""

    def record(self, org_id: str, name: str, version: str) -> None:
        """Record that the org's project now holds version."""

    def forget(self, org_id: str, name: str, version: str) -> None:
        """Forget the record, but only while it still says version."""


class _Unlocked:
    """The claim of a ledger with no fleet lock (or one out of reach): it locks nothing."""

    def release(self) -> None:
        """Nothing to give back."""


class MemoryLedger:
    """Versions published by this process (single flight in the process is the lock)."""

    def __init__(self) -> None:
        self._versions: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def version(self, org_id: str, name: str) -> str | None:
        with self._lock:
            return self._versions.get((org_id, name))

    def claim(self, org_id: str, name: str, seconds: float) -> Claim | None:
        return _Unlocked()

    def record(self, org_id: str, name: str, version: str) -> None:
        with self._lock:
            self._versions[(org_id, name)] = version

    def forget(self, org_id: str, name: str, version: str) -> None:
        with self._lock:
            if self._versions.get((org_id, name)) == version:
                del self._versions[(org_id, name)]


def record_context(org_id: str, name: str) -> str:
    """Return what a Redis record is bound to (org ids hold no NUL, so no key entry's)."""
    return f"{org_id}\x00catalog\x00{name}"


def name_tag(name: str) -> str:
    """Return a short, fixed-length tag of a catalog name for Redis key names."""
    return hashlib.sha256(name.encode()).hexdigest()[:16]

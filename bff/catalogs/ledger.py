"""Which catalog version each org's project holds, and who in the fleet is publishing it.

A ledger answers three questions for (org, catalog name): which version was published
there (``version``), may this process publish it now (``claim``: a lease, None while another
process holds it), and it is done (``record``) or gone (``forget``). Three kinds:

- ``RegistryLedger``: the tenant registry's ``craftkit_catalogs`` table, durable, shared by
  every host; the claim is a lease on the row (owner and expiry), as provisioning uses;
- ``RedisLedger``: the fleet's Redis (no registry): the version sealed like a key-store
  entry, the claim a redis-py ``Lock``;
- ``MemoryLedger``: this process only (neither): a restart publishes once more.

A ledger that cannot be reached answers "unknown" and "no lock" rather than fail a
session: publishing is idempotent upstream (it replaces the catalog by name), so the worst
a lost record costs is one more publish.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import uuid
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy import exc

from ..errors import BffError
from ..registry import Registry
from ..registry.schema import catalogs as C

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


class _RowClaim:
    def __init__(self, ledger: RegistryLedger, org_id: str, name: str, owner: str) -> None:
        self._ledger, self._org_id, self._name, self._owner = ledger, org_id, name, owner

    def release(self) -> None:
        self._ledger.release(self._org_id, self._name, self._owner)


class RegistryLedger:
    """Versions in the tenant registry; the claim is a lease on the org's catalog row."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def version(self, org_id: str, name: str) -> str | None:
        try:
            with self.registry.transaction() as connection:
                return connection.execute(sa.select(C.c.version).where(
                    _row(org_id, name))).scalar()
        except BffError:
            return None  # the registry logged why; publishing again is safe

    def versions(self, name: str) -> dict[str, str | None]:
        """Return org id -> recorded version of the named catalog, for every org recorded."""
        with self.registry.transaction() as connection:
            rows = connection.execute(sa.select(C.c.org_id, C.c.version).where(
                C.c.name == name)).all()
        return {row.org_id: row.version for row in rows}

    def claim(self, org_id: str, name: str, seconds: float) -> Claim | None:
        owner = uuid.uuid4().hex
        try:
            now = self.registry.now()
            lease = {"lease_owner": owner, "lease_until": now + seconds, "updated_at": now}
            try:
                with self.registry.transaction() as connection:
                    connection.execute(C.insert().values(org_id=org_id, name=name, **lease))
            except exc.IntegrityError:
                with self.registry.transaction() as connection:
                    taken = connection.execute(C.update().where(sa.and_(
                        _row(org_id, name),
                        sa.or_(C.c.lease_owner.is_(None), C.c.lease_until < now),
                    )).values(**lease)).rowcount
                if not taken:
                    return None
        except BffError:
            return _Unlocked()
        return _RowClaim(self, org_id, name, owner)

    def record(self, org_id: str, name: str, version: str) -> None:
        try:
            now = self.registry.now()
            with self.registry.transaction() as connection:
                connection.execute(C.update().where(_row(org_id, name)).values(
                    version=version, published_at=now, updated_at=now))
        except BffError:
            log.warning("could not record catalog %s for org %s in the registry", name, org_id)

    def forget(self, org_id: str, name: str, version: str) -> None:
        try:
            now = self.registry.now()
            with self.registry.transaction() as connection:
                connection.execute(C.update().where(sa.and_(
                    _row(org_id, name), C.c.version == version)).values(
                    version=None, updated_at=now))
        except BffError:
            pass

    def release(self, org_id: str, name: str, owner: str) -> None:
        """Give up owner's lease on the org's catalog row (if it still holds it)."""
        try:
            with self.registry.transaction() as connection:
                connection.execute(C.update().where(sa.and_(
                    _row(org_id, name), C.c.lease_owner == owner)).values(
                    lease_owner=None, lease_until=None))
        except BffError:
            pass  # the lease expires on its own


def _row(org_id: str, name: str) -> sa.ColumnElement[bool]:
    return sa.and_(C.c.org_id == org_id, C.c.name == name)


def record_context(org_id: str, name: str) -> str:
    """Return what a Redis record is bound to (org ids hold no NUL, so no key entry's)."""
    return f"{org_id}\x00catalog\x00{name}"


def name_tag(name: str) -> str:
    """Return a short, fixed-length tag of a catalog name for Redis key names."""
    return hashlib.sha256(name.encode()).hexdigest()[:16]

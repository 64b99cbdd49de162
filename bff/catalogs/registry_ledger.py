"""The catalog ledger in the tenant registry (``craftkit_catalogs``), for fleets with one.

Its own module because it needs SQLAlchemy (the ``registry`` extra), which a deployment
without a registry never loads.
"""

from __future__ import annotations

import logging
import uuid

import sqlalchemy as sa
from sqlalchemy import exc

from ..errors import BffError
from ..registry.schema import catalogs as C
from ..registry.store import Registry
from .ledger import Claim, _Unlocked

log = logging.getLogger("bff.catalogs")


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

"""The tenant registry: one row per org, each change a short transaction of its own.

No method holds a transaction or lock beyond its own statement(s): callers make upstream
calls between them, holding only a lease (a row's owner and expiry), never the database.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.engine import Connection, Engine

from ..config import ConfigError
from ..errors import RegistryRefusedValue, RegistrySecretMismatch, RegistryUnavailable
from ..ops.requestlog import printable
from . import schema
from .crypto import CHECK_CONTEXT, CHECK_TEXT, RowCipher, RowUnreadable
from .records import DEPROVISIONED, RESERVED, Tenant

log = logging.getLogger("bff.registry")
T = schema.tenants


class SecretMismatch(ConfigError):
    """The registry was written under another CRAFTKIT_REGISTRY_SECRET."""


class Registry:
    """Read and change tenant rows; seal and open their keys."""

    def __init__(self, engine: Engine, cipher: RowCipher | None,
                 clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.cipher = cipher
        self.clock = clock
        self._ready = False
        self._ready_lock = threading.Lock()

    def prepare(self) -> None:
        """Create or upgrade the schema and check the secret, once (RegistryUnavailable)."""
        if self._ready:
            return
        with self._ready_lock:
            if not self._ready:
                with self._translated(), self.engine.begin() as connection:
                    schema.upgrade(connection)
                    self._check_secret(connection)
                self._ready = True

    def get(self, org_id: str) -> Tenant | None:
        """Return the org's row, or None."""
        with self.transaction() as connection:
            row = connection.execute(sa.select(T).where(T.c.org_id == org_id)).mappings().first()
        return Tenant.from_row(row) if row is not None else None

    def all(self) -> list[Tenant]:
        """Return every row, ordered by org id."""
        with self.transaction() as connection:
            rows = connection.execute(sa.select(T).order_by(T.c.org_id)).mappings().all()
        return [Tenant.from_row(row) for row in rows]

    def now(self) -> float:
        """Return the registry's time (what lease and row times are measured against)."""
        return self.clock()

    def changes(self, since: float | None) -> tuple[float, list[tuple[str, str]]]:
        """Return the registry's time and (org id, state) of the rows updated at or after
        since; with since None, of every deprovisioned row."""
        with self.transaction() as connection:
            now = self.clock()
            query = sa.select(T.c.org_id, T.c.state)
            query = (query.where(T.c.state == DEPROVISIONED) if since is None
                     else query.where(T.c.updated_at >= since))
            rows = connection.execute(query).all()
        return now, [(org_id, state) for org_id, state in rows]

    def reserve(self, org_id: str, org_name: str, strategy: str, owner: str,
                lease: float) -> bool:
        """Insert the org's row, leased to owner; False if it already has one."""
        now = self.clock()
        try:
            with self.transaction() as connection:
                connection.execute(T.insert().values(
                    org_id=org_id, org_name=org_name, strategy=strategy, state=RESERVED,
                    lease_owner=owner, lease_until=now + lease, created_at=now,
                    updated_at=now))
        except exc.IntegrityError:
            return False
        return True

    def claim(self, org_id: str, owner: str, lease: float) -> bool:
        """Take the org's lease if it is free or expired (never on a deprovisioned row)."""
        now = self.clock()
        return self._update(
            sa.and_(T.c.org_id == org_id, T.c.state != DEPROVISIONED,
                    sa.or_(T.c.lease_owner.is_(None), T.c.lease_until < now,
                           T.c.lease_owner == owner)),
            lease_owner=owner, lease_until=now + lease)

    def update_leased(self, org_id: str, owner: str, **values: Any) -> bool:
        """Change the org's row only while owner still holds its lease."""
        return self._update(sa.and_(T.c.org_id == org_id, T.c.lease_owner == owner), **values)

    def release(self, org_id: str, owner: str) -> None:
        """Give up owner's lease on the org (if it still has it)."""
        self.update_leased(org_id, owner, lease_owner=None, lease_until=None)

    @contextmanager
    def lease(self, org_id: str, seconds: float) -> Iterator[str | None]:
        """Hold the org's lease for the block: yield its owner token, or None while another
        worker holds it (then nothing is held and nothing is released).

        The lease is given back when the block ends; if the registry cannot be reached
        then, it expires on its own after ``seconds``.
        """
        owner = uuid.uuid4().hex
        if not self.claim(org_id, owner, seconds):
            yield None
            return
        try:
            yield owner
        finally:
            try:
                self.release(org_id, owner)
            except RegistryUnavailable:
                log.warning("could not give back the lease of org %s; it expires on its own",
                            printable(org_id))

    def revive(self, org_id: str, org_name: str, owner: str, lease: float) -> bool:
        """Turn a deprovisioned row back into a fresh reservation leased to owner."""
        now = self.clock()
        return self._update(
            sa.and_(T.c.org_id == org_id, T.c.state == DEPROVISIONED),
            org_name=org_name, state=RESERVED, project_id=None, project_slug=None,
            partner_id=None, key_sealed=None, key_id=None, create_sent_at=None,
            deprovisioned_at=None, lease_owner=owner, lease_until=now + lease)

    def record(self, org_id: str, org_name: str, strategy: str, **values: Any) -> bool:
        """Insert or overwrite the org's row; False if it is deprovisioned (left alone)."""
        now = self.clock()
        try:
            with self.transaction() as connection:
                changed = connection.execute(T.update().where(
                    sa.and_(T.c.org_id == org_id, T.c.state != DEPROVISIONED)).values(
                    org_name=org_name, updated_at=now, **values)).rowcount
                if not changed:
                    connection.execute(T.insert().values(
                        org_id=org_id, org_name=org_name, strategy=strategy, created_at=now,
                        updated_at=now, **values))
        except exc.IntegrityError:
            return False
        return True

    def insert(self, org_id: str, org_name: str, strategy: str, **values: Any) -> bool:
        """Insert the org's row; False (nothing changed) if it already has one."""
        now = self.clock()
        try:
            with self.transaction() as connection:
                connection.execute(T.insert().values(
                    org_id=org_id, org_name=org_name, strategy=strategy, created_at=now,
                    updated_at=now, **values))
        except exc.IntegrityError:
            return False
        return True

    def rename(self, org_id: str, org_name: str) -> bool:
        """Change the org's display name in the registry."""
        return self._update(T.c.org_id == org_id, org_name=org_name)

    def delete(self, org_id: str) -> bool:
        """Forget the org's row altogether (reconcile, for a row whose project is gone)."""
        with self.transaction() as connection:
            return connection.execute(T.delete().where(T.c.org_id == org_id)).rowcount == 1

    def seal_key(self, org_id: str, project_id: str, key: str) -> str:
        """Seal a project key for its org and project row."""
        return self._cipher().seal(key, _context(org_id, project_id))

    def open_key(self, tenant: Tenant) -> str:
        """Return the tenant's project key, or raise RowUnreadable."""
        if tenant.key_sealed is None:
            raise RowUnreadable(tenant.org_id)
        return self._cipher().open(tenant.key_sealed,
                                   _context(tenant.org_id, tenant.project_id or ""))

    def swap_sealed(self, org_id: str, old: str, new: str) -> bool:
        """Replace a sealed key only if it is still old (re-encryption vs. a re-key)."""
        return self._update(sa.and_(T.c.org_id == org_id, T.c.key_sealed == old),
                            key_sealed=new)

    def write_key_check(self) -> None:
        """Record that the current secret is the registry's (after re-encryption)."""
        with self.transaction() as connection:
            exists = schema.read_meta(connection, "key_check") is not None
            schema.write_meta(connection, "key_check",
                              self._cipher().seal(CHECK_TEXT, CHECK_CONTEXT), exists=exists)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One short transaction; database failures become RegistryUnavailable."""
        try:
            self.prepare()
        except SecretMismatch as error:
            log.error("%s", error)
            raise RegistrySecretMismatch() from None
        except ConfigError as error:
            log.error("%s", error)
            raise RegistryUnavailable() from None
        with self._translated(), self.engine.begin() as connection:
            yield connection

    def _update(self, where: Any, **values: Any) -> bool:
        with self.transaction() as connection:
            result = connection.execute(T.update().where(where).values(
                updated_at=self.clock(), **values))
        return result.rowcount == 1

    def _cipher(self) -> RowCipher:
        if self.cipher is None:
            raise ConfigError("CRAFTKIT_REGISTRY_SECRET is not set: it is needed to keep "
                              "project keys in the tenant registry.")
        return self.cipher

    def _check_secret(self, connection: Connection) -> None:
        # Two hosts with different secrets on one database would each seal rows the other
        # cannot open: the first to open the registry records which secret it uses.
        if self.cipher is None:
            return
        check = schema.read_meta(connection, "key_check")
        if check is None:
            schema.write_meta(connection, "key_check",
                              self.cipher.seal(CHECK_TEXT, CHECK_CONTEXT), exists=False)
            return
        try:
            self.cipher.open(check, CHECK_CONTEXT)
        except RowUnreadable:
            raise SecretMismatch(
                "CRAFTKIT_REGISTRY_SECRET is not the secret this tenant registry was written "
                "with (nor is CRAFTKIT_REGISTRY_SECRET_PREVIOUS): every host sharing the "
                "registry must use the same secret. Refusing to start.") from None

    @contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except exc.IntegrityError:
            raise
        except exc.DataError as error:
            # A value the database refuses (too long, a NUL): it would be refused for ever.
            log.error("the tenant registry refused a value (%s)", type(error.orig).__name__)
            raise RegistryRefusedValue() from error
        except (exc.DBAPIError, exc.TimeoutError) as error:
            cause = type(getattr(error, "orig", None) or error).__name__
            log.warning("tenant registry unavailable (%s)", cause)
            raise RegistryUnavailable() from error
        except (UnicodeEncodeError, exc.StatementError) as error:
            # Raised before the database saw anything: text the driver cannot encode.
            original = error.orig if isinstance(error, exc.StatementError) else error
            if not isinstance(original, UnicodeEncodeError):
                raise
            log.error("the tenant registry could not store a value (%s)",
                      type(original).__name__)
            raise RegistryRefusedValue() from error


def _context(org_id: str, project_id: str) -> str:
    # Bound to the org and its project, so a sealed key moved to another row does not open.
    return f"tenant-key:{org_id}:{project_id}"

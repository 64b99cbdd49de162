"""The tenant registry: one row per org, each change a short transaction of its own.

No method holds a transaction or lock beyond its own statement(s): callers make upstream
calls between them, holding only a lease (a row's owner and expiry), never the database.
Every change reads the row it changes within its transaction (locked), so the row's
generation and seals (``integrity``) follow from what is really there, and times come from
the registry's clock (``database.Clock``: PostgreSQL's own).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.engine import Connection, Engine

from ..config import ConfigError
from ..errors import RegistrySecretMismatch, RegistryUnavailable
from ..ops.requestlog import printable
from . import schema
from .crypto import CHECK_CONTEXT, CHECK_TEXT, RowCipher, RowUnreadable
from .database import Clock, translated
from .integrity import completed, key_fields, row_intact
from .opening import SecretMismatch, open_schema
from .records import DEPROVISIONED, RESERVED, Tenant

log = logging.getLogger("bff.registry")
T = schema.tenants
# A condition on the row, given the registry's time now.
Condition = Callable[[float], Any]


class Registry:
    """Read and change tenant rows; seal and open their keys.

    :param clock: the time rows are written with (tests); default the database's own on
        PostgreSQL, this host's on SQLite.
    """

    def __init__(self, engine: Engine, cipher: RowCipher | None,
                 clock: Callable[[], float] | None = None) -> None:
        self.engine = engine
        self.cipher = cipher
        self._clock = Clock(engine.dialect.name, clock)
        self._ready = False
        self._ready_lock = threading.Lock()

    def prepare(self) -> None:
        """Create or upgrade the schema, check the secret, seal the rows, once."""
        if self._ready:
            return
        with self._ready_lock:
            if not self._ready:
                with translated(), self.engine.begin() as connection:
                    open_schema(connection, self.cipher)
                self._ready = True

    def now(self) -> float:
        """Return the registry's time (what lease and row times are measured against)."""
        with self.transaction() as connection:
            return self._clock.now(connection)

    def get(self, org_id: str, *, verify: bool = True) -> Tenant | None:
        """Return the org's row, or None.

        :raises RegistrySecretMismatch: verify, and the row's seal does not match it.
        """
        with self.transaction() as connection:
            row = connection.execute(sa.select(T).where(T.c.org_id == org_id)).mappings().first()
        if row is None:
            return None
        if verify and not self.intact_row(dict(row)):
            log.error("the registry row of org %s fails its seal: changed outside craftkit-bff, "
                      "or sealed under another secret", printable(org_id))
            raise RegistrySecretMismatch()
        return Tenant.from_row(row)

    def all(self) -> list[Tenant]:
        """Return every row, ordered by org id (unverified: see ``intact``)."""
        with self.transaction() as connection:
            rows = connection.execute(sa.select(T).order_by(T.c.org_id)).mappings().all()
        return [Tenant.from_row(row) for row in rows]

    def intact(self, tenant: Tenant) -> bool:
        """Tell whether the row's seal matches it (always, without a secret to check)."""
        return self.intact_row(tenant.__dict__)

    def intact_row(self, row: Mapping[str, Any]) -> bool:
        """Tell whether a row's columns match its seal (always, without a secret)."""
        return self.cipher is None or row_intact(self.cipher, row)

    def changes(self, since: float | None) -> tuple[float, list[tuple[str, str]]]:
        """Return the registry's time and (org id, state) of the rows updated at or after
        since; with since None, of every deprovisioned row."""
        with self.transaction() as connection:
            now = self._clock.now(connection)
            query = sa.select(T.c.org_id, T.c.state)
            query = (query.where(T.c.state == DEPROVISIONED) if since is None
                     else query.where(T.c.updated_at >= since))
            rows = connection.execute(query).all()
        return now, [(org_id, state) for org_id, state in rows]

    def reserve(self, org_id: str, org_name: str, strategy: str, owner: str,
                lease: float) -> bool:
        """Insert the org's row, leased to owner; False if it already has one."""
        return self._insert(org_id, org_name, strategy, lambda now: {
            "state": RESERVED, "lease_owner": owner, "lease_until": now + lease})

    def insert(self, org_id: str, org_name: str, strategy: str, **values: Any) -> bool:
        """Insert the org's row; False (nothing changed) if it already has one."""
        return self._insert(org_id, org_name, strategy, lambda now: values)

    def claim(self, org_id: str, owner: str, lease: float) -> bool:
        """Take the org's lease if it is free or expired (never on a deprovisioned row)."""
        return self._change(org_id, lambda now: sa.and_(
            T.c.state != DEPROVISIONED, sa.or_(T.c.lease_owner.is_(None),
                                               T.c.lease_until < now, T.c.lease_owner == owner)),
            lambda now: {"lease_owner": owner, "lease_until": now + lease})

    def update_leased(self, org_id: str, owner: str, **values: Any) -> bool:
        """Change the org's row only while owner still holds its lease.

        ``key`` (a project key in plaintext, or None) is sealed for the row as it will be.
        """
        return self._change(org_id, lambda now: T.c.lease_owner == owner, lambda now: values)

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
        return self._change(org_id, lambda now: T.c.state == DEPROVISIONED, lambda now: {
            "org_name": org_name, "state": RESERVED, "project_id": None, "project_slug": None,
            "partner_id": None, "key": None, "key_id": None, "create_sent_at": None,
            "create_tag": None, "deprovisioned_at": None, "lease_owner": owner,
            "lease_until": now + lease})

    def record(self, org_id: str, org_name: str, strategy: str, **values: Any) -> bool:
        """Insert or overwrite the org's row; False if it is deprovisioned (left alone).

        Two hosts recording a new org at once both find no row to update and both insert:
        the one whose insert loses updates the row the other inserted.
        """
        for _ in range(2):
            if self._change(org_id, lambda now: T.c.state != DEPROVISIONED,
                            lambda now: {"org_name": org_name, **values}):
                return True
            if self.insert(org_id, org_name, strategy, **values):
                return True
        return False

    def rename(self, org_id: str, org_name: str) -> bool:
        """Change the org's display name in the registry."""
        return self._change(org_id, lambda now: sa.true(), lambda now: {"org_name": org_name})

    def delete(self, org_id: str) -> bool:
        """Forget the org's row altogether (reconcile, for a row whose project is gone)."""
        with self.transaction() as connection:
            return connection.execute(T.delete().where(T.c.org_id == org_id)).rowcount == 1

    def open_key(self, tenant: Tenant) -> str:
        """Return the tenant's project key, or raise RowUnreadable."""
        if tenant.key_sealed is None:
            raise RowUnreadable(tenant.org_id)
        return self._cipher().open_bound(tenant.key_sealed, *key_fields(
            tenant.org_id, tenant.project_id or "", tenant.generation))

    def reseal(self, tenant: Tenant) -> bool:
        """Seal the row's key and the row again under the current secret, if unchanged since
        read (``tenants reencrypt``); False if it changed meanwhile.

        :raises RowUnreadable: its key opens under no configured secret.
        """
        key = self.open_key(tenant)
        return self._change(tenant.org_id, lambda now: sa.and_(
            T.c.key_sealed == tenant.key_sealed, T.c.generation == tenant.generation),
            lambda now: {"key": key})

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
        with translated(), self.engine.begin() as connection:
            yield connection

    def _insert(self, org_id: str, org_name: str, strategy: str,
                values: Callable[[float], Mapping[str, Any]]) -> bool:
        try:
            with self.transaction() as connection:
                now = self._clock.now(connection)
                row = {"org_id": org_id, "org_name": org_name, "strategy": strategy,
                       "created_at": now, "updated_at": now, **values(now)}
                connection.execute(T.insert().values(**completed(self.cipher, None, row)))
        except exc.IntegrityError:
            return False
        return True

    def _change(self, org_id: str, condition: Condition,
                changes: Callable[[float], Mapping[str, Any]]) -> bool:
        """Change the org's row if it meets condition; False if there is no such row."""
        with self.transaction() as connection:
            now = self._clock.now(connection)
            row = connection.execute(sa.select(T).where(sa.and_(
                T.c.org_id == org_id, condition(now))).with_for_update()).mappings().first()
            if row is None:
                return False
            before = dict(row)
            values = completed(self.cipher, before, changes(now))
            if ("row_seal" in values and not self.intact_row(before)
                    and values.get("state", before["state"]) != DEPROVISIONED):
                # Sealing it again would vouch for what someone changed behind our back;
                # only deprovisioning it (which serves nothing) may touch such a row.
                log.error("refused to change the registry row of org %s: it fails its seal",
                          printable(org_id))
                raise RegistrySecretMismatch()
            connection.execute(T.update().where(T.c.org_id == org_id).values(
                updated_at=now, **values))
        return True

    def _cipher(self) -> RowCipher:
        if self.cipher is None:
            raise ConfigError("CRAFTKIT_REGISTRY_SECRET is not set: it is needed to keep "
                              "project keys in the tenant registry.")
        return self.cipher


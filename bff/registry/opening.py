"""Opening a registry: its schema brought up to date, its secret checked, its rows sealed.

All in the one transaction ``Registry.prepare`` runs on first use, under the schema's lock,
so workers starting together cannot race:

1. the schema is created or upgraded (``schema.upgrade``);
2. the first host with a secret records a check value sealed under it; a host with another
   secret (and no previous one that opens it) refuses to start;
3. rows are sealed once (``integrity``): with the registry's first secret, or when 0.2's
   rows are upgraded, every row gets its row seal and each v1 key is re-sealed in format v2
   (a key that does not open stays as it is, for doctor to name). From then on a row
   without a seal is a tampered row, and a host without the secret refuses to start.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..config import ConfigError
from . import schema
from .crypto import CHECK_CONTEXT, CHECK_TEXT, RowCipher, RowUnreadable
from .integrity import key_fields, seal_row

T = schema.tenants
ROWS_SEALED = "row_seals"


class SecretMismatch(ConfigError):
    """The registry was written under another CRAFTKIT_REGISTRY_SECRET."""


def open_schema(connection: Connection, cipher: RowCipher | None) -> None:
    """Upgrade the schema, check the secret and seal the rows (see the module's steps)."""
    schema.upgrade(connection)
    sealed = schema.read_meta(connection, ROWS_SEALED) is not None
    if cipher is None:
        if sealed:
            raise ConfigError("CRAFTKIT_REGISTRY_SECRET is not set, but this tenant "
                              "registry's rows are sealed under one: set it on this host too.")
        return
    check_secret(connection, cipher)
    if not sealed:
        seal_every_row(connection, cipher)
        schema.write_meta(connection, ROWS_SEALED, "v2", exists=False)


def check_secret(connection: Connection, cipher: RowCipher) -> None:
    """Record the secret's check value, or refuse a secret the registry was not written with."""
    # Two hosts with different secrets on one database would each seal rows the other
    # cannot open: the first to open the registry records which secret it uses.
    check = schema.read_meta(connection, "key_check")
    if check is None:
        schema.write_meta(connection, "key_check", cipher.seal(CHECK_TEXT, CHECK_CONTEXT),
                          exists=False)
        return
    try:
        cipher.open(check, CHECK_CONTEXT)
    except RowUnreadable:
        raise SecretMismatch(
            "CRAFTKIT_REGISTRY_SECRET is not the secret this tenant registry was written "
            "with (nor is CRAFTKIT_REGISTRY_SECRET_PREVIOUS): every host sharing the "
            "registry must use the same secret. Refusing to start.") from None


def seal_every_row(connection: Connection, cipher: RowCipher) -> None:
    """Give every row its seal, re-sealing v1 keys as v2 (the rows are taken as they are)."""
    for row in connection.execute(sa.select(T)).mappings().all():
        values = {}
        project = row["project_id"] or ""
        if row["key_sealed"] and row["key_sealed"].startswith("v1."):
            try:
                key = cipher.open(row["key_sealed"], f"tenant-key:{row['org_id']}:{project}")
            except RowUnreadable:
                pass  # not under our secrets: doctor names it, the org cannot be served
            else:
                values["key_sealed"] = cipher.seal_bound(
                    key, *key_fields(row["org_id"], project, row["generation"]))
        values["row_seal"] = seal_row(cipher, {**row, **values})
        connection.execute(T.update().where(T.c.org_id == row["org_id"]).values(**values))

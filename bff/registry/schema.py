"""The registry's tables and their versioned migrations, created and upgraded on open.

The migration runner is a few lines here rather than Alembic: Alembic wants an ini file,
an env.py and a script directory shipped with the package, for what is one table today.
Each step is SQLAlchemy Core DDL, so it runs unchanged on SQLite and PostgreSQL, and every
upgrade happens in one transaction under a lock, so workers starting together cannot race.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..config import ConfigError

metadata = sa.MetaData()

meta = sa.Table(
    "craftkit_registry_meta", metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

def _v1_columns() -> list[sa.Column]:
    """The columns of the tenants table as schema version 1 created it."""
    return [
        sa.Column("org_id", sa.String(200), primary_key=True),
        sa.Column("org_name", sa.String(200), nullable=False),
        sa.Column("strategy", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("project_id", sa.String(128)),
        sa.Column("project_slug", sa.String(128)),
        sa.Column("partner_id", sa.String(128)),
        sa.Column("key_sealed", sa.Text),
        sa.Column("key_id", sa.String(128)),
        # Set before POST /v1/projects goes out: from then on the answer may be lost, so the
        # next claimant must look for the project before it creates another.
        sa.Column("create_sent_at", sa.Float),
        sa.Column("lease_owner", sa.String(64)),
        sa.Column("lease_until", sa.Float),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
        sa.Column("deprovisioned_at", sa.Float),
    ]


# One row per org: its project, its sealed key and where its creation stands.
# state: reserved -> created -> keyed (-> deprovisioned); see credentials/account.py.
tenants = sa.Table(
    "craftkit_tenants", metadata, *_v1_columns(),
    # Version 2: a counter bumped whenever the row's state, project or key changes, and a
    # seal (registry/crypto.py) over what the row says, so neither can be edited at rest.
    sa.Column("generation", sa.Integer, nullable=False, server_default="0"),
    sa.Column("row_seal", sa.Text),
    # Version 2: the tag in the name of the project a create sent (registry/naming.py).
    sa.Column("create_tag", sa.String(16)),
)
UPDATED_AT_INDEX = sa.Index("craftkit_tenants_updated_at", tenants.c.updated_at)


# One row per org and catalog name: the version (content hash) its project holds, and the
# lease of the one process publishing it now (bff/catalogs/ledger.py).
catalogs = sa.Table(
    "craftkit_catalogs", metadata,
    sa.Column("org_id", sa.String(200), primary_key=True),
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("version", sa.String(64)),
    sa.Column("published_at", sa.Float),
    sa.Column("lease_owner", sa.String(64)),
    sa.Column("lease_until", sa.Float),
    sa.Column("updated_at", sa.Float, nullable=False),
)


def _create_v1(connection: Connection) -> None:
    sa.Table("craftkit_tenants", sa.MetaData(), *_v1_columns()).create(connection,
                                                                        checkfirst=True)


def _authenticate_rows_v2(connection: Connection) -> None:
    # Plain DDL both SQLite and PostgreSQL accept; the rows are sealed by Registry.prepare,
    # which holds the secret (a migration never does).
    for column in ("generation INTEGER NOT NULL DEFAULT 0", "row_seal TEXT",
                   "create_tag VARCHAR(16)"):
        connection.execute(sa.text(f"ALTER TABLE craftkit_tenants ADD COLUMN {column}"))
    UPDATED_AT_INDEX.create(connection)


def _create_v3(connection: Connection) -> None:
    catalogs.create(connection, checkfirst=True)


# (version, step): append new steps, never edit or reorder released ones.
MIGRATIONS: list[tuple[int, Callable[[Connection], None]]] = [
    (1, _create_v1), (2, _authenticate_rows_v2), (3, _create_v3)]
SCHEMA_VERSION = MIGRATIONS[-1][0]
# pg_advisory_xact_lock key: "ckbff" in ASCII, so it is recognisable in pg_locks.
_PG_LOCK = 0x636B626666


def upgrade(connection: Connection) -> int:
    """Bring the schema to SCHEMA_VERSION inside the caller's transaction; return it."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
    meta.create(connection, checkfirst=True)
    found = connection.execute(sa.select(meta.c.value).where(
        meta.c.name == "schema_version")).scalar()
    version = int(found) if found is not None else 0
    if version > SCHEMA_VERSION:
        raise ConfigError(f"The tenant registry's schema is version {version}, newer than this "
                          f"craftkit-bff understands ({SCHEMA_VERSION}): upgrade craftkit-bff "
                          "on this host too.")
    for step_version, step in MIGRATIONS:
        if step_version > version:
            step(connection)
    if version < SCHEMA_VERSION:
        write_meta(connection, "schema_version", str(SCHEMA_VERSION), exists=found is not None)
    return SCHEMA_VERSION


def read_meta(connection: Connection, name: str) -> str | None:
    """Return one registry-wide value, or None."""
    return connection.execute(sa.select(meta.c.value).where(meta.c.name == name)).scalar()


def write_meta(connection: Connection, name: str, value: str, *, exists: bool) -> None:
    """Insert or replace one registry-wide value."""
    if exists:
        connection.execute(meta.update().where(meta.c.name == name).values(value=value))
    else:
        connection.execute(meta.insert().values(name=name, value=value))

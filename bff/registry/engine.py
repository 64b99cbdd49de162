"""The registry's database connection: SQLAlchemy Core over SQLite or psycopg 3.

``sqlite:///path`` is one file shared by every worker of a host (WAL journal, a busy
timeout, and every transaction taking the write lock at BEGIN, so a read-then-write cannot
interleave with another process's). ``postgresql://user:password@host:port/db`` is the URL
as users write it; it is served by psycopg 3 through SQLAlchemy's connection pool, with a
connect timeout, a statement timeout and a liveness check before each checkout.
"""

from __future__ import annotations

import contextlib
import math
import os
import sqlite3
import time
import weakref

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError

from ..config import ConfigError

_POSTGRES_NAMES = ("postgres", "postgresql")


def parse_registry_url(raw: str) -> URL:
    """Return the SQLAlchemy URL for a registry URL, or raise ConfigError naming it."""
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ConfigError("CRAFTKIT_REGISTRY_URL must look like sqlite:///path/to/file or "
                          "postgresql://user:password@host:port/db.") from None
    backend = url.drivername.split("+", 1)[0]
    if backend in _POSTGRES_NAMES:
        return url.set(drivername="postgresql+psycopg")
    if backend == "sqlite" and url.database and url.database != ":memory:":
        return url.set(drivername="sqlite")
    raise ConfigError("CRAFTKIT_REGISTRY_URL must be sqlite:///path/to/file (a file, so "
                      "every worker shares it) or postgresql://user:password@host:port/db.")


def shown_url(raw: str) -> str:
    """Return the registry URL with its password hidden, for logs and doctor."""
    return parse_registry_url(raw).render_as_string(hide_password=True)


def create_registry_engine(raw_url: str, timeout: float, pool_size: int) -> Engine:
    """Create the engine for a registry URL (nothing connects until first use)."""
    url = parse_registry_url(raw_url)
    if url.get_backend_name() == "postgresql":
        millis = int(timeout * 1000)
        engine = sa.create_engine(
            url, pool_size=pool_size, max_overflow=pool_size, pool_timeout=timeout,
            pool_pre_ping=True, pool_recycle=1800,
            connect_args={"connect_timeout": max(1, math.ceil(timeout)),
                          "options": f"-c statement_timeout={millis} -c lock_timeout={millis}",
                          "application_name": "craftkit-bff"})
    else:
        _create_private_file(url.database or "")
        engine = sa.create_engine(url, connect_args={"timeout": timeout})
        _serialise_sqlite_transactions(engine, timeout)
    _forget_connections_after_fork(engine)
    return engine


def _create_private_file(path: str) -> None:
    # The file holds sealed keys and every org's project: readable by its owner only. SQLite
    # creates its -wal and -shm files with the database file's mode, so they follow.
    # An existing file keeps the mode its operator gave it; one that cannot be created (no
    # such directory, no permission) is left to SQLite, whose error on first use says why.
    with contextlib.suppress(OSError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def _serialise_sqlite_transactions(engine: Engine, timeout: float) -> None:
    # pysqlite opens transactions lazily and not for every statement; SQLAlchemy's
    # documented recipe hands that to us, so each transaction is one BEGIN IMMEDIATE.
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        _use_wal(cursor, timeout)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _use_wal(cursor: sqlite3.Cursor, timeout: float) -> None:
    """Put the file in WAL mode once (the mode is kept in the file).

    Switching needs the file to itself and SQLite answers "database is locked" at once,
    without its busy handler, when workers starting together on a new file all try: so
    only a file not yet in WAL mode is switched, retried until the timeout.
    """
    deadline = time.monotonic() + timeout
    while cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.01)


def _forget_connections_after_fork(engine: Engine) -> None:
    # A forked worker must not share its parent's sockets; SQLAlchemy's advice is to drop
    # the inherited pool in the child without closing the parent's connections.
    ref = weakref.ref(engine)

    def _after_fork() -> None:
        alive = ref()
        if alive is not None:
            alive.dispose(close=False)

    os.register_at_fork(after_in_child=_after_fork)

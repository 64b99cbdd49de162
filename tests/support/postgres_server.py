"""A real PostgreSQL server for the tests: a throwaway cluster on a free loopback port.

``initdb`` refuses to run as root, so under root the cluster belongs to ``nobody`` (made
with ``runuser``) in a temporary directory; otherwise to the current user. One cluster
serves the whole test session (shared by every directory that uses it, started on first
use) and is stopped with ``pg_ctl stop`` when the last user is done. Each test gets a
database of its own. Without the PostgreSQL binaries the tests skip, except in CI
(``CI=true``), where they must run.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from tests.support.servers import free_port

USER = "postgres"


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


class PostgresServer:
    """A running cluster: ``url(db)`` for a database, ``new_database()`` for a fresh one."""

    def __init__(self) -> None:
        self.initdb, self.pg_ctl = _binary("initdb"), _binary("pg_ctl")
        if not (self.initdb and self.pg_ctl):
            raise FileNotFoundError("initdb/pg_ctl not found (apt-get install postgresql)")
        self.root = tempfile.mkdtemp(prefix="craftkit-pg-")
        self.data, self.sockets = os.path.join(self.root, "data"), os.path.join(self.root, "s")
        os.mkdir(self.sockets)
        self.as_nobody = os.geteuid() == 0
        if self.as_nobody:
            os.chmod(self.root, 0o755)
            shutil.chown(self.root, "nobody")
            shutil.chown(self.sockets, "nobody")
        self.port = free_port()

    def start(self) -> None:
        """Create the cluster and start it."""
        self._run(self.initdb, "-D", self.data, "-U", USER, "-A", "trust", "--no-sync",
                  "-E", "UTF8", "--locale=C")
        self.resume()

    def stop(self) -> None:
        """Stop the server and delete the cluster."""
        try:
            self._run(self.pg_ctl, "-D", self.data, "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def pause(self) -> None:
        """Stop the server, keeping its data (an outage)."""
        self._run(self.pg_ctl, "-D", self.data, "-m", "fast", "-w", "stop")

    def resume(self) -> None:
        """Start the server on its port (again)."""
        options = (f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                   "-c max_connections=200")
        self._run(self.pg_ctl, "-D", self.data, "-o", options, "-l",
                  os.path.join(self.root, "log"), "-w", "-t", "60", "start")

    def url(self, database: str = "postgres") -> str:
        """Return a URL as users write it (postgresql://user:password@host:port/db)."""
        return f"postgresql://{USER}:unused-password@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """Create an empty database and return its URL."""
        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(host="127.0.0.1", port=self.port, user=USER, dbname="postgres",
                             autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def query(self, url: str, sql: str) -> list[tuple]:
        """Run one query against a database of this server."""
        dbname = url.rsplit("/", 1)[1]
        with psycopg.connect(host="127.0.0.1", port=self.port, user=USER,
                             dbname=dbname) as connection:
            return connection.execute(sql).fetchall()

    def _run(self, *args: str) -> None:
        command = ["runuser", "-u", "nobody", "--", *args] if self.as_nobody else list(args)
        completed = subprocess.run(command, capture_output=True, text=True, timeout=120,
                                   cwd=self.root)
        if completed.returncode != 0:
            log = os.path.join(self.root, "log")
            tail = open(log).read()[-2000:] if os.path.exists(log) else ""
            raise RuntimeError(f"{' '.join(args[:2])} failed: {completed.stderr}\n{tail}")


_shared: dict = {"server": None, "users": 0}
_shared_lock = threading.Lock()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """The session's PostgreSQL server (skipped without binaries, unless CI=true)."""
    with _shared_lock:
        if _shared["server"] is None:
            try:
                server = PostgresServer()
            except FileNotFoundError as error:
                if os.environ.get("CI") == "true":
                    raise
                pytest.skip(f"PostgreSQL is not installed: {error}")
            server.start()
            _shared["server"] = server
        _shared["users"] += 1
    try:
        yield _shared["server"]
    finally:
        with _shared_lock:
            _shared["users"] -= 1
            if _shared["users"] == 0:
                _shared["server"].stop()
                _shared["server"] = None


@pytest.fixture(params=["sqlite", "postgresql"])
def registry_url(request, tmp_path) -> str:
    """A fresh, empty registry database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/registry.sqlite3"
    return request.getfixturevalue("postgres").new_database()

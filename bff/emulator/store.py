"""The emulator's only state: one SQLite connection behind a lock, shared by all threads."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import current_app

from .schema import SCHEMA


class Store:
    """Serialise every read and write through one connection; in memory when path is None."""

    def __init__(self, path: str | None = None):
        self._lock = threading.RLock()
        # isolation_level=None: transactions are opened explicitly in transaction().
        try:
            if path and path != ":memory:":
                _create_private(path)
            self._db = sqlite3.connect(
                path or ":memory:", check_same_thread=False, isolation_level=None
            )
            self._db.executescript(SCHEMA)
        except (sqlite3.Error, OSError) as e:
            raise RuntimeError(f"cannot use {path} as the emulator's data file: {e}") from e
        self._db.row_factory = sqlite3.Row
        self._depth = 0

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """Hold the lock and one write transaction; nested calls join the outer one."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self
                finally:
                    self._depth -= 1
                return
            self._db.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                self._db.execute("COMMIT")
            finally:
                self._depth = 0

    def execute(self, sql: str, params: tuple | dict = ()) -> int:
        """Run a write and return the number of rows it changed."""
        with self._lock:
            return self._db.execute(sql, params).rowcount

    def one(self, sql: str, params: tuple | dict = ()) -> dict[str, Any] | None:
        """Return the first row as a dict, or None."""
        with self._lock:
            row = self._db.execute(sql, params).fetchone()
        return dict(row) if row is not None else None

    def all(self, sql: str, params: tuple | dict = ()) -> list[dict[str, Any]]:
        """Return every row as a dict."""
        with self._lock:
            return [dict(row) for row in self._db.execute(sql, params).fetchall()]

    def close(self) -> None:
        """Close the connection (tests reopen a file to prove persistence)."""
        with self._lock:
            self._db.close()


def _create_private(path: str) -> None:
    """Create the data file readable by its owner only, unless it already exists.

    It holds org keys (sealed) and every document; SQLite creates its journal files with
    the same permissions as the database file.
    """
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def get_store() -> Store:
    """Return the current app's store."""
    return current_app.extensions["craftkit_emulator"]["store"]

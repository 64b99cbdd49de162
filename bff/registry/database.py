"""The registry's database as the BFF meets it: its failures translated, and its clock.

Failures become the BFF's errors in one place: an unreachable or slow database is
``RegistryUnavailable`` (503, try again), a value it refuses is ``RegistryRefusedValue``
(500: it would be refused for ever, so it is no outage).

Times in rows (leases, ``create_sent_at``, ``updated_at``) are compared across hosts, so on
PostgreSQL they are the database server's clock (``clock_timestamp()``), read inside the
transaction that writes them: a host whose clock runs ahead can neither steal a live lease
nor think an earlier create's grace has passed. SQLite is one file on one host, so that
host's clock is the only one there is.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.engine import Connection

from ..errors import RegistryRefusedValue, RegistryUnavailable

log = logging.getLogger("bff.registry")
_DATABASE_NOW = sa.select(sa.func.extract("epoch", sa.func.clock_timestamp()))


class Clock:
    """Seconds since the epoch: the database's on PostgreSQL, else this host's (or given)."""

    def __init__(self, dialect: str, given: Callable[[], float] | None = None) -> None:
        self._given = given or _host_time
        self._from_database = given is None and dialect == "postgresql"

    def now(self, connection: Connection) -> float:
        """Return the time now, as the rows written in connection's transaction see it."""
        if self._from_database:
            return float(connection.execute(_DATABASE_NOW).scalar_one())
        return self._given()


def _host_time() -> float:
    return time.time()  # looked up at each call: the host's clock as it is now


@contextmanager
def translated() -> Iterator[None]:
    """Turn the database's failures within the block into the BFF's errors."""
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

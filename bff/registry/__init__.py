"""The durable tenant registry: which project (and, in account mode, which sealed key) each
org has, and where its creation stands.

- ``engine``: SQLite or PostgreSQL through SQLAlchemy Core (psycopg 3, pooled);
  ``database``: its failures as the BFF's errors, and its clock (PostgreSQL's own);
- ``schema``: the tables and their versioned migrations; ``opening``: what first use does
  (schema, secret check, sealing every row once);
- ``crypto``: AES-256-GCM row encryption under CRAFTKIT_REGISTRY_SECRET (and _PREVIOUS);
  ``integrity``: what a row's seals bind (org, state, generation, project, key);
- ``records``: a row and its states; ``store``: the short transactions that change rows,
  and ``Registry.lease``, an org's lease held for a block;
- ``naming``: the marker in a project's name that says which org it belongs to.

Rule: no transaction or lock is ever held across an upstream call; a worker holds an org's
lease (a row's owner and expiry) instead, and every step can be finished by another worker.

SQLAlchemy (the ``registry`` extra; psycopg comes with ``postgres``) is loaded only when a
registry is used: ``Registry``, ``create_registry_engine`` and ``shown_url`` are imported on
first use, and modules that only name them in annotations import them for type checkers.
"""

from __future__ import annotations

import logging
from importlib import import_module
from typing import TYPE_CHECKING, Any

from ..config import ConfigError, Settings
from ..errors import RegistryUnavailable
from ..extras import require
from .crypto import RowCipher, RowUnreadable
from .records import CREATED, DEPROVISIONED, KEYED, RESERVED, Tenant

if TYPE_CHECKING:
    from .engine import create_registry_engine, shown_url
    from .store import Registry

__all__ = ["CREATED", "DEPROVISIONED", "KEYED", "RESERVED", "Registry", "RowCipher",
           "RowUnreadable", "Tenant", "create_registry_engine", "open_registry",
           "prepare_at_start", "shown_url"]

_NEEDS_SQLALCHEMY = {"Registry": ".store", "create_registry_engine": ".engine",
                     "shown_url": ".engine"}

log = logging.getLogger("bff.registry")


def __getattr__(name: str) -> Any:
    if name not in _NEEDS_SQLALCHEMY:
        raise AttributeError(f"module 'bff.registry' has no attribute {name!r}")
    require("sqlalchemy", "registry", "The tenant registry")
    value = getattr(import_module(_NEEDS_SQLALCHEMY[name], __name__), name)
    globals()[name] = value
    return value


def open_registry(settings: Settings) -> Registry | None:
    """Build the registry the settings ask for (None: admin mode without one).

    :raises ConfigError: the extra its database needs is not installed.
    """
    url = settings.registry_location
    if url is None:
        return None
    asked_by = "CRAFTKIT_REGISTRY_URL" if settings.registry_url else (
        "CRAFTKIT_ACCOUNT_KEY (its tenant registry)")
    if url.startswith("postgres"):
        require("sqlalchemy", "postgres", asked_by)
        require("psycopg", "postgres", asked_by)
    else:
        require("sqlalchemy", "registry", asked_by)
    from .engine import create_registry_engine
    from .store import Registry

    engine = create_registry_engine(url, settings.registry_timeout, settings.registry_pool_size)
    cipher = (RowCipher(settings.registry_secret, settings.registry_secret_previous)
              if settings.registry_secret else None)
    return Registry(engine, cipher)


def prepare_at_start(registry: Registry) -> None:
    """Create or upgrade the schema now; a wrong secret stops start-up (ConfigError).

    An unreachable database does not: requests that need it answer 503 until it is back.
    """
    try:
        registry.prepare()
    except ConfigError:
        registry.engine.dispose()  # the app will not start: close what it opened
        raise
    except RegistryUnavailable:
        log.warning("the tenant registry is not reachable at start-up; requests that need "
                    "it will answer 503 until it is")

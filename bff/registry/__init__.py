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
"""

from __future__ import annotations

import logging

from ..config import ConfigError, Settings
from ..errors import RegistryUnavailable
from .crypto import RowCipher, RowUnreadable
from .engine import create_registry_engine, shown_url
from .records import CREATED, DEPROVISIONED, KEYED, RESERVED, Tenant
from .store import Registry

__all__ = ["CREATED", "DEPROVISIONED", "KEYED", "RESERVED", "Registry", "RowCipher",
           "RowUnreadable", "Tenant", "create_registry_engine", "open_registry",
           "prepare_at_start", "shown_url"]

log = logging.getLogger("bff.registry")


def open_registry(settings: Settings) -> Registry | None:
    """Build the registry the settings ask for (None: admin mode without one)."""
    url = settings.registry_location
    if url is None:
        return None
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

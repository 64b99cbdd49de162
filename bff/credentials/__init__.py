"""Per-org Craftkit project keys: where they come from, where they are kept, how they resolve.

- ``resolver``: validation, single flight and evict-and-retry (``KeyResolver``);
- ``stores``: where resolved keys are kept (``KeyStore``; in-process ``MemoryKeyStore``),
  and the optional ``FleetLocks`` capability;
- ``redis_store``, ``redis_link``, ``envelope``: the shared store (``RedisKeyStore``),
  its guarded connection, and the sealing of keys that leave the process;
- ``selection``: which store the settings ask for, and how long a request may wait;
- ``provisioners``: how an org becomes a key (``Provisioner``; ``AdminProvisioner``).

Nothing outside this package knows which store or provisioner an app uses: the extension
picks them once from the configuration (or takes the host app's own).
"""

from __future__ import annotations

from flask import current_app

from .provisioners import AdminProvisioner, Provisioner
from .resolver import KeyResolver, validate_org_id
from .stores import FleetLocks, KeyStore, Lease, MemoryKeyStore, store_health

__all__ = ["AdminProvisioner", "FleetLocks", "KeyResolver", "KeyStore", "Lease",
           "MemoryKeyStore", "Provisioner", "get_org_api_key", "store_health",
           "validate_org_id"]


def get_org_api_key(org_id: str, org_name: str | None = None) -> str:
    """Return the Craftkit project key of org_id for the current app."""
    return current_app.extensions["craftkit_bff"].keys.get(org_id, org_name)

"""Per-org Craftkit project keys: where they come from, where they are kept, how they resolve.

- ``resolver``: validation, single flight and evict-and-retry (``KeyResolver``);
- ``stores``: where resolved keys are kept (``KeyStore``; in-process ``MemoryKeyStore``);
- ``provisioners``: how an org becomes a key (``Provisioner``; ``AdminProvisioner``).

Nothing outside this package knows which store or provisioner an app uses: the extension
picks them once from the configuration (or takes the host app's own).
"""

from __future__ import annotations

from flask import current_app

from .provisioners import AdminProvisioner, Provisioner
from .resolver import KeyResolver, validate_org_id
from .stores import KeyStore, MemoryKeyStore

__all__ = ["AdminProvisioner", "KeyResolver", "KeyStore", "MemoryKeyStore", "Provisioner",
           "get_org_api_key", "validate_org_id"]


def get_org_api_key(org_id: str, org_name: str | None = None) -> str:
    """Return the Craftkit project key of org_id for the current app."""
    return current_app.extensions["craftkit_bff"].keys.get(org_id, org_name)

"""Per-org Craftkit project keys: where they come from, where they are kept, how they resolve.

- ``resolver``: validation, single flight and evict-and-retry (``KeyResolver``), with a
  stale-key policy per call (``StaleKey``); ``key_check``: the shared, remembered check
  with the same key that tells a stale key from a refused request (``StaleKey.VERIFY``);
- ``stores``: where resolved keys are kept (``KeyStore``; in-process ``MemoryKeyStore``),
  and the optional ``FleetLocks`` capability;
- ``redis_store``, ``redis_link``, ``redis_scripts``, ``envelope``: the shared store
  (``RedisKeyStore``), its guarded connection, the server-side checks of what it reads, and
  the sealing of keys (and tombstones) that leave the process;
- ``offboarding``: the orgs an operator deprovisioned, as each process learns them;
- ``selection``: which store the settings ask for, and how long a request may wait;
- ``provisioners``: how an org becomes a key (``Provisioner``, and ``TenantProvisioner``
  for the operator commands); the admin strategy, ``AdminProvisioner``, and with a tenant
  registry ``recording.RecordingAdminProvisioner``; the account strategy, ``account``;
- ``admin_api``, ``account_api``: the admin and account keys and the Craftkit calls each
  may make (the keys never leave these objects);
- ``renew_tokens``: the upstream renew token, sealed for the browser with its org and user;
- ``tenant_client``: ``TenantClient``, Craftkit's API as one org for the host's backend
  (``CraftkitBFF.tenant``), through the resolver like the routes.

Rule: nothing outside this package knows which store or provisioner an app uses (the
extension picks them once from the configuration, or takes the host app's own), and the
routes never provision: they ask the resolver.
"""

from __future__ import annotations

from .provisioners import AdminProvisioner, Provisioner, TenantProvisioner
from .resolver import KeyResolver, StaleKey, validate_org_id
from .stores import FleetLocks, KeyStore, Lease, MemoryKeyStore, store_health

__all__ = ["AdminProvisioner", "FleetLocks", "KeyResolver", "KeyStore", "Lease",
           "MemoryKeyStore", "Provisioner", "StaleKey", "TenantProvisioner", "store_health",
           "validate_org_id"]

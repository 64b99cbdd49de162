"""Choose the catalog ledger from the settings and build the publisher (or none)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..config import Settings
from ..credentials import KeyResolver
from ..credentials.selection import provision_budget
from ..credentials.tenant_client import TenantClient
from ..ops.metrics import Metrics
from ..upstream import Upstream
from .ledger import CatalogLedger, MemoryLedger
from .publisher import CatalogPublisher

if TYPE_CHECKING:
    from ..registry import Registry


def ledger_for(settings: Settings, registry: Registry | None,
               metrics: Metrics) -> CatalogLedger:
    """Return the tenant registry's ledger, else Redis's (CRAFTKIT_CACHE_URL), else memory."""
    if registry is not None:
        # Imported here: SQLAlchemy is loaded only where a registry is used.
        from .registry_ledger import RegistryLedger

        return RegistryLedger(registry)
    if not settings.cache_url:
        return MemoryLedger()
    # Imported here: a deployment without Redis never loads redis-py.
    from ..credentials.envelope import KeyEnvelope
    from ..credentials.redis_link import RedisLink, connect
    from .redis_ledger import RedisLedger

    link = RedisLink(connect(settings.cache_url, settings.cache_timeout), metrics)
    return RedisLedger(link, KeyEnvelope(settings.cache_secret, settings.cache_secret_label,
                                         previous=settings.cache_previous))


def publisher_for(settings: Settings, upstream: Upstream, keys: KeyResolver,
                  registry: Registry | None, metrics: Metrics,
                  ledger: CatalogLedger | None = None) -> CatalogPublisher | None:
    """Return the publisher of CRAFTKIT_CATALOG_FILE, or None when no file is configured."""
    if settings.catalog_file is None:
        return None
    # The claim covers one publish call (the key is resolved before it is taken); a waiter
    # outlasts a claim whose holder died, then takes it over.
    budget = provision_budget(settings)
    return CatalogPublisher(
        settings.catalog_file, ledger or ledger_for(settings, registry, metrics),
        lambda org_id, org_name: TenantClient(upstream, keys, org_id, org_name),
        wait=2 * budget, lease=budget + 2, cache_size=settings.key_cache_size,
        cache_ttl=settings.key_ttl)

"""Choose the key store and the resolver's time bounds from the settings."""

from __future__ import annotations

from ..config import ConfigError, Settings
from ..extras import require
from ..ops.metrics import Metrics
from .stores import KeyStore, MemoryKeyStore


def provision_budget(settings: Settings) -> float:
    """Return the seconds one provision call may take: its connect plus read timeout."""
    connect, read = settings.timeout
    return connect + read


def wait_timeout_for(settings: Settings) -> float:
    """Return how long a request waits for another one to resolve the same org's key.

    Two provision budgets: long enough for a leader on another host to finish even after
    taking over an expired lock, short of gunicorn's 30 s worker timeout at the defaults.
    """
    return 2 * provision_budget(settings)


def key_store_for(settings: Settings, metrics: Metrics) -> KeyStore:
    """Return Redis when CRAFTKIT_CACHE_URL is set, else the in-process TTL cache."""
    if not settings.cache_url:
        return MemoryKeyStore(settings.key_cache_size, settings.key_ttl)
    # Imported here: a deployment without Redis never loads redis-py (nor needs it installed).
    require("redis", "redis", "CRAFTKIT_CACHE_URL")
    from .envelope import KeyEnvelope
    from .redis_link import RedisLink, connect
    from .redis_store import RedisKeyStore

    if not settings.cache_secret:
        raise ConfigError("CRAFTKIT_CACHE_KEY is not set, and neither is a Craftkit key to "
                          "derive the Redis key store's encryption key from: set it (e.g. "
                          "`openssl rand -hex 32`), the same on every host.")
    link = RedisLink(connect(settings.cache_url, settings.cache_timeout), metrics)
    envelope = KeyEnvelope(settings.cache_secret, settings.cache_secret_label,
                           previous=settings.cache_previous)
    # The lock outlives one provision call (plus a margin for the two store round trips);
    # if its holder dies, another host takes over when it expires.
    return RedisKeyStore(link, envelope, ttl=settings.key_ttl,
                         local_ttl=settings.cache_local_ttl, maxsize=settings.key_cache_size,
                         lock_ttl=provision_budget(settings) + 2, metrics=metrics)

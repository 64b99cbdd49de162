"""Prometheus metrics for operators: requests, upstream calls, key cache, refreshes, circuit.

Off by default (``CRAFTKIT_METRICS=true`` turns it on): a disabled app records nothing,
so the hot path pays nothing. Under gunicorn, set ``PROMETHEUS_MULTIPROC_DIR`` (the shipped
gunicorn.conf.py does) and /metrics aggregates every worker.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter("craftkit_bff_requests_total", "BFF requests answered.",
                   ["route", "method", "status"])
REQUEST_SECONDS = Histogram("craftkit_bff_request_duration_seconds",
                            "Time to answer a BFF request (first byte for downloads).",
                            ["route"], buckets=_BUCKETS)
UPSTREAM_SECONDS = Histogram("craftkit_bff_upstream_duration_seconds",
                             "Time Craftkit took to answer, by endpoint and outcome.",
                             ["endpoint", "outcome"], buckets=_BUCKETS)
KEY_CACHE = Counter("craftkit_bff_key_cache_total", "Org key lookups by result.", ["result"])
PROVISIONS = Counter("craftkit_bff_provision_calls_total", "Provision calls made to Craftkit.")
REFRESHES = Counter("craftkit_bff_refresh_total", "Session refreshes by outcome.", ["outcome"])
UPSTREAM_UP = Gauge("craftkit_bff_upstream_up",
                    "1 if Craftkit answered this process's last probe (by /readyz or a "
                    "scrape of /metrics, at most every 10 s), else 0.",
                    multiprocess_mode="livemax")
UPSTREAM_PROBE_SECONDS = Gauge("craftkit_bff_upstream_probe_seconds",
                               "How long Craftkit took to answer the last readiness probe.",
                               multiprocess_mode="livemax")
CIRCUIT_OPEN = Gauge("craftkit_bff_circuit_open",
                     "1 while the circuit to Craftkit is open or half open.",
                     multiprocess_mode="livemax")

KEY_STORE_READS = Counter("craftkit_bff_key_store_reads_total",
                          "Redis key-store reads by result: hit, miss or unreadable.",
                          ["result"])
KEY_STORE_FALLBACKS = Counter("craftkit_bff_key_store_fallbacks_total",
                              "Key-store operations that did not reach Redis (it failed, or "
                              "its circuit was open): keys were served in-process.",
                              ["operation"])
KEY_STORE_DEGRADED = Gauge("craftkit_bff_key_store_degraded",
                           "1 while the circuit to the Redis key store is open or half open.",
                           multiprocess_mode="livemax")

class Metrics:
    """Record BFF metrics when enabled; every method is a no-op otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def request(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count a BFF request and its duration."""
        if self.enabled:
            REQUESTS.labels(route, method, str(status)).inc()
            REQUEST_SECONDS.labels(route).observe(seconds)

    def upstream(self, endpoint: str, outcome: str, seconds: float) -> None:
        """Observe one upstream call by its endpoint template (outcome: status or code).

        ``endpoint`` is always a template (``/v1/embed/renders/{render_id}/download``),
        never a formatted path: an id in a label would make one series per id.
        """
        if self.enabled:
            UPSTREAM_SECONDS.labels(endpoint, outcome).observe(seconds)

    def key_lookup(self, hit: bool) -> None:
        """Count a key-cache hit or miss."""
        if self.enabled:
            KEY_CACHE.labels("hit" if hit else "miss").inc()

    def provision(self) -> None:
        """Count a provision call."""
        if self.enabled:
            PROVISIONS.inc()

    def refresh(self, outcome: str) -> None:
        """Count a refresh: ok, rejected or failed."""
        if self.enabled:
            REFRESHES.labels(outcome).inc()

    def upstream_probe(self, reachable: bool, seconds: float) -> None:
        """Record the outcome of a readiness probe of Craftkit."""
        if self.enabled:
            UPSTREAM_UP.set(1 if reachable else 0)
            UPSTREAM_PROBE_SECONDS.set(seconds)

    def circuit(self, state: str) -> None:
        """Track whether the circuit is open."""
        if self.enabled:
            CIRCUIT_OPEN.set(0 if state == "closed" else 1)

    def key_store_read(self, result: str) -> None:
        """Count a Redis key-store read: hit, miss or unreadable (another secret, tampered)."""
        if self.enabled:
            KEY_STORE_READS.labels(result).inc()

    def key_store_fallback(self, operation: str) -> None:
        """Count a key-store operation that did not reach Redis."""
        if self.enabled:
            KEY_STORE_FALLBACKS.labels(operation).inc()

    def key_store_circuit(self, state: str) -> None:
        """Track whether the circuit to the Redis key store is open."""
        if self.enabled:
            KEY_STORE_DEGRADED.set(0 if state == "closed" else 1)


def exposition() -> tuple[bytes, str]:
    """Return the metrics text and its content type, across workers when multiprocess."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST

"""Warm key lookups timed on the stores' own code: in-process, local copy, Redis round trip."""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bff.credentials import MemoryKeyStore  # noqa: E402
from bff.credentials.envelope import KeyEnvelope  # noqa: E402
from bff.credentials.redis_link import RedisLink, connect  # noqa: E402
from bff.credentials.redis_store import RedisKeyStore  # noqa: E402

KEY = "ck_live_bench_" + "0" * 32


def redis_store(url: str, local_ttl: float) -> RedisKeyStore:
    return RedisKeyStore(RedisLink(connect(url, 0.25)), KeyEnvelope(b"bench", b"cache-key"),
                         ttl=600, local_ttl=local_ttl, maxsize=10_000, lock_ttl=15)


def timed(get: Callable[[str], str | None], n: int) -> dict:
    """Time n warm get() calls; return p50/p99 in milliseconds."""
    for _ in range(200):
        get("org-warm")
    samples = []
    for _ in range(n):
        started = time.perf_counter_ns()
        get("org-warm")
        samples.append(time.perf_counter_ns() - started)
    cuts = statistics.quantiles(samples, n=100)
    return {"p50_ms": cuts[49] / 1e6, "p99_ms": cuts[98] / 1e6}


def measure_lookups(url: str, n: int) -> dict:
    """Return p50/p99 of each kind of warm lookup, and what Redis adds over in-process."""
    memory = MemoryKeyStore(10_000, 600)
    near, far = redis_store(url, 5), redis_store(url, 0)
    for store in (memory, near, far):
        store.set("org-warm", KEY)
    out = {"in-process store (before)": timed(memory.get, n),
           "redis store, local copy hit": timed(near.get, n),
           "redis store, Redis GET + decrypt": timed(far.get, n)}
    base, redis_row = out["in-process store (before)"], out["redis store, Redis GET + decrypt"]
    out["added by a Redis lookup"] = {k: redis_row[k] - base[k] for k in ("p50_ms", "p99_ms")}
    return out

"""Craftkit's health as this process last measured it, for /readyz and the metrics.

/readyz is called by every load balancer health check; probing Craftkit on each call would
turn N pods x M checks into an upstream load of its own, bypassing the circuit breaker. So
the probe runs at most once per ``interval`` (one caller probes, the others read the last
result), never while the breaker has the circuit open (that is the answer already), and its
result is reported, not used to take the pod out: during a Craftkit outage the BFF still
answers its own JSON 503s, which the element understands, instead of a balancer's bare 503.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..ops.metrics import Metrics
from .breaker import OPEN, CircuitBreaker

PROBE_INTERVAL = 10.0
PROBE_TIMEOUT = 2.0


@dataclass(frozen=True)
class Measurement:
    """One look at Craftkit: reachable or not, how long it took, and when (monotonic)."""

    status: str  # "ok", "unreachable" or "circuit_open"
    seconds: float
    at: float


class UpstreamHealth:
    """Probe Craftkit at most once per interval and remember what was seen."""

    def __init__(self, probe: Callable[[float], bool], breaker: CircuitBreaker,
                 metrics: Metrics | None = None, interval: float = PROBE_INTERVAL,
                 timer: Callable[[], float] = time.monotonic) -> None:
        self._probe = probe
        self._breaker = breaker
        self._metrics = metrics or Metrics(enabled=False)
        self._interval = interval
        self._timer = timer
        self._lock = threading.Lock()
        self._last: Measurement | None = None
        self._probing = False

    def report(self) -> dict[str, object]:
        """Return Craftkit's status as last measured, measuring again when it is stale."""
        last = self._measure_if_stale()
        if last is None:
            return {"status": "unknown"}
        return {"status": last.status, "probe_ms": round(last.seconds * 1000, 1),
                "age_s": round(self._timer() - last.at, 1),
                "circuit": self._breaker.state}

    def _measure_if_stale(self) -> Measurement | None:
        with self._lock:
            now = self._timer()
            fresh = self._last is not None and now - self._last.at < self._interval
            if fresh or self._probing:
                return self._last
            self._probing = True
        try:
            measured = self._measure()
        finally:
            with self._lock:
                self._probing = False
        with self._lock:
            self._last = measured
        return measured

    def _measure(self) -> Measurement:
        started = self._timer()
        if self._breaker.state == OPEN:
            return Measurement("circuit_open", 0.0, started)
        reachable = self._probe(PROBE_TIMEOUT)
        elapsed = self._timer() - started
        self._metrics.upstream_probe(reachable, elapsed)
        return Measurement("ok" if reachable else "unreachable", elapsed, started)

"""UpstreamHealth: a rate-limited, breaker-aware look at Craftkit for /readyz."""

from __future__ import annotations

import threading

from bff.upstream.breaker import CircuitBreaker
from bff.upstream.health import UpstreamHealth
from tests.support.clock import FakeClock


def test_probes_again_only_after_the_interval():
    clock, calls = FakeClock(100.0), []
    health = UpstreamHealth(lambda timeout: calls.append(timeout) or True,
                            CircuitBreaker(timer=clock), interval=10, timer=clock)
    assert health.report()["status"] == "ok"
    clock.now += 9
    assert health.report()["age_s"] == 9
    clock.now += 2
    health.report()
    assert len(calls) == 2


def test_an_open_circuit_is_the_answer_without_a_probe():
    clock, calls = FakeClock(100.0), []
    breaker = CircuitBreaker(threshold=1, reset_after=60, timer=clock)
    breaker.record_failure()
    health = UpstreamHealth(lambda timeout: calls.append(timeout) or True, breaker,
                            timer=clock)
    assert health.report()["status"] == "circuit_open"
    assert calls == []


def test_concurrent_readiness_checks_share_one_probe():
    release, calls = threading.Event(), []

    def slow_probe(timeout):
        calls.append(timeout)
        release.wait(5)
        return False

    health = UpstreamHealth(slow_probe, CircuitBreaker())
    first = threading.Thread(target=health.report)
    first.start()
    while not calls:
        threading.Event().wait(0.001)
    # While one probe is out, others answer at once with what is known (nothing yet).
    assert health.report() == {"status": "unknown"}
    release.set()
    first.join(5)
    assert health.report()["status"] == "unreachable"
    assert len(calls) == 1

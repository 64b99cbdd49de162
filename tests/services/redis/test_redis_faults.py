"""Redis refused, killed, silent, slow or answering garbage: users see no error, ever."""

from __future__ import annotations

import threading
import time

import pytest
from prometheus_client import REGISTRY

from bff.ops.metrics import Metrics
from tests.support.servers import free_port

from .bad_servers import bad_redis
from .conftest import CountingProvisioner, make_resolver, make_store

KEY_PREFIX = "craftkit-bff:key:"


def fallbacks(operation: str) -> float:
    return REGISTRY.get_sample_value("craftkit_bff_key_store_fallbacks_total",
                                     {"operation": operation}) or 0.0


def herd(resolver, org: str, n: int = 20) -> list:
    """n concurrent gets of one org on one process; results or exceptions."""
    start, results = threading.Barrier(n), []

    def get():
        start.wait()
        try:
            results.append(resolver.get(org))
        except Exception as error:  # collected for the assertions
            results.append(error)

    threads = [threading.Thread(target=get) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_redis_killed_mid_run_then_restarted(own_redis):
    provisioner = CountingProvisioner(delay=0.1)
    store = make_store(own_redis.url, local_ttl=0, timeout=0.5, reset_after=0.5,
                       metrics=Metrics(enabled=True))
    resolver = make_resolver(store, provisioner)
    known = resolver.get("org-known")
    before = fallbacks("get")

    own_redis.stop()
    # What this process learned is still served; a new org costs one provision here.
    assert resolver.get("org-known") == known
    assert herd(resolver, "org-new") == ["ck_live_redis_test_org-new_2"] * 20
    assert len(provisioner.calls) == 2
    assert fallbacks("get") > before
    assert store.health() == "degraded"

    own_redis.start()  # same port, empty: as after a crash without persistence
    time.sleep(0.6)    # the breaker lets a trial call through after reset_after
    deadline = time.monotonic() + 10
    while store.health() != "ok" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert store.health() == "ok"
    assert resolver.get("org-later") == "ck_live_redis_test_org-later_3"
    assert own_redis.client().exists(KEY_PREFIX + "org-later") == 1


def test_redis_refusing_from_the_start_is_in_process_only():
    provisioner = CountingProvisioner()
    store = make_store(f"redis://127.0.0.1:{free_port()}/0")
    resolver = make_resolver(store, provisioner)
    assert herd(resolver, "org-a") == ["ck_live_redis_test_org-a_1"] * 20
    assert resolver.get("org-a") == "ck_live_redis_test_org-a_1"
    assert len(provisioner.calls) == 1
    assert store.health() == "degraded"


@pytest.mark.parametrize("behaviour", ["silent", "garbage", "reset"])
def test_a_broken_redis_costs_a_bounded_wait_then_nothing(behaviour):
    provisioner = CountingProvisioner()
    with bad_redis(behaviour) as url:
        store = make_store(url, timeout=0.2)
        resolver = make_resolver(store, provisioner)
        started = time.monotonic()
        assert resolver.get("org-a") == "ck_live_redis_test_org-a_1"
        # A few timeouts at most, until the breaker opens (3 failures).
        assert time.monotonic() - started < 3 * 0.2 * 2 + 1
        started = time.monotonic()
        for n in range(50):
            assert resolver.get(f"org-{n}").startswith("ck_live_redis_test_")
        assert time.monotonic() - started < 1.0
        assert store.health() == "degraded"
    with pytest.raises(Exception) as raised:
        store.delete("org-a")
    assert raised.value.status == 503 and raised.value.code == "key_store_unavailable"

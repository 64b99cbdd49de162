"""Entry lifetimes: a jittered TTL in Redis, a short local copy, and fleet-wide deletes."""

from __future__ import annotations

import time

from tests.support.clock import FakeClock

from .conftest import make_store

KEY_PREFIX = "craftkit-bff:key:"


def test_redis_entry_expires_within_the_jittered_ttl(redis_server):
    store = make_store(redis_server.url, ttl=600)
    store.set("org-a", "ck_live_key_a")
    pttl = redis_server.client().pttl(KEY_PREFIX + "org-a")
    assert 0.9 * 600_000 - 1000 <= pttl <= 600_000


def test_a_fleets_entries_do_not_expire_in_the_same_second(redis_server):
    store = make_store(redis_server.url, ttl=600)
    for n in range(40):
        store.set(f"org-{n}", f"ck_live_key_{n}")
    raw = redis_server.client()
    ttls = [raw.pttl(f"{KEY_PREFIX}org-{n}") for n in range(40)]
    assert len({ttl // 1000 for ttl in ttls}) >= 20
    assert max(ttls) - min(ttls) > 10_000


def test_key_is_gone_once_its_redis_entry_expires(redis_server):
    store = make_store(redis_server.url, ttl=1, local_ttl=0)
    store.set("org-a", "ck_live_key_a")
    assert store.get("org-a") == "ck_live_key_a"
    time.sleep(1.1)
    assert store.get("org-a") is None


def test_hot_org_costs_no_redis_round_trip_within_the_local_ttl(redis_server):
    timer = FakeClock(1000.0)
    store = make_store(redis_server.url, local_ttl=5, timer=timer)
    make_store(redis_server.url).set("org-a", "ck_live_key_a")
    raw = redis_server.client()

    def gets() -> int:
        return raw.info("commandstats").get("cmdstat_get", {}).get("calls", 0)

    assert store.get("org-a") == "ck_live_key_a"
    before = gets()
    for _ in range(100):
        assert store.get("org-a") == "ck_live_key_a"
    assert gets() == before
    timer.now += 5
    assert store.get("org-a") == "ck_live_key_a"
    assert gets() == before + 1


def test_delete_reaches_every_process_within_the_local_ttl(redis_server):
    timer = FakeClock(1000.0)
    here, elsewhere = make_store(redis_server.url), make_store(redis_server.url, timer=timer)
    here.set("org-a", "ck_live_key_a")
    assert elsewhere.get("org-a") == "ck_live_key_a"
    here.delete("org-a")
    assert here.get("org-a") is None
    assert redis_server.client().exists(KEY_PREFIX + "org-a") == 0
    # The other process keeps its local copy at most local_ttl seconds, then asks Redis.
    timer.now += 4.9
    assert elsewhere.get("org-a") == "ck_live_key_a"
    timer.now += 0.1
    assert elsewhere.get("org-a") is None

"""Keys at rest in Redis: sealed, bound to their org, unreadable with another secret."""

from __future__ import annotations

import base64

from prometheus_client import REGISTRY

from bff.ops.metrics import Metrics

from .conftest import CountingProvisioner, make_resolver, make_store

KEY_PREFIX = b"craftkit-bff:key:"


def unreadable_reads() -> float:
    return REGISTRY.get_sample_value("craftkit_bff_key_store_reads_total",
                                     {"result": "unreadable"}) or 0.0


def test_no_project_key_text_in_any_redis_value(redis_server):
    store = make_store(redis_server.url)
    keys = {f"org-{n}": f"ck_live_secret_project_key_{n:04d}" for n in range(20)}
    for org, key in keys.items():
        store.set(org, key)
    raw = redis_server.client()
    names = list(raw.scan_iter("*"))
    assert sorted(names) == sorted(KEY_PREFIX + org.encode() for org in keys)
    for name in names:
        value = raw.get(name)
        for key in keys.values():
            for form in (key.encode(), base64.b64encode(key.encode()), key.encode().hex()
                         .encode(), key[-8:].encode()):
                assert form not in value
    # Every store on the same secret reads them back.
    other_host = make_store(redis_server.url)
    assert all(other_host.get(org) == key for org, key in keys.items())


def test_entry_sealed_under_another_secret_is_a_miss_then_replaced(redis_server):
    make_store(redis_server.url, secret=b"the-old-secret").set("org-a", "ck_live_old_key")
    metrics = Metrics(enabled=True)
    before = unreadable_reads()
    store = make_store(redis_server.url, metrics=metrics)
    assert store.get("org-a") is None
    assert unreadable_reads() == before + 1
    provisioner = CountingProvisioner()
    # Through the resolver: a miss, so one provision, never an error for the user.
    key = make_resolver(store, provisioner).get("org-a")
    assert provisioner.count("org-a") == 1
    assert make_store(redis_server.url).get("org-a") == key


def test_tampered_entry_is_a_miss(redis_server):
    store = make_store(redis_server.url, local_ttl=0)
    store.set("org-a", "ck_live_key_a")
    raw = redis_server.client()
    value = bytearray(raw.get(KEY_PREFIX + b"org-a"))
    value[-1] ^= 0x01
    raw.set(KEY_PREFIX + b"org-a", bytes(value))
    assert store.get("org-a") is None
    for garbage in (b"", b"x", b"\x01" * 21, b"\x02" + bytes(value[1:]), b"plain text"):
        raw.set(KEY_PREFIX + b"org-a", garbage)
        assert store.get("org-a") is None


def test_entry_copied_to_another_org_does_not_open(redis_server):
    store = make_store(redis_server.url, local_ttl=0)
    store.set("org-a", "ck_live_key_a")
    raw = redis_server.client()
    raw.set(KEY_PREFIX + b"org-b", raw.get(KEY_PREFIX + b"org-a"))
    assert store.get("org-b") is None
    assert store.get("org-a") == "ck_live_key_a"


def test_cache_key_and_admin_key_derive_different_envelopes(redis_server):
    from bff.credentials.envelope import KeyEnvelope

    secret = b"one-secret-for-both"
    sealed = KeyEnvelope(secret, b"cache-key").seal("org-a", "ck_live_key_a")
    assert KeyEnvelope(secret, b"admin-key").open("org-a", sealed) is None

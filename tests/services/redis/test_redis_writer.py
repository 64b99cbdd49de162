"""Someone who can read or write the Redis, but knows no secret, in both strategies.

They know the entry format and every public derivation (an empty secret under each label
the BFF uses), so an entry sealed under one of those would be theirs to read and to forge.
"""

from __future__ import annotations

import hashlib
import time

import pytest
import responses

from bff import create_app
from bff.credentials.envelope import KeyEnvelope
from bff.sealing import KeyRing, SealingKey, derive
from tests.support.craftkit_mock import BASE, ORG_KEYS, post_json, session_payload

from .conftest import CountingProvisioner, make_resolver, make_store
from .modes import expect_org_key, host_config

ENTRY = b"craftkit-bff:key:"
LOCK = b"craftkit-bff:lock:"
LABELS = (b"admin-key", b"account-key", b"cache-key")


def public_key(label: bytes) -> SealingKey:
    """The envelope key of the empty secret under label, with the id entries carry."""
    key = derive(b"", b"craftkit-bff key-store envelope from " + label)
    return SealingKey.from_key(key, hashlib.sha256(b"craftkit-bff key-store key id\x00"
                                                   + key).digest()[:8])


def public_envelope(label: bytes) -> KeyEnvelope:
    """An envelope of today's format under the empty secret (KeyEnvelope refuses to make
    one, so the attacker builds it by hand)."""
    envelope = object.__new__(KeyEnvelope)
    envelope._ring = KeyRing(public_key(label))
    envelope._clock = time.time
    return envelope


def v1_aad(org: str) -> bytes:
    return b"craftkit-bff key-store v1\x00" + org.encode()


def forged_entries(org: str, key: str) -> list[bytes]:
    """Org's entry holding key, sealed under each public derivation, in each format
    (0.2's: version 1, key id, nonce, ciphertext; and today's)."""
    entries = []
    for label in LABELS:
        sealing = public_key(label)
        nonce, sealed = sealing.seal(key.encode(), v1_aad(org))
        entries += [b"\x01" + sealing.key_id + nonce + sealed,
                    public_envelope(label).seal(org, key)]
    return entries


def read_with_public_keys(org: str, entry: bytes) -> str | None:
    """What a Redis reader recovers from entry with every public derivation."""
    for label in LABELS:
        plain = public_key(label).open(entry[9:21], entry[21:], v1_aad(org))
        if plain is not None:
            return plain.decode()
        opened = public_envelope(label).open(org, entry)
        if opened is not None:
            return opened
    return None


@pytest.fixture(params=["admin", "account"])
def mode(request):
    return request.param


@pytest.fixture
def hosts(mode, tmp_path, redis_server):
    apps = []

    def _host():
        app = create_app({**host_config(mode, tmp_path), "CRAFTKIT_CACHE_URL": redis_server.url})
        apps.append(app)
        return app.test_client()

    yield _host
    for app in apps:
        state = app.extensions["craftkit_bff"]
        if state.registry is not None:
            state.registry.engine.dispose()


def test_a_redis_reader_cannot_open_an_entry_without_a_secret(mode, hosts, redis_server):
    with responses.RequestsMock() as upstream:
        expect_org_key(upstream, mode)
        upstream.post(BASE + "/v1/embed/sessions", json=session_payload())
        assert post_json(hosts(), "/session", {"mode": "create"}).status_code == 200
    entry = redis_server.client().get(ENTRY + b"org-a")
    assert entry is not None
    assert read_with_public_keys("org-a", entry) is None


def test_a_redis_writer_cannot_hand_one_orgs_key_to_another(mode, hosts, redis_server):
    with responses.RequestsMock() as upstream:
        expect_org_key(upstream, mode, "org-a")
        upstream.post(BASE + "/v1/embed/sessions", json=session_payload())
        assert post_json(hosts(), "/session", {"mode": "create"}).status_code == 200
    raw = redis_server.client()
    for forged in forged_entries("org-a", ORG_KEYS["org-b"]):
        raw.set(ENTRY + b"org-a", forged, px=600_000)
        with responses.RequestsMock(assert_all_requests_are_fired=False) as upstream:
            # A fresh host reads org-a's entry from Redis: B's key must never be used for A.
            expect_org_key(upstream, mode, "org-a")
            mint = upstream.post(BASE + "/v1/embed/sessions", json=session_payload())
            response = post_json(hosts(), "/session", {"mode": "create"})
        assert response.status_code == 200, response.json
        assert [call.request.headers["Authorization"] for call in mint.calls] == [
            f"Bearer {ORG_KEYS['org-a']}"]


def test_the_key_store_secret_is_never_empty_in_either_strategy(mode, hosts):
    state = hosts().application.extensions["craftkit_bff"]
    assert state.settings.cache_secret
    assert state.settings.cache_secret_label == {"admin": b"admin-key",
                                                 "account": b"account-key"}[mode]


def sent_bytes(redis_server) -> int:
    return redis_server.client().info("stats")["total_net_output_bytes"]


def test_a_huge_value_is_never_fetched_and_reads_as_a_miss(redis_server):
    store = make_store(redis_server.url, local_ttl=0)
    redis_server.client().set(ENTRY + b"org-a", b"\x02" + b"x" * (50 * 1024 * 1024))
    before = sent_bytes(redis_server)
    assert [store.get("org-a") for _ in range(8)] == [None] * 8
    # What Redis sent all eight reads (and this check itself): far from 8 x 50 MiB.
    assert sent_bytes(redis_server) - before < 64 * 1024


@pytest.mark.parametrize("write", [
    lambda raw, name: raw.rpush(name, b"x"), lambda raw, name: raw.hset(name, "a", "b"),
    lambda raw, name: raw.sadd(name, b"x")])
def test_a_value_of_another_type_is_a_miss_and_redis_stays_in_use(redis_server, write):
    store = make_store(redis_server.url, local_ttl=0)
    write(redis_server.client(), ENTRY + b"org-a")
    assert [store.get("org-a") for _ in range(5)] == [None] * 5
    assert store.health() == "ok"  # no failure was counted: the circuit stays closed
    store.set("org-a", "ck_live_after_the_junk")
    assert store.get("org-a") == "ck_live_after_the_junk"


@pytest.mark.parametrize("pttl", [None, 3_600_000])
def test_a_lock_without_a_sane_expiry_is_cleared_and_the_request_does_not_wait(
        redis_server, pttl):
    raw = redis_server.client()
    raw.set(LOCK + b"org-a", b"forged-owner", px=pttl)
    provisioner = CountingProvisioner()
    resolver = make_resolver(make_store(redis_server.url, lock_ttl=5), provisioner,
                             wait_timeout=10)
    started = time.monotonic()
    assert resolver.get("org-a") == "ck_live_redis_test_org-a_1"
    assert time.monotonic() - started < 1.0
    assert provisioner.count("org-a") == 1
    assert raw.exists(LOCK + b"org-a") == 0

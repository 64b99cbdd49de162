"""get_org_api_key: validation before the network, TTL cache, single flight, eviction."""

import threading

import pytest

from bff import get_org_api_key
from bff.credentials import KeyResolver, KeyStore, MemoryKeyStore, Provisioner
from bff.errors import InvalidRequest, KeyRejected, ProvisionFailed, UpstreamTimeout
from tests.support.clock import FakeClock
from tests.support.craftkit_mock import ORG_KEYS, expect_provision


class CountingProvision:
    """A provisioner that counts calls, notes rejected keys, and can block or fail on demand."""

    def __init__(self, gate=None, fail=None):
        self.calls = 0
        self.rejected = []
        self.gate = gate
        self.fail = fail
        self.lock = threading.Lock()

    def provision(self, org_id, org_name, rejected_key=None):
        with self.lock:
            self.calls += 1
            self.rejected.append(rejected_key)
            call = self.calls
        if self.gate is not None:
            self.gate.wait(5)
        if self.fail is not None:
            raise self.fail
        return f"key-{org_id}-{call}"


def resolver(provision, maxsize=10, timer=None):
    store = MemoryKeyStore(maxsize, 600, **({"timer": timer} if timer else {}))
    return KeyResolver(provision, store)


def test_the_default_parts_satisfy_their_interfaces(app):
    keys = app.extensions["craftkit_bff"].keys
    assert isinstance(keys.store, KeyStore) and isinstance(keys.provisioner, Provisioner)
    assert isinstance(CountingProvision(), Provisioner)


def test_memory_store_deletes_only_the_key_it_was_told_to():
    store = MemoryKeyStore(10, 600)
    store.set("org-a", "new")
    store.delete_if("org-a", "old")
    assert store.get("org-a") == "new"
    store.delete_if("org-a", "new")
    assert store.get("org-a") is None
    store.set("org-a", "again")
    store.delete("org-a")
    assert store.get("org-a") is None


@pytest.mark.parametrize("org_id", [None, "", "   ", "\t", "x" * 201, "org\x00a", "org\na",
                                    " org-a", "org-a ", "org\u2028a", 42, ["org-a"]])
def test_get_org_api_key_rejects_bad_ids_before_any_network_call(app, upstream, org_id):
    with app.app_context(), pytest.raises(InvalidRequest):
        get_org_api_key(org_id)
    assert len(upstream.calls) == 0


def test_get_org_api_key_provisions_once_then_caches(app, upstream):
    expect_provision(upstream, "org-a")
    with app.app_context():
        assert get_org_api_key("org-a", "Org A") == ORG_KEYS["org-a"]
        assert get_org_api_key("org-a", "Org A") == ORG_KEYS["org-a"]
    assert len(upstream.calls) == 1


def test_resolver_expires_keys_after_ttl():
    timer, provision = FakeClock(1000.0), CountingProvision()
    keys = resolver(provision, maxsize=10, timer=timer)
    assert keys.get("org-a") == "key-org-a-1"
    timer.now += 599
    assert keys.get("org-a") == "key-org-a-1"
    timer.now += 2
    assert keys.get("org-a") == "key-org-a-2"
    assert provision.calls == 2


def test_resolver_cache_is_bounded():
    provision = CountingProvision()
    keys = resolver(provision, maxsize=2, timer=FakeClock(1000.0))
    for org in ("a", "b", "c", "a"):
        keys.get(org)
    assert provision.calls == 4


def test_resolver_single_flight_for_concurrent_misses():
    gate = threading.Event()
    provision = CountingProvision(gate=gate)
    keys = resolver(provision, maxsize=10)
    start = threading.Barrier(50)
    results = []

    def worker():
        start.wait()
        results.append(keys.get("org-a"))

    threads = [threading.Thread(target=worker) for _ in range(50)]
    for thread in threads:
        thread.start()
    while provision.calls == 0:
        threading.Event().wait(0.001)
    threading.Event().wait(0.05)  # let the other 49 pile up behind the leader
    gate.set()
    for thread in threads:
        thread.join(5)
    assert provision.calls == 1
    assert results == ["key-org-a-1"] * 50


def test_resolver_waiters_share_the_leaders_failure_and_it_is_not_cached():
    gate = threading.Event()
    provision = CountingProvision(gate=gate, fail=UpstreamTimeout())
    keys = resolver(provision, maxsize=10)
    errors = []

    def worker():
        try:
            keys.get("org-a")
        except Exception as error:  # collected for the assertion below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(10)]
    for thread in threads:
        thread.start()
    threading.Event().wait(0.05)
    gate.set()
    for thread in threads:
        thread.join(5)
    assert {type(e) for e in errors} == {UpstreamTimeout}
    assert len(errors) == 10
    provision.fail = None
    assert keys.get("org-a").startswith("key-org-a-")


def test_resolver_evicts_rejected_cached_key_and_retries_once():
    provision = CountingProvision()
    keys = resolver(provision, maxsize=10)
    keys.get("org-a")
    seen = []

    def action(key):
        seen.append(key)
        if key == "key-org-a-1":
            raise KeyRejected(upstream_code="unauthorized")
        return "ok"

    assert keys.call("org-a", None, action) == "ok"
    assert seen == ["key-org-a-1", "key-org-a-2"]
    # The provisioner is told which key was refused, so it can mint a replacement.
    assert provision.rejected == [None, "key-org-a-1"]


def test_resolver_does_not_retry_a_freshly_provisioned_key():
    provision = CountingProvision()
    keys = resolver(provision, maxsize=10)

    def action(key):
        raise KeyRejected()

    with pytest.raises(KeyRejected):
        keys.call("org-a", None, action)
    assert provision.calls == 1


def test_resolver_does_not_evict_when_the_rejection_is_not_about_the_key():
    provision = CountingProvision()
    keys = resolver(provision, maxsize=10)
    keys.get("org-a")

    def action(key):
        raise KeyRejected(upstream_code="invalid_renew_token")

    with pytest.raises(KeyRejected):
        keys.call("org-a", None, action)
    assert provision.calls == 1


def test_provision_failure_is_not_cached(app, upstream):
    upstream.post("https://craftkit.test/v1/admin/provision", status=500, json={})
    expect_provision(upstream, "org-a")
    with app.app_context():
        with pytest.raises(ProvisionFailed):
            get_org_api_key("org-a", "Org A")
        assert get_org_api_key("org-a", "Org A") == ORG_KEYS["org-a"]


@pytest.mark.parametrize("answer", [{"json": {"projectId": "p"}}, {"json": {"apiKey": ""}},
                                    {"body": "not json"}, {"json": ["ck_live_x"]},
                                    {"status": 401, "json": {}}, {"status": 422, "json": {}}])
def test_provision_unusable_answer_is_provision_failed(app, upstream, answer):
    upstream.post("https://craftkit.test/v1/admin/provision", **answer)
    with app.app_context(), pytest.raises(ProvisionFailed):
        get_org_api_key("org-a")


def test_provision_retries_gateway_errors_because_it_is_idempotent(app, upstream):
    upstream.post("https://craftkit.test/v1/admin/provision", status=503, json={})
    upstream.post("https://craftkit.test/v1/admin/provision", status=502, json={})
    expect_provision(upstream, "org-a")
    with app.app_context():
        assert get_org_api_key("org-a", "Org A") == ORG_KEYS["org-a"]

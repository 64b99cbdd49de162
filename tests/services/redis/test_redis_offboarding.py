"""A deprovisioned org stays gone from Redis: no provision in flight, nor a Redis writer
restoring an older entry, puts its key back for the fleet (admin strategy, with a registry)."""

from __future__ import annotations

import threading

import pytest
import responses

from bff import create_app
from bff.errors import TenantDeprovisioned
from bff.tenants import Tenants
from tests.support.craftkit_mock import ORG_KEYS, post_json, session_payload

from .conftest import make_store
from .modes import expect_org_key, host_config

ENTRY = b"craftkit-bff:key:"


@pytest.fixture
def hosts(redis_server, tmp_path):
    """Build admin-mode hosts sharing one Redis and one registry (a host is an app)."""
    apps = []

    def _host():
        app = create_app({**host_config("admin", tmp_path), "CRAFTKIT_CACHE_URL":
                          redis_server.url, "CRAFTKIT_REGISTRY_URL":
                          f"sqlite:///{tmp_path / 'registry.sqlite3'}",
                          "CRAFTKIT_REGISTRY_POLL": "0.2"})
        apps.append(app)
        return app

    yield _host
    for app in apps:
        app.extensions["craftkit_bff"].close()


class BlockingAdminApi:
    """The admin provision call, held until the test lets it answer."""

    def __init__(self) -> None:
        self.called, self.answer = threading.Event(), threading.Event()

    def provision(self, org_id: str, org_name: str) -> dict:
        self.called.set()
        assert self.answer.wait(10)
        return {"apiKey": ORG_KEYS[org_id], "projectId": f"p-{org_id}",
                "partnerId": f"pt-{org_id}"}


def provision_first(host) -> None:
    with responses.RequestsMock() as upstream:
        expect_org_key(upstream, "admin")
        upstream.post("https://craftkit.test/v1/embed/sessions", json=session_payload())
        assert post_json(host.test_client(), "/session", {"mode": "create"}).status_code == 200


def test_a_provision_in_flight_during_a_deprovision_keeps_no_key(hosts, redis_server):
    provision_first(hosts())
    redis_server.client().delete(ENTRY + b"org-a")  # the entry expired: the next miss
    worker, operator = hosts(), Tenants(hosts().extensions["craftkit_bff"])
    blocking = BlockingAdminApi()
    worker.extensions["craftkit_bff"].keys.provisioner.api = blocking
    outcome: list[object] = []
    thread = threading.Thread(target=lambda: outcome.append(_get(worker, "org-a")))
    thread.start()
    assert blocking.called.wait(10)  # the worker's provision is on its way to Craftkit
    operator.deprovision("org-a")
    blocking.answer.set()
    thread.join(10)
    assert outcome == [TenantDeprovisioned]
    entry = redis_server.client().get(ENTRY + b"org-a")
    assert entry is not None and entry[:1] == b"\x03"  # the tombstone, not a key
    assert _get(hosts(), "org-a") is TenantDeprovisioned


def test_a_key_stored_after_the_deprovision_read_is_refused_by_the_tombstone(redis_server):
    store, other = make_store(redis_server.url), make_store(redis_server.url, local_ttl=0)
    store.forbid("org-a")
    store.set("org-a", "ck_live_put_back_too_late")
    assert redis_server.client().get(ENTRY + b"org-a")[:1] == b"\x03"
    assert store.get("org-a") is None and other.get("org-a") is None


def test_a_tombstone_a_writer_planted_without_expiry_does_not_block_keys(redis_server):
    redis_server.client().set(ENTRY + b"org-a", b"\x03forged")
    store = make_store(redis_server.url, local_ttl=0)
    store.set("org-a", "ck_live_kept")
    assert store.get("org-a") == "ck_live_kept"


def test_a_restored_entry_opens_only_within_the_key_ttl(redis_server):
    now = [1_700_000_000.0]
    store = make_store(redis_server.url, local_ttl=0, ttl=600)
    store._envelope._clock = lambda: now[0]
    store.set("org-a", "ck_live_old_key")
    kept = redis_server.client().get(ENTRY + b"org-a")
    now[0] += 600 + 60 + 1  # the key TTL, and more than any clock skew allowed for
    redis_server.client().set(ENTRY + b"org-a", kept)  # a writer restores it
    assert store.get("org-a") is None


def test_an_entry_restored_after_a_deprovision_is_refused(hosts, redis_server):
    first = hosts()
    provision_first(first)
    kept = redis_server.client().get(ENTRY + b"org-a")
    Tenants(hosts().extensions["craftkit_bff"]).deprovision("org-a")
    redis_server.client().set(ENTRY + b"org-a", kept)  # the writer puts the key back
    assert _get(hosts(), "org-a") is TenantDeprovisioned


def _get(app, org_id: str) -> object:
    """Resolve org_id's key in app: the key, or the class of the error it raised."""
    try:
        return app.extensions["craftkit_bff"].keys.get(org_id, "Org A")  # as the identity says
    except TenantDeprovisioned as error:
        return type(error)

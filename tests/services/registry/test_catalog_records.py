"""Catalog records in the tenant registry (SQLite and PostgreSQL): once per org per version,
whatever the concurrency, across restarts and hosts; a new version rolls out by itself."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import responses

from bff import create_app
from bff.catalogs.registry_ledger import RegistryLedger
from tests.support.catalogs import SlowPublish, calls, catalog_file, changed
from tests.support.craftkit_mock import (
    ADMIN_KEY,
    BASE,
    JWT_SECRET,
    expect_provision,
    post_json,
    session_payload,
)


@pytest.fixture
def upstream():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def host(registry_url, tmp_path):
    apps = []

    def start(file=None):
        app = create_app({"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_BASE_URL": BASE,
                          "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET, "CRAFTKIT_TIMEOUT": "1,2",
                          "CRAFTKIT_REGISTRY_URL": registry_url,
                          "CRAFTKIT_CATALOG_FILE": file or catalog_file(tmp_path)})
        apps.append(app)
        return app

    yield start
    for app in apps:
        app.extensions["craftkit_bff"].close()


def mint(app, org="org-a"):
    return post_json(app.test_client(), "/session", {"mode": "create"})


def test_three_hosts_of_concurrent_first_sessions_publish_once(host, upstream):
    upstream.post(BASE + "/v1/admin/provision", json={"apiKey": "ck_live_key_for_org_a",
                                                      "projectId": "p-a"})
    publish = SlowPublish(delay=0.3)
    upstream.add_callback("POST", BASE + "/v1/embed/catalogs", callback=publish)
    upstream.post(BASE + "/v1/embed/sessions", json=session_payload())
    hosts = [host(), host(), host()]
    # Cold hosts: each provisions the org too, and records it in the registry at once.
    with ThreadPoolExecutor(12) as pool:
        statuses = list(pool.map(lambda i: mint(hosts[i % 3]).status_code, range(12)))
    assert statuses == [200] * 12
    assert len(publish.bodies) == 1


def test_a_restarted_host_does_not_publish_again(host, upstream, tmp_path):
    expect_provision(upstream)
    upstream.post(BASE + "/v1/embed/catalogs", status=201, json={})
    upstream.post(BASE + "/v1/embed/sessions", json=session_payload())
    assert mint(host()).status_code == 200
    assert mint(host()).status_code == 200  # a new process: same registry, same file
    assert calls(upstream, "/v1/embed/catalogs") == 1


def test_a_new_version_rolls_out_before_the_next_session_once(host, upstream, tmp_path):
    expect_provision(upstream)
    upstream.post(BASE + "/v1/embed/catalogs", status=201, json={})
    upstream.post(BASE + "/v1/embed/sessions", json=session_payload())
    assert mint(host()).status_code == 200
    v2 = catalog_file(tmp_path, changed(2), "v2.json")
    assert mint(host(v2)).status_code == 200
    assert mint(host(v2)).status_code == 200
    assert calls(upstream, "/v1/embed/catalogs") == 2
    ledger = RegistryLedger(host(v2).extensions["craftkit_bff"].registry)
    version = host(v2).extensions["craftkit_bff"].catalogs.version
    assert ledger.versions("my-catalog-v1") == {"org-a": version}


def test_a_claim_held_by_another_host_is_waited_for_then_taken_when_it_expires(
        open_registry, clock):
    ledger = RegistryLedger(open_registry())
    first = ledger.claim("org-a", "cat", 30)
    assert first is not None
    assert ledger.claim("org-a", "cat", 30) is None
    clock.advance(31)  # its holder died: the lease expired
    second = ledger.claim("org-a", "cat", 30)
    assert second is not None
    first.release()  # the late holder's release leaves the new lease alone
    assert ledger.claim("org-a", "cat", 30) is None
    ledger.record("org-a", "cat", "v1")
    ledger.forget("org-a", "cat", "v0")  # another version: kept
    assert ledger.version("org-a", "cat") == "v1"
    ledger.forget("org-a", "cat", "v1")
    assert ledger.version("org-a", "cat") is None


def test_a_host_that_found_the_record_publishes_again_when_craftkit_lost_it(host, upstream):
    expect_provision(upstream)
    upstream.post(BASE + "/v1/embed/catalogs", status=201, json={})
    upstream.post(BASE + "/v1/embed/sessions", json=session_payload())
    assert mint(host()).status_code == 200
    # Another host: the registry says the org has the catalog, Craftkit says it does not.
    upstream.post(BASE + "/v1/embed/sessions", status=404, json={"error": {
        "code": "not_found"}})
    upstream.post(BASE + "/v1/embed/sessions", json=session_payload())
    assert mint(host()).status_code == 200
    assert calls(upstream, "/v1/embed/catalogs") == 2

"""The catalog in every tenant's project: published before the first session, once.

Who relied on the old behaviour: deployments that publish by hand and set only
CRAFTKIT_CATALOG_NAME; nothing changes for them (no file, no publish).
"""

from concurrent.futures import ThreadPoolExecutor

import pytest
from responses import matchers

from bff import create_app
from tests.support.catalogs import CATALOG, SlowPublish, calls, catalog_file
from tests.support.craftkit_mock import BASE, expect_provision, post_json, session_payload, with_key

CATALOGS = BASE + "/v1/embed/catalogs"
SESSIONS = BASE + "/v1/embed/sessions"
WITH_CATALOG_REF = matchers.json_params_matcher({"catalogRef": {"name": "my-catalog-v1"}},
                                                strict_match=False)


@pytest.fixture
def config(config, tmp_path):
    return {**config, "CRAFTKIT_CATALOG_FILE": catalog_file(tmp_path)}


def mint(client, **body):
    return post_json(client, "/session", {"mode": "create", **body})


def test_the_first_session_publishes_with_the_orgs_key_then_names_the_catalog(client,
                                                                             upstream):
    expect_provision(upstream)
    upstream.post(CATALOGS, status=201, json={}, match=[
        with_key("org-a"), matchers.json_params_matcher(CATALOG)])
    upstream.post(SESSIONS, json=session_payload(), match=[WITH_CATALOG_REF])
    upstream.post(SESSIONS, json=session_payload(), match=[WITH_CATALOG_REF])
    assert mint(client).status_code == 200
    assert mint(client).status_code == 200
    assert calls(upstream, "/v1/embed/catalogs") == 1


def test_concurrent_first_sessions_publish_once(app, upstream):
    expect_provision(upstream)
    publish = SlowPublish()
    upstream.add_callback("POST", CATALOGS, callback=publish)
    upstream.post(SESSIONS, json=session_payload())
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda _: mint(app.test_client()).status_code, range(8)))
    assert statuses == [200] * 8
    assert len(publish.bodies) == 1


@pytest.mark.parametrize(("status", "answered", "retryable"), [
    (422, 422, False), (503, 502, True), (500, 502, True)])
def test_a_failed_publish_has_its_own_code_mints_nothing_and_is_tried_again(
        client, upstream, status, answered, retryable):
    expect_provision(upstream)
    upstream.post(CATALOGS, status=status, json={"error": {"code": "invalid_request"}})
    response = mint(client)
    assert response.status_code == answered
    assert response.json["error"] == "craftkit_catalog_failed"
    assert (response.status_code >= 500) is retryable
    assert calls(upstream, "/v1/embed/sessions") == 0
    upstream.post(CATALOGS, status=201, json={})
    upstream.post(SESSIONS, json=session_payload())
    assert mint(client).status_code == 200


def test_a_publish_craftkit_is_too_slow_for_is_a_retryable_catalog_failure(client, upstream):
    import requests
    expect_provision(upstream)
    upstream.post(CATALOGS, body=requests.exceptions.ReadTimeout())
    response = mint(client)
    assert (response.status_code, response.json["error"]) == (504, "craftkit_catalog_failed")


def test_a_catalog_gone_upstream_is_published_again_and_the_session_retried_once(
        client, upstream, app):
    expect_provision(upstream)
    upstream.post(CATALOGS, status=201, json={})
    upstream.post(SESSIONS, json=session_payload())
    assert mint(client).status_code == 200
    # Later (past the moments after a publish), Craftkit has lost the catalog.
    publisher = app.extensions["craftkit_bff"].catalogs
    publisher._published["org-a"] -= 60
    upstream.post(SESSIONS, status=404, json={"error": {"code": "not_found"}})
    upstream.post(CATALOGS, status=200, json={})
    upstream.post(SESSIONS, json=session_payload())
    assert mint(client).status_code == 200
    assert calls(upstream, "/v1/embed/catalogs") == 2
    assert calls(upstream, "/v1/embed/sessions") == 3


def test_a_404_moments_after_publishing_is_not_the_catalogs_and_costs_no_publish(
        client, upstream):
    expect_provision(upstream)
    upstream.post(CATALOGS, status=201, json={})
    upstream.post(SESSIONS, status=404, json={"error": {"code": "not_found"}})
    response = mint(client, mode="edit", templateExternalId="no-such-template")
    assert (response.status_code, response.json["error"]) == (404, "craftkit_session_failed")
    assert calls(upstream, "/v1/embed/catalogs") == 1
    assert calls(upstream, "/v1/embed/sessions") == 1


def test_without_a_catalog_file_nothing_is_published(upstream, tmp_path):
    from tests.support.craftkit_mock import ADMIN_KEY, JWT_SECRET
    app = create_app({"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_BASE_URL": BASE,
                      "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET,
                      "CRAFTKIT_CATALOG_NAME": "published-by-hand"})
    expect_provision(upstream)
    upstream.post(SESSIONS, json=session_payload(), match=[matchers.json_params_matcher(
        {"catalogRef": {"name": "published-by-hand"}}, strict_match=False)])
    assert mint(app.test_client()).status_code == 200
    assert calls(upstream, "/v1/embed/catalogs") == 0

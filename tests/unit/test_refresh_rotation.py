"""A refresh survives a key rotation, and a replayed seal costs one key check, no provision.

On a 401/403 to a refresh the BFF asks Craftkit, with the same key and nothing from the
browser, whether the key still works (GET /v1/embed/builder/templates?limit=1): a stale key
is evicted, resolved again and the refresh retried once; a working key means Craftkit
refused the renew token, and the browser gets the 409 it re-mints on, as before.
"""

from concurrent.futures import ThreadPoolExecutor

from responses import matchers

from tests.support.craftkit_mock import (
    ADMIN_KEY,
    BASE,
    ORG_KEYS,
    bearer,
    expect_provision,
    post_json,
    session_payload,
    with_key,
)

ROTATED = "ck_live_rotated_key_for_org_a"
CHECK = BASE + "/v1/embed/builder/templates"


def mint(client, upstream):
    expect_provision(upstream)
    upstream.post(BASE + "/v1/embed/sessions", json=session_payload(), match=[with_key("org-a")])
    response = post_json(client, "/session", {"mode": "create"})
    assert response.status_code == 200
    return response.json["renew_token"]


def refused(upstream, code="unauthorized"):
    upstream.post(BASE + "/v1/embed/sessions/refresh", status=401,
                  json={"error": {"code": code, "message": "no"}}, match=[with_key("org-a")])


def calls(upstream, url):
    return sum(1 for call in upstream.calls if call.request.url.split("?")[0] == url)


def test_refresh_after_craftkit_rotated_the_key_evicts_it_and_refreshes_with_the_new(
        client, upstream, app):
    sealed = mint(client, upstream)
    refused(upstream)
    upstream.get(CHECK, status=401, json={"error": {"code": "unauthorized"}},
                 match=[with_key("org-a"), matchers.query_param_matcher({"limit": "1"})])
    upstream.post(BASE + "/v1/admin/provision", json={"apiKey": ROTATED},
                  match=[matchers.header_matcher({"Authorization": f"Bearer {ADMIN_KEY}"})])
    upstream.post(BASE + "/v1/embed/sessions/refresh", json=session_payload(),
                  match=[matchers.header_matcher({"Authorization": f"Bearer {ROTATED}"})])
    response = post_json(client, "/refresh", {"renewToken": sealed})
    assert response.status_code == 200, response.json
    assert app.extensions["craftkit_bff"].keys.store.get("org-a") == ROTATED


def test_replaying_one_stale_seal_20_times_costs_one_check_and_no_provision(
        client, upstream, app):
    sealed = mint(client, upstream)
    refused(upstream)
    upstream.get(CHECK, json={"data": []}, match=[with_key("org-a")])

    def replay(_):
        return post_json(app.test_client(), "/refresh", {"renewToken": sealed}).status_code

    with ThreadPoolExecutor(10) as pool:
        statuses = list(pool.map(replay, range(20)))
    assert statuses == [409] * 20
    assert calls(upstream, CHECK) == 1
    assert calls(upstream, BASE + "/v1/admin/provision") == 1
    assert app.extensions["craftkit_bff"].keys.store.get("org-a") == ORG_KEYS["org-a"]


def test_a_refusal_craftkit_blames_on_the_renew_token_needs_no_check(client, upstream):
    sealed = mint(client, upstream)
    refused(upstream, code="invalid_renew_token")
    assert post_json(client, "/refresh", {"renewToken": sealed}).status_code == 409
    assert calls(upstream, CHECK) == 0


def test_a_check_that_decides_nothing_keeps_the_key(client, upstream, app):
    sealed = mint(client, upstream)
    refused(upstream)
    upstream.get(CHECK, status=503)
    assert post_json(client, "/refresh", {"renewToken": sealed}).status_code == 409
    assert calls(upstream, BASE + "/v1/admin/provision") == 1
    assert app.extensions["craftkit_bff"].keys.store.get("org-a") == ORG_KEYS["org-a"]


def test_the_retried_refresh_is_refused_too_is_409(client, upstream, app):
    sealed = mint(client, upstream)
    refused(upstream)
    upstream.get(CHECK, status=401)
    upstream.post(BASE + "/v1/admin/provision", json={"apiKey": ROTATED})
    upstream.post(BASE + "/v1/embed/sessions/refresh", status=401,
                  json={"error": {"code": "invalid_renew_token"}})
    other = bearer()
    assert post_json(client, "/refresh", {"renewToken": sealed}, other).status_code == 409

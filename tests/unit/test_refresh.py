"""POST /refresh: opens the seal, checks the caller, refreshes with the sealed org's key."""

import pytest
from responses import matchers

from tests.support.craftkit_mock import (
    BASE,
    ORG_KEYS,
    UPSTREAM_RENEW,
    bearer,
    expect_provision,
    post_json,
    session_payload,
    with_key,
)


def mint(client, upstream, org="org-a", headers=None):
    expect_provision(upstream, org)
    upstream.post(BASE + "/v1/embed/sessions", json=session_payload(), match=[with_key(org)])
    response = post_json(client, "/session", {"mode": "create", "tenantExternalId": org},
                         headers=headers)
    assert response.status_code == 200
    return response.json["renew_token"]


def expect_refresh(mock, org="org-a", renew=UPSTREAM_RENEW, **answer):
    return mock.post(BASE + "/v1/embed/sessions/refresh", json=session_payload(**answer),
                     match=[with_key(org), matchers.json_params_matcher({"renewToken": renew})])


def test_refresh_uses_the_sealed_orgs_key_and_reseals(client, upstream):
    two_orgs = bearer(orgs=("org-a", "org-b"))
    sealed = mint(client, upstream, "org-b", headers=two_orgs)
    expect_refresh(upstream, "org-b", renew_token="ckr_rotated_upstream_token")
    response = post_json(client, "/refresh", {"renewToken": sealed}, headers=two_orgs)
    assert response.status_code == 200, response.json
    assert response.json["renew_token"] != sealed
    assert "ckr_rotated_upstream_token" not in response.get_data(as_text=True)
    assert response.json["expires_in"] > 0
    expect_refresh(upstream, "org-b", renew="ckr_rotated_upstream_token")
    again = post_json(client, "/refresh", {"renewToken": response.json["renew_token"],
                                           "orgId": "org-b"}, headers=two_orgs)
    assert again.status_code == 200


def test_refresh_with_a_mismatched_org_id_is_forbidden(client, upstream):
    sealed = mint(client, upstream)
    response = post_json(client, "/refresh", {"renewToken": sealed, "orgId": "org-b"},
                         headers=bearer(orgs=("org-a", "org-b")))
    assert response.status_code == 403


def test_refresh_of_another_users_seal_is_forbidden(client, upstream):
    sealed = mint(client, upstream)
    response = post_json(client, "/refresh", {"renewToken": sealed},
                         headers=bearer(sub="user-2"))
    assert response.status_code == 403


def test_refresh_after_leaving_the_org_is_forbidden(client, upstream):
    sealed = mint(client, upstream)
    response = post_json(client, "/refresh", {"renewToken": sealed},
                         headers=bearer(orgs=("org-b",)))
    assert response.status_code == 403


@pytest.mark.parametrize("mangle", [
    lambda s: s[:-2] + ("AA" if not s.endswith("AA") else "BB"),
    lambda s: "v2" + s[2:], lambda s: "v1.", lambda s: "garbage", lambda s: "v1.%%%%",
    lambda s: "v1." + "A" * 10,
])
def test_refresh_with_a_tampered_seal_is_409(client, upstream, mangle):
    sealed = mint(client, upstream)
    response = post_json(client, "/refresh", {"renewToken": mangle(sealed)})
    assert response.status_code == 409
    assert response.json["error"] == "craftkit_refresh_rejected"


def test_refresh_with_a_seal_of_another_deployment_is_409(client, upstream, config):
    from bff import create_app
    other = create_app({**config, "CRAFTKIT_SEAL_KEY": "another-deployment"}).test_client()
    sealed = mint(other, upstream)
    response = post_json(client, "/refresh", {"renewToken": sealed})
    assert response.status_code == 409


def test_refresh_seal_opens_on_another_worker_with_the_same_config(client, upstream, config):
    from bff import create_app
    sealed = mint(client, upstream)
    other_worker = create_app(config).test_client()
    expect_provision(upstream)
    expect_refresh(upstream)
    assert post_json(other_worker, "/refresh", {"renewToken": sealed}).status_code == 200


@pytest.mark.parametrize(("status", "code"), [(401, "invalid_renew_token"), (401, None),
                                              (401, "unauthorized"), (403, "forbidden"),
                                              (400, "invalid_request"), (404, "not_found"),
                                              (410, "expired")])
def test_refresh_rejected_upstream_is_409_and_keeps_the_key(client, upstream, app, status,
                                                            code):
    sealed = mint(client, upstream)
    body = {"error": {"code": code, "message": "no"}} if code else {}
    upstream.post(BASE + "/v1/embed/sessions/refresh", status=status, json=body)
    if status in (401, 403) and code in (None, "unauthorized", "forbidden"):
        # A refusal Craftkit may mean for the key: one read with the same key says it works.
        upstream.get(BASE + "/v1/embed/builder/templates", json={"data": []},
                     match=[with_key("org-a")])
    response = post_json(client, "/refresh", {"renewToken": sealed})
    assert response.status_code == 409
    assert response.json["error"] == "craftkit_refresh_rejected"
    # Even a refusal that looks like one of our key (a bare 401) is about the renew token
    # here: the key stays cached and nothing is provisioned again.
    assert _provision_calls(upstream) == 1
    assert app.extensions["craftkit_bff"].keys.store.get("org-a") == ORG_KEYS["org-a"]


def test_replayed_seal_never_evicts_the_key_or_provisions(client, upstream, app):
    sealed = mint(client, upstream)
    upstream.post(BASE + "/v1/embed/sessions/refresh", status=401,
                  json={"error": {"code": "unauthorized", "message": "renew token used"}})
    upstream.get(BASE + "/v1/embed/builder/templates", json={"data": []})
    for _ in range(10):
        assert post_json(client, "/refresh", {"renewToken": sealed}).status_code == 409
    assert _provision_calls(upstream) == 1
    # Every other user of the org keeps the cached key: a mint provisions nothing.
    upstream.post(BASE + "/v1/embed/sessions", json=session_payload(), match=[with_key("org-a")])
    other_user = bearer(sub="user-2")
    assert post_json(client, "/session", {"mode": "create"}, other_user).status_code == 200
    assert _provision_calls(upstream) == 1


def test_refresh_rate_limited_upstream_keeps_its_429(client, upstream):
    sealed = mint(client, upstream)
    upstream.post(BASE + "/v1/embed/sessions/refresh", status=429,
                  json={"error": {"code": "rate_limited", "message": "slow down"}})
    response = post_json(client, "/refresh", {"renewToken": sealed})
    assert response.status_code == 429
    assert response.json["error"] == "craftkit_refresh_failed"


def _provision_calls(upstream):
    return sum(1 for call in upstream.calls if call.request.url.endswith("/v1/admin/provision"))


@pytest.mark.parametrize("body", [{}, {"renewToken": ""}, {"renewToken": 5},
                                  {"renewToken": "x" * 5000}, {"renewToken": "v1.x", "orgId": ""},
                                  {"renewToken": "v1.x", "orgId": 3}])
def test_refresh_invalid_fields_are_400(client, upstream, body):
    response = post_json(client, "/refresh", body)
    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"


def test_refresh_seal_expires(client, upstream, app):
    sealed = mint(client, upstream)
    sealer = app.extensions["craftkit_bff"].sealer
    real_timer = sealer._timer
    sealer._timer = lambda: real_timer() + 13 * 3600
    response = post_json(client, "/refresh", {"renewToken": sealed})
    assert response.status_code == 409

"""POST /session: the upstream body per mode, the org and user from the identity."""

import pytest
from responses import matchers

from bff.api.sessions import BUILDER_PERMISSIONS, FILL_PERMISSIONS
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

ACTOR = {"externalId": "user-1", "email": "user-1@example.com", "displayName": "User-1"}
TENANT = {"externalId": "org-a", "displayName": "Org A"}


def expect_session(mock, body, org="org-a", **answer):
    return mock.post(BASE + "/v1/embed/sessions", json=session_payload(**answer),
                     match=[with_key(org), matchers.json_params_matcher(body)])


@pytest.mark.parametrize(("request_body", "scope", "permissions"), [
    ({}, {"mode": "edit"}, None),
    ({"mode": "create", "templateName": "Invoice"},
     {"mode": "create", "initialName": "Invoice"}, BUILDER_PERMISSIONS),
    ({"mode": "edit", "templateExternalId": "tpl-1"},
     {"mode": "edit", "templateExternalId": "tpl-1"}, BUILDER_PERMISSIONS),
    ({"mode": "fill", "templateExternalId": "tpl-1"},
     {"mode": "fill", "templateExternalId": "tpl-1"}, FILL_PERMISSIONS),
    ({"mode": "view"}, {"mode": "view"}, BUILDER_PERMISSIONS),
])
def test_mint_session_sends_the_reference_body_for_each_mode(
        client, upstream, request_body, scope, permissions):
    if not request_body:  # the default mode is edit, which needs a template
        request_body = {"templateExternalId": "tpl-1"}
        scope = {"mode": "edit", "templateExternalId": "tpl-1"}
        permissions = BUILDER_PERMISSIONS
    expect_provision(upstream)
    expect_session(upstream, {"tenant": TENANT, "actor": ACTOR, "scope": scope,
                              "permissions": permissions})
    response = post_json(client, "/session", request_body)
    assert response.status_code == 200, response.json
    assert response.json["session_token"] == "eyJ.session.token"
    assert response.headers["Cache-Control"] == "no-store"


def test_mint_session_adds_catalog_ref_when_configured(config, upstream, monkeypatch):
    from bff import create_app
    client = create_app({**config, "CRAFTKIT_CATALOG_NAME": "crm-v1"}).test_client()
    expect_provision(upstream)
    expect_session(upstream, {"tenant": TENANT, "actor": ACTOR, "scope": {"mode": "create"},
                              "permissions": BUILDER_PERMISSIONS,
                              "catalogRef": {"name": "crm-v1"}})
    assert post_json(client, "/session", {"mode": "create"}).status_code == 200


def test_mint_session_seals_the_renew_token_and_adds_expires_in(client, upstream):
    expect_provision(upstream)
    upstream.post(BASE + "/v1/embed/sessions", json=session_payload())
    response = post_json(client, "/session", {"mode": "create"})
    body = response.json
    assert body["renew_token"] != UPSTREAM_RENEW
    assert body["renew_token"].startswith("v1.")
    assert UPSTREAM_RENEW not in response.get_data(as_text=True)
    assert 890 <= body["expires_in"] <= 900
    assert set(body) >= {"session_token", "iframe_url", "expires_at", "expires_in"}


def test_mint_session_ignores_browser_identity_and_permissions(client, upstream):
    expect_provision(upstream)
    expect_session(upstream, {"tenant": TENANT, "actor": ACTOR, "scope": {"mode": "create"},
                              "permissions": BUILDER_PERMISSIONS})
    body = {"mode": "create", "userId": "user-1", "userEmail": "evil@example.com",
            "userDisplayName": "Mallory", "tenantDisplayName": "Evil Corp",
            "permissions": {"delete": True, "rollback": True}}
    assert post_json(client, "/session", body).status_code == 200


def test_mint_session_uses_the_chosen_orgs_key(client, upstream):
    expect_provision(upstream, "org-b")
    expect_session(upstream, {"tenant": {"externalId": "org-b", "displayName": "Org B"},
                              "actor": ACTOR, "scope": {"mode": "create"},
                              "permissions": BUILDER_PERMISSIONS}, org="org-b")
    response = post_json(client, "/session", {"mode": "create", "tenantExternalId": "org-b"},
                         headers=bearer(orgs=("org-a", "org-b")))
    assert response.status_code == 200


def test_mint_session_for_another_org_is_forbidden(client, upstream):
    response = post_json(client, "/session", {"tenantExternalId": "org-b", "mode": "create"})
    assert response.status_code == 403
    assert response.json["error"] == "forbidden"


def test_mint_session_with_several_orgs_needs_a_choice(client, upstream):
    response = post_json(client, "/session", {"mode": "create"},
                         headers=bearer(orgs=("org-a", "org-b")))
    assert response.status_code == 400
    assert "tenantExternalId" in response.json["message"]


def test_mint_session_with_no_org_is_forbidden(client, upstream):
    response = post_json(client, "/session", {"mode": "create"}, headers=bearer(orgs=()))
    assert response.status_code == 403


def test_mint_session_for_another_user_is_forbidden(client, upstream):
    response = post_json(client, "/session", {"mode": "create", "userId": "user-2"})
    assert response.status_code == 403
    assert "userId" in response.json["message"]


@pytest.mark.parametrize("body", [
    {"mode": "draw"}, {"mode": 3}, {"mode": "edit"}, {"mode": "fill"},
    {"tenantExternalId": ""}, {"tenantExternalId": "   "}, {"tenantExternalId": 7},
    {"tenantExternalId": "x" * 201}, {"mode": "create", "templateName": "n" * 201},
    {"mode": "create", "templateName": ["a"]}, {"mode": "edit", "templateExternalId": ""},
    {"mode": "create", "templateName": "bad\x07name"}, {"mode": "create", "userId": 5},
    # Only an absent mode defaults to edit: an empty or null one is a bad request.
    {"mode": "", "templateExternalId": "tpl-1"}, {"mode": None, "templateExternalId": "tpl-1"},
])
def test_mint_session_invalid_fields_are_400_without_upstream_call(client, upstream, body):
    response = post_json(client, "/session", body)
    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"
    assert response.json["message"]


@pytest.mark.parametrize(("status", "code"), [(404, "not_found"), (422, "invalid_request"),
                                              (429, "rate_limited")])
def test_mint_session_upstream_rejection_keeps_status_hides_body(client, upstream, status, code):
    expect_provision(upstream)
    upstream.post(BASE + "/v1/embed/sessions", status=status,
                  json={"error": {"code": code, "message": "secret detail ck_live_zzz"}})
    response = post_json(client, "/session", {"mode": "fill", "templateExternalId": "tpl-x"})
    assert response.status_code == status
    assert response.json["error"] == "craftkit_session_failed"
    assert response.json["upstream_code"] == code
    assert "secret detail" not in response.get_data(as_text=True)


def test_mint_session_unreadable_upstream_answer_is_502(client, upstream):
    expect_provision(upstream)
    upstream.post(BASE + "/v1/embed/sessions", json={"session_token": "t"})
    response = post_json(client, "/session", {"mode": "create"})
    assert response.status_code == 502
    assert response.json["error"] == "craftkit_upstream_error"


def test_mint_session_evicts_a_rejected_cached_key_and_retries(client, upstream):
    expect_provision(upstream, key="ck_live_old_key_a")
    upstream.post(BASE + "/v1/embed/sessions", json=session_payload())
    assert post_json(client, "/session", {"mode": "create"}).status_code == 200
    upstream.post(BASE + "/v1/embed/sessions", status=401,
                  json={"error": {"code": "unauthorized", "message": "revoked"}},
                  match=[matchers.header_matcher({"Authorization": "Bearer ck_live_old_key_a"})])
    expect_provision(upstream)
    upstream.post(BASE + "/v1/embed/sessions", json=session_payload(), match=[with_key("org-a")])
    assert post_json(client, "/session", {"mode": "create"}).status_code == 200


def test_mint_session_key_still_rejected_after_retry_is_502(client, upstream):
    expect_provision(upstream)
    upstream.post(BASE + "/v1/embed/sessions", status=401, json={})
    response = post_json(client, "/session", {"mode": "create"})
    assert response.status_code == 502
    assert ORG_KEYS["org-a"] not in response.get_data(as_text=True)

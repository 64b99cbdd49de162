"""POST /v1/embed/sessions: every mode, the body rules, the JWT it signs."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import jwt
import pytest

from .conftest import ACCOUNT_A, BUILDER_PERMS, FILL_PERMS, error_of, session_body

URL = "/v1/embed/sessions"


def claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


@pytest.fixture
def template(emulator, org_key):
    return emulator.template(org_key)


@pytest.mark.parametrize("mode,page", [("create", "builder"), ("edit", "builder"),
                                       ("fill", "fill"), ("view", "view")])
def test_mint_session_every_mode_answers_the_four_fields(emulator, org_key, template, mode, page):
    answer = emulator.session(org_key, mode=mode, template=template["id"])
    assert set(answer) == {"session_token", "iframe_url", "renew_token", "expires_at"}
    assert answer["iframe_url"] == f"{emulator.url}/embed/{page}#token={answer['session_token']}"
    assert answer["renew_token"].startswith("ckr_")
    assert claims_of(answer["session_token"])["mode"] == mode


def test_mint_session_view_without_template_is_allowed(emulator, org_key):
    assert claims_of(emulator.session(org_key, mode="view")["session_token"])["tpl"] is None


def test_mint_session_token_carries_the_claims(emulator, org_key, template):
    provisioned = emulator.provision("org-a")
    answer = emulator.session(org_key, mode="edit", template=template["id"], name="Renamed")
    claims = claims_of(answer["session_token"])
    assert claims["pid"] == provisioned["partnerId"]
    assert claims["prj"] == provisioned["projectId"]
    assert (claims["sub"], claims["tenant"], claims["tpl"]) == ("user-1", "org-a", template["id"])
    assert claims["perms"] == BUILDER_PERMS and claims["init"] == "Renamed"
    assert claims["exp"] - claims["iat"] == 900
    assert claims["jti"] and claims["sid"]
    assert jwt.get_unverified_header(answer["session_token"])["alg"] == "HS256"


def test_mint_session_expires_at_is_iso_utc_matching_exp(emulator, org_key):
    answer = emulator.session(org_key)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", answer["expires_at"])
    exp = claims_of(answer["session_token"])["exp"]
    assert answer["expires_at"] == datetime.fromtimestamp(exp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_mint_session_ttl_comes_from_config(start_emulator):
    emulator = start_emulator(SESSION_TTL=90)
    key = emulator.provision("org-a")["apiKey"]
    claims = claims_of(emulator.session(key)["session_token"])
    assert claims["exp"] - claims["iat"] == 90


def test_mint_session_tokens_are_signed_per_org(emulator, org_key):
    other_key = emulator.provision("org-b")["apiKey"]
    a = claims_of(emulator.session(org_key)["session_token"])
    b = claims_of(emulator.session(other_key, "org-b")["session_token"])
    assert a["pid"] != b["pid"] and a["prj"] != b["prj"]


def test_mint_session_absent_permissions_are_false(emulator, org_key):
    answer = emulator.session(org_key, mode="fill", template=emulator.template(org_key)["id"],
                              perms={"submitForm": True})
    assert claims_of(answer["session_token"])["perms"] == {"submitForm": True,
                                                           "saveFormDraft": False}


@pytest.mark.parametrize("mode", ["edit", "fill"])
def test_mint_session_without_template_is_422(emulator, org_key, mode):
    assert error_of(emulator.mint(org_key, mode=mode)) == (422, "invalid_request")


@pytest.mark.parametrize("mode", ["edit", "fill", "view"])
def test_mint_session_unknown_template_is_404(emulator, org_key, mode):
    assert error_of(emulator.mint(org_key, mode=mode, template="nope")) == (404, "not_found")


def test_mint_session_another_orgs_template_is_404(emulator, org_key):
    other_key = emulator.provision("org-b")["apiKey"]
    theirs = emulator.template(other_key, "org-b")
    assert error_of(emulator.mint(org_key, mode="edit", template=theirs["id"])) == (
        404, "not_found")


def test_mint_session_unknown_catalog_is_404(emulator, org_key):
    assert error_of(emulator.mint(org_key, catalog="missing")) == (404, "not_found")


def test_mint_session_tenant_of_another_org_is_403(emulator, org_key):
    response = emulator.call("POST", URL, org_key, json=session_body("org-b"))
    assert error_of(response) == (403, "tenant_mismatch")


def test_mint_session_empty_org_can_mint_for_empty_tenant(emulator):
    key = emulator.provision("")["apiKey"]
    assert emulator.session(key, org="")["session_token"]


def _mutations():
    def drop(path):
        def apply(body):
            holder = body
            for part in path[:-1]:
                holder = holder[part]
            del holder[path[-1]]
        return apply

    def put(path, value):
        def apply(body):
            holder = body
            for part in path[:-1]:
                holder = holder[part]
            holder[path[-1]] = value
        return apply

    return {
        "no tenant": drop(["tenant"]),
        "tenant not object": put(["tenant"], "org-a"),
        "tenant id missing": drop(["tenant", "externalId"]),
        "tenant id number": put(["tenant", "externalId"], 1),
        "no actor": drop(["actor"]),
        "actor id empty": put(["actor", "externalId"], ""),
        "actor email number": put(["actor", "email"], 5),
        "actor name list": put(["actor", "displayName"], ["x"]),
        "no scope": drop(["scope"]),
        "bad mode": put(["scope", "mode"], "design"),
        "mode missing": drop(["scope", "mode"]),
        "initial name too long": put(["scope", "initialName"], "x" * 201),
        "no permissions": drop(["permissions"]),
        "permissions list": put(["permissions"], ["publish"]),
        "unknown permission": put(["permissions", "launchRockets"], True),
        "fill permission in builder": put(["permissions", "submitForm"], True),
        "permission not boolean": put(["permissions", "publish"], "yes"),
        "catalogRef not object": put(["catalogRef"], "cat"),
        "catalogRef without name": put(["catalogRef"], {}),
    }


@pytest.mark.parametrize("mutation", list(_mutations()))
def test_mint_session_bad_body_is_422(emulator, org_key, mutation):
    body = session_body()
    _mutations()[mutation](body)
    response = emulator.call("POST", URL, org_key, json=body)
    assert error_of(response) == (422, "invalid_request")
    assert response.json()["error"]["message"]


def test_mint_session_builder_permission_in_fill_is_422(emulator, org_key):
    template = emulator.template(org_key)
    body = session_body(mode="fill", template=template["id"],
                        perms={**FILL_PERMS, "publish": True})
    response = emulator.call("POST", URL, org_key, json=body)
    assert error_of(response) == (422, "invalid_request")
    assert "permissions.publish" in response.json()["error"]["message"]


def test_mint_session_non_json_is_400(emulator, org_key):
    assert error_of(emulator.call("POST", URL, org_key, data="{")) == (400, "invalid_json")


@pytest.mark.parametrize("key", [None, "ck_live_unknown", ACCOUNT_A, "admin"])
def test_mint_session_without_a_project_key_is_401(emulator, key):
    assert error_of(emulator.call("POST", URL, key, json=session_body())) == (401, "unauthorized")


def test_mint_session_sets_no_store(emulator, org_key):
    assert emulator.mint(org_key).headers["Cache-Control"] == "no-store"


def test_mint_session_shape_is_checked_before_tenant_and_template(emulator, org_key):
    body = session_body("org-b", mode="edit", template="nope")
    body["actor"]["displayName"] = ["not", "a", "string"]
    assert error_of(emulator.call("POST", URL, org_key, json=body)) == (422, "invalid_request")


def test_mint_session_create_ignores_a_template_id(emulator, org_key):
    answer = emulator.session(org_key, mode="create", template="whatever")
    assert claims_of(answer["session_token"])["tpl"] is None

"""POST /v1/embed/sessions/refresh: rotation, single use, and the partner check."""

from __future__ import annotations

import jwt
import pytest

from .conftest import ACCOUNT_A, error_of

URL = "/v1/embed/sessions/refresh"


def claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def refresh(emulator, key, renew_token):
    return emulator.call("POST", URL, key, json={"renewToken": renew_token})


def test_refresh_rotates_token_renew_token_and_expiry(emulator, org_key):
    first = emulator.session(org_key)
    emulator.clock.advance(600)
    response = refresh(emulator, org_key, first["renew_token"])
    assert response.status_code == 200
    second = response.json()
    assert set(second) == set(first)
    assert second["session_token"] != first["session_token"]
    assert second["renew_token"] != first["renew_token"]
    assert second["expires_at"] > first["expires_at"]
    old, new = claims_of(first["session_token"]), claims_of(second["session_token"])
    assert new["jti"] != old["jti"] and new["exp"] == old["exp"] + 600
    for claim in ("sid", "pid", "prj", "sub", "tenant", "mode", "tpl", "perms"):
        assert new[claim] == old[claim]
    assert second["iframe_url"].endswith("#token=" + second["session_token"])


def test_refresh_chain_keeps_working(emulator, org_key):
    renew = emulator.session(org_key)["renew_token"]
    for _ in range(3):
        response = refresh(emulator, org_key, renew)
        assert response.status_code == 200
        assert response.json()["renew_token"] != renew
        renew = response.json()["renew_token"]


def test_refresh_reused_renew_token_is_401(emulator, org_key):
    renew = emulator.session(org_key)["renew_token"]
    assert refresh(emulator, org_key, renew).status_code == 200
    assert error_of(refresh(emulator, org_key, renew)) == (401, "invalid_renew_token")


def test_refresh_with_another_orgs_key_is_401_and_does_not_burn_it(emulator, org_key):
    other_key = emulator.provision("org-b")["apiKey"]
    renew = emulator.session(org_key)["renew_token"]
    assert error_of(refresh(emulator, other_key, renew)) == (401, "invalid_renew_token")
    assert refresh(emulator, org_key, renew).status_code == 200


def test_refresh_unknown_renew_token_is_401(emulator, org_key):
    assert error_of(refresh(emulator, org_key, "ckr_nope")) == (401, "invalid_renew_token")


def test_refresh_expired_renew_token_is_401(start_emulator):
    emulator = start_emulator(RENEW_TTL=100)
    key = emulator.provision("org-a")["apiKey"]
    renew = emulator.session(key)["renew_token"]
    emulator.clock.advance(100)
    assert error_of(refresh(emulator, key, renew)) == (401, "invalid_renew_token")


def test_refresh_after_session_expiry_within_renew_ttl_works(emulator, org_key):
    renew = emulator.session(org_key)["renew_token"]
    emulator.clock.advance(901)
    assert refresh(emulator, org_key, renew).status_code == 200


@pytest.mark.parametrize("body", [{}, {"renewToken": ""}, {"renewToken": 3}])
def test_refresh_bad_body_is_422(emulator, org_key, body):
    assert error_of(emulator.call("POST", URL, org_key, json=body)) == (422, "invalid_request")


def test_refresh_non_json_is_400(emulator, org_key):
    assert error_of(emulator.call("POST", URL, org_key, data="x")) == (400, "invalid_json")


@pytest.mark.parametrize("key", [None, ACCOUNT_A, "ck_live_unknown"])
def test_refresh_bad_api_key_is_401_unauthorized(emulator, org_key, key):
    renew = emulator.session(org_key)["renew_token"]
    assert error_of(refresh(emulator, key, renew)) == (401, "unauthorized")

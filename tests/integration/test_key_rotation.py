"""Refresh through a key rotation, against the emulator over real HTTP.

Craftkit rotates the org's key while a builder is open: the next refresh is refused (401),
the BFF's check with the same key confirms the key went stale, the org's key is resolved
again and the refresh retried, so the builder keeps its session (no 409, no reload).
"""

import requests

from .conftest import ADMIN_KEY


def rotate(emulator_url, org_id):
    response = requests.post(emulator_url + "/emulator/rotate-key", timeout=5,
                             json={"externalOrgId": org_id},
                             headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    assert response.status_code == 200


def test_a_refresh_after_a_key_rotation_keeps_the_session(ada, bff_app, emulator_url):
    session = ada.session(mode="create", tenantExternalId="globex")
    store = bff_app.extensions["craftkit_bff"].keys.store
    old_key = store.get("globex")
    rotate(emulator_url, "globex")
    refreshed = ada.post("/refresh", {"renewToken": session["renew_token"]})
    assert refreshed.status_code == 200, refreshed.text
    assert store.get("globex") not in (None, old_key)
    # The refreshed session works, and so does the next mint with the new key.
    assert ada.session(mode="create", tenantExternalId="globex")["session_token"]


def test_a_replayed_seal_is_409_and_costs_the_org_nothing(ada, bff_app):
    session = ada.session(mode="create", tenantExternalId="acme")
    assert ada.post("/refresh", {"renewToken": session["renew_token"]}).status_code == 200
    store = bff_app.extensions["craftkit_bff"].keys.store
    key = store.get("acme")
    for _ in range(20):
        replay = ada.post("/refresh", {"renewToken": session["renew_token"]})
        assert replay.status_code == 409
        assert replay.json()["error"] == "craftkit_refresh_rejected"
    assert store.get("acme") == key

"""The emulator's knobs for what Craftkit does on its own, and its iframe host setting."""

from __future__ import annotations

from .conftest import ADMIN_KEY, error_of
from .test_catalogs_api import SEED_CATALOG


def test_rotate_key_refuses_the_old_key_and_provision_returns_the_new(emulator, org_key):
    session = emulator.session(org_key)
    rotated = emulator.call("POST", "/emulator/rotate-key", ADMIN_KEY,
                            json={"externalOrgId": "org-a"})
    assert rotated.status_code == 200
    assert "ck_live_" not in rotated.text.replace(rotated.json()["prefix"], "")
    assert error_of(emulator.call("GET", "/v1/embed/builder/templates", org_key)) == (
        401, "unauthorized")
    new_key = emulator.provision("org-a")["apiKey"]
    assert new_key != org_key
    assert emulator.call("GET", "/v1/embed/builder/templates", new_key).status_code == 200
    # The partner stays: a session minted before the rotation refreshes with the new key.
    refreshed = emulator.call("POST", "/v1/embed/sessions/refresh", new_key,
                              json={"renewToken": session["renew_token"]})
    assert refreshed.status_code == 200


def test_rotate_key_takes_the_admin_key_and_a_known_org(emulator, org_key):
    assert emulator.call("POST", "/emulator/rotate-key", org_key,
                         json={"externalOrgId": "org-a"}).status_code == 401
    assert error_of(emulator.call("POST", "/emulator/rotate-key", ADMIN_KEY,
                                  json={"externalOrgId": "nobody"})) == (404, "not_found")


def test_drop_catalogs_makes_a_session_naming_one_404_again(emulator, org_key):
    assert emulator.call("POST", "/v1/embed/catalogs", org_key, json=SEED_CATALOG).ok
    assert emulator.mint(org_key, catalog="my-catalog-v1").status_code == 200
    dropped = emulator.call("POST", "/emulator/drop-catalogs", ADMIN_KEY,
                            json={"externalOrgId": "org-a"})
    assert dropped.json()["dropped"] == 1
    assert error_of(emulator.mint(org_key, catalog="my-catalog-v1")) == (404, "not_found")


def test_catalogs_lists_every_catalog_with_its_publish_count(emulator, org_key):
    other = emulator.provision("org-b")["apiKey"]
    for key in (org_key, org_key, other):
        emulator.call("POST", "/v1/embed/catalogs", key, json=SEED_CATALOG)
    listed = emulator.call("GET", "/emulator/catalogs", ADMIN_KEY).json()
    assert sorted(row["publishes"] for row in listed["data"]) == [1, 2]
    assert listed["publishes"] == 3


def test_iframe_origin_moves_the_iframe_url_to_another_host(start_emulator):
    emulator = start_emulator(IFRAME_ORIGIN="http://localhost:5999")
    key = emulator.provision("org-a")["apiKey"]
    assert emulator.session(key)["iframe_url"].startswith("http://localhost:5999/embed/")

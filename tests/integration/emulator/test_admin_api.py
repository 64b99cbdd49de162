"""POST /v1/admin/provision: auth, body shapes, idempotency (also concurrent), keys at rest."""

from __future__ import annotations

import threading

import pytest

from .conftest import ACCOUNT_A, ADMIN_KEY, error_of

URL = "/v1/admin/provision"


def test_provision_first_call_creates_the_org(emulator):
    response = emulator.call("POST", URL, ADMIN_KEY,
                             json={"externalOrgId": "org-123", "orgName": "Acme Corp"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"projectId", "partnerId", "apiKey", "alreadyExisted"}
    assert body["apiKey"].startswith("ck_live_") and body["alreadyExisted"] is False


def test_provision_later_calls_return_the_same_key(emulator):
    first = emulator.provision("org-123")
    again = emulator.provision("org-123", orgName="Renamed")
    assert again == {**first, "alreadyExisted": True}


def test_provision_orgs_are_isolated(emulator):
    a, b = emulator.provision("org-a"), emulator.provision("org-b")
    assert len({a["projectId"], b["projectId"]}) == 2
    assert len({a["apiKey"], b["apiKey"]}) == 2
    assert len({a["partnerId"], b["partnerId"]}) == 2


def test_provision_empty_org_id_is_accepted_like_upstream(emulator):
    first = emulator.provision("")
    assert first["alreadyExisted"] is False
    assert emulator.provision("")["apiKey"] == first["apiKey"]
    assert emulator.provision("org-a")["projectId"] != first["projectId"]


def test_provision_concurrent_first_calls_create_one_project(emulator):
    barrier = threading.Barrier(20)
    answers: list[dict] = []

    def call() -> None:
        barrier.wait()
        response = emulator.call("POST", URL, ADMIN_KEY, json={"externalOrgId": "org-race"})
        answers.append(response.json())

    threads = [threading.Thread(target=call) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(answers) == 20
    assert len({(a["projectId"], a["apiKey"], a["partnerId"]) for a in answers}) == 1
    assert sum(not a["alreadyExisted"] for a in answers) == 1
    store = emulator.app.extensions["craftkit_emulator"]["store"]
    assert store.one("SELECT COUNT(*) AS n FROM projects")["n"] == 1
    assert store.one("SELECT COUNT(*) AS n FROM project_keys")["n"] == 1


def test_provision_stores_the_key_encrypted_and_hashed(emulator):
    key = emulator.provision("org-a")["apiKey"]
    store = emulator.app.extensions["craftkit_emulator"]["store"]
    everything = repr([store.all(f"SELECT * FROM {table}")
                       for table in ("orgs", "project_keys", "partners", "projects")])
    assert key not in everything


@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "Bearer wrong"}, {"Authorization": ADMIN_KEY},
    {"Authorization": f"Basic {ADMIN_KEY}"}, {"Authorization": f"Bearer {ADMIN_KEY}x"},
    {"Authorization": f"Bearer {ACCOUNT_A}"},
])
def test_provision_without_the_admin_key_is_401(emulator, headers):
    response = emulator.call("POST", URL, headers=headers, json={"externalOrgId": "o"})
    assert error_of(response) == (401, "unauthorized")


def test_provision_with_a_project_key_is_401(emulator, org_key):
    response = emulator.call("POST", URL, org_key, json={"externalOrgId": "o"})
    assert error_of(response) == (401, "unauthorized")


def test_provision_non_json_is_400(emulator):
    assert error_of(emulator.call("POST", URL, ADMIN_KEY, data="nope")) == (400, "invalid_json")


@pytest.mark.parametrize("body", [
    {}, {"externalOrgId": None}, {"externalOrgId": 123}, {"externalOrgId": ["a"]},
    {"externalOrgId": "x" * 201}, {"externalOrgId": "o", "orgName": 5}, [], "org",
])
def test_provision_bad_shapes_are_422(emulator, body):
    assert error_of(emulator.call("POST", URL, ADMIN_KEY, json=body)) == (422, "invalid_request")

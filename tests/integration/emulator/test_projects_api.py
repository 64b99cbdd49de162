"""/v1/projects*: seed 000's rules and its error table, row by row, over HTTP."""

from __future__ import annotations

import threading

import pytest

from .conftest import ACCOUNT_A, ACCOUNT_B, error_of

BODY_ENDPOINTS = [("POST", "/v1/projects"), ("PATCH", "/v1/projects/{id}"),
                  ("POST", "/v1/projects/{id}/keys")]


def create(emulator, name="Acme Corp", key=ACCOUNT_A):
    response = emulator.call("POST", "/v1/projects", key, json={"name": name})
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def project(emulator):
    return create(emulator)


def test_create_project_returns_id_slug_name(emulator):
    response = emulator.call("POST", "/v1/projects", ACCOUNT_A, json={"name": "Acme Corp"})
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "slug", "name"}
    assert (body["slug"], body["name"]) == ("acme-corp", "Acme Corp")


def test_create_project_repeated_name_gets_numeric_suffixes(emulator):
    slugs = [create(emulator)["slug"] for _ in range(3)]
    assert slugs == ["acme-corp", "acme-corp-1", "acme-corp-2"]


def test_create_project_suffixes_are_per_account(emulator):
    create(emulator, key=ACCOUNT_A)
    assert create(emulator, key=ACCOUNT_B)["slug"] == "acme-corp"


def test_create_project_exhausted_suffixes_is_409_conflict(start_emulator):
    emulator = start_emulator(SLUG_MAX_SUFFIX=2)
    for _ in range(3):
        create(emulator)
    response = emulator.call("POST", "/v1/projects", ACCOUNT_A, json={"name": "Acme Corp"})
    assert error_of(response) == (409, "conflict")


def test_create_project_deleted_slug_stays_taken(emulator, project):
    emulator.call("DELETE", f"/v1/projects/{project['id']}", ACCOUNT_A)
    assert create(emulator)["slug"] == "acme-corp-1"


def test_create_project_name_without_letters_gets_fallback_slug(emulator):
    assert create(emulator, name="!!!")["slug"] == "project"


@pytest.mark.parametrize("method,path", BODY_ENDPOINTS)
@pytest.mark.parametrize("raw", [b"{not json", b"", b"\xff\xfe"])
def test_body_endpoints_non_json_is_400_invalid_json(emulator, project, method, path, raw):
    url = path.format(id=project["id"])
    response = emulator.call(method, url, ACCOUNT_A, data=raw,
                             headers={"Content-Type": "application/json"})
    assert error_of(response) == (400, "invalid_json")


@pytest.mark.parametrize("method,path", BODY_ENDPOINTS)
@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "   "}, {"name": "x" * 201},
                                  {"name": 7}, {"name": None}, {"name": ["a"]}, ["name"]])
def test_body_endpoints_bad_name_is_422_invalid_request(emulator, project, method, path, body):
    response = emulator.call(method, path.format(id=project["id"]), ACCOUNT_A, json=body)
    assert error_of(response) == (422, "invalid_request")


@pytest.mark.parametrize("method,path", BODY_ENDPOINTS)
def test_body_endpoints_name_of_200_characters_is_accepted(emulator, project, method, path):
    response = emulator.call(method, path.format(id=project["id"]), ACCOUNT_A,
                             json={"name": "x" * 200})
    # Creating (a project, a key) answers 201; renaming answers 200.
    assert response.status_code == (200 if method == "PATCH" else 201)


@pytest.mark.parametrize("method,path", BODY_ENDPOINTS + [
    ("GET", "/v1/projects"), ("GET", "/v1/projects/{id}"), ("DELETE", "/v1/projects/{id}")])
@pytest.mark.parametrize("key", [None, "", "ck_acct_unknown", "not-a-key"])
def test_projects_endpoints_missing_or_invalid_key_is_401(emulator, project, method, path, key):
    headers = {} if key is None else {"Authorization": f"Bearer {key}"}
    response = emulator.call(method, path.format(id=project["id"]), headers=headers,
                             json={"name": "n"})
    assert error_of(response) == (401, "unauthorized")


def test_projects_endpoints_project_key_is_401(emulator, project):
    minted = emulator.call("POST", f"/v1/projects/{project['id']}/keys", ACCOUNT_A,
                           json={"name": "k"}).json()
    provisioned = emulator.provision()["apiKey"]
    for key in (minted["key"], provisioned):
        assert error_of(emulator.call("GET", "/v1/projects", key)) == (401, "unauthorized")
        response = emulator.call("POST", "/v1/projects", key, json={"name": "x"})
        assert error_of(response) == (401, "unauthorized")


@pytest.mark.parametrize("method,path", BODY_ENDPOINTS[1:] + [
    ("GET", "/v1/projects/{id}"), ("DELETE", "/v1/projects/{id}")])
def test_project_of_another_account_is_404_like_a_missing_one(emulator, project, method, path):
    theirs = emulator.call(method, path.format(id=project["id"]), ACCOUNT_B, json={"name": "n"})
    missing = emulator.call(method, path.format(id="no-such-id"), ACCOUNT_B, json={"name": "n"})
    assert error_of(theirs) == error_of(missing) == (404, "not_found")
    assert theirs.json() == missing.json()


def test_list_projects_shows_only_own_live_projects(emulator):
    mine = [create(emulator, name=f"Mine {i}") for i in range(3)]
    create(emulator, name="Theirs", key=ACCOUNT_B)
    emulator.call("DELETE", f"/v1/projects/{mine[1]['id']}", ACCOUNT_A)
    body = emulator.call("GET", "/v1/projects", ACCOUNT_A).json()
    assert [p["name"] for p in body["data"]] == ["Mine 0", "Mine 2"]
    assert body["next_cursor"] is None


def test_list_projects_paginates_with_cursor(emulator):
    for i in range(3):
        create(emulator, name=f"P{i}")
    first = emulator.call("GET", "/v1/projects?limit=2", ACCOUNT_A).json()
    rest = emulator.call("GET", f"/v1/projects?limit=2&cursor={first['next_cursor']}",
                         ACCOUNT_A).json()
    assert [p["name"] for p in first["data"] + rest["data"]] == ["P0", "P1", "P2"]
    assert rest["next_cursor"] is None


def test_get_project_returns_it(emulator, project):
    assert emulator.call("GET", f"/v1/projects/{project['id']}", ACCOUNT_A).json() == project


def test_patch_project_renames_and_keeps_slug(emulator, project):
    response = emulator.call("PATCH", f"/v1/projects/{project['id']}", ACCOUNT_A,
                             json={"name": "Acme Inc"})
    assert response.status_code == 200
    assert response.json() == {**project, "name": "Acme Inc"}
    assert emulator.call("GET", f"/v1/projects/{project['id']}", ACCOUNT_A).json()["name"] == (
        "Acme Inc")


def test_delete_project_soft_deletes_it(emulator, project):
    url = f"/v1/projects/{project['id']}"
    assert emulator.call("DELETE", url, ACCOUNT_A).status_code == 204
    for method in ("GET", "PATCH", "DELETE"):
        assert error_of(emulator.call(method, url, ACCOUNT_A, json={"name": "n"})) == (
            404, "not_found")
    response = emulator.call("POST", url + "/keys", ACCOUNT_A, json={"name": "n"})
    assert error_of(response) == (404, "not_found")


def test_mint_key_returns_plaintext_once_with_prefix(emulator, project):
    response = emulator.call("POST", f"/v1/projects/{project['id']}/keys", ACCOUNT_A,
                             json={"name": "Render service (prod)"})
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "prefix", "key"}
    assert body["key"].startswith("ck_live_") and len(body["prefix"]) == len("ck_live_aBcDe")
    assert body["key"].startswith(body["prefix"])
    store = emulator.app.extensions["craftkit_emulator"]["store"]
    stored = store.all("SELECT * FROM project_keys")
    assert body["key"] not in repr(stored)


def test_minted_key_authenticates_embed_data_but_not_sessions(emulator, project):
    key = emulator.call("POST", f"/v1/projects/{project['id']}/keys", ACCOUNT_A,
                        json={"name": "k"}).json()["key"]
    listed = emulator.call("GET", "/v1/embed/builder/templates", key)
    assert listed.status_code == 200 and listed.json()["data"] == []
    assert error_of(emulator.mint(key)) == (403, "embed_not_enabled")


def test_minted_key_stops_working_when_project_is_deleted(emulator, project):
    key = emulator.call("POST", f"/v1/projects/{project['id']}/keys", ACCOUNT_A,
                        json={"name": "k"}).json()["key"]
    emulator.call("DELETE", f"/v1/projects/{project['id']}", ACCOUNT_A)
    response = emulator.call("GET", "/v1/embed/builder/templates", key)
    assert error_of(response) == (401, "unauthorized")


def test_provisioned_projects_are_invisible_to_accounts(emulator):
    provisioned = emulator.provision()
    response = emulator.call("GET", f"/v1/projects/{provisioned['projectId']}", ACCOUNT_A)
    assert error_of(response) == (404, "not_found")
    assert emulator.call("GET", "/v1/projects", ACCOUNT_A).json()["data"] == []


def test_create_project_concurrent_same_name_gets_distinct_slugs(emulator):
    barrier = threading.Barrier(10)
    slugs: list[str] = []

    def call() -> None:
        barrier.wait()
        slugs.append(create(emulator)["slug"])

    threads = [threading.Thread(target=call) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(slugs) == sorted(["acme-corp"] + [f"acme-corp-{i}" for i in range(1, 10)])

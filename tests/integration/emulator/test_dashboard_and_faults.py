"""The dashboard's embed switch for account projects, and fault knobs that drop answers."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from .conftest import ACCOUNT_A, ACCOUNT_B, ADMIN_KEY, error_of


def new_project(emulator, account=ACCOUNT_A, name="Acme") -> str:
    response = emulator.call("POST", "/v1/projects", account, json={"name": name})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def minted_key(emulator, project_id, account=ACCOUNT_A) -> str:
    return emulator.call("POST", f"/v1/projects/{project_id}/keys", account,
                         json={"name": "k"}).json()["key"]


def test_an_account_project_mints_sessions_once_its_owner_enables_embed_mode(emulator):
    project_id = new_project(emulator)
    key = minted_key(emulator, project_id)
    assert error_of(emulator.mint(key)) == (403, "embed_not_enabled")
    switched = emulator.call("POST", f"/dashboard/projects/{project_id}/embed", ACCOUNT_A)
    assert switched.status_code == 200 and switched.json()["embed"] is True
    again = emulator.call("POST", f"/dashboard/projects/{project_id}/embed", ACCOUNT_A)
    assert again.json()["partnerId"] == switched.json()["partnerId"]
    assert emulator.mint(key).status_code == 200
    off = emulator.call("DELETE", f"/dashboard/projects/{project_id}/embed", ACCOUNT_A)
    assert off.json()["embed"] is False
    assert error_of(emulator.mint(key)) == (403, "embed_not_enabled")


@pytest.mark.parametrize("caller", [ACCOUNT_B, ADMIN_KEY, None])
def test_only_the_owning_account_can_switch_embed_mode(emulator, caller):
    project_id = new_project(emulator)
    answer = emulator.call("POST", f"/dashboard/projects/{project_id}/embed", caller)
    assert error_of(answer) in ((404, "not_found"), (401, "unauthorized"))


def test_account_embed_turns_embed_mode_on_for_every_new_project(start_emulator):
    emulator = start_emulator(ACCOUNT_EMBED=True)
    key = minted_key(emulator, new_project(emulator))
    assert emulator.mint(key).status_code == 200


def add_fault(emulator, **knob):
    return emulator.call("POST", "/emulator/faults", ADMIN_KEY, json=knob)


def test_a_dropped_answer_is_performed_then_the_connection_reset(emulator):
    assert add_fault(emulator, method="POST", path="/v1/projects",
                     action="drop").status_code == 201
    with pytest.raises(requests.ConnectionError):
        requests.post(emulator.url + "/v1/projects", json={"name": "Acme"}, timeout=5,
                      headers={"Authorization": f"Bearer {ACCOUNT_A}"})
    listed = emulator.call("GET", "/v1/projects", ACCOUNT_A).json()["data"]
    assert [p["name"] for p in listed] == ["Acme"]  # it was created all the same
    assert new_project(emulator, name="Next")  # the knob was used up
    knobs = emulator.call("GET", "/emulator/faults", ADMIN_KEY).json()["data"]
    assert knobs[0]["hits"] == 1


def test_a_dropped_answer_without_perform_changes_nothing(emulator):
    add_fault(emulator, method="POST", path="/v1/projects", action="drop", perform=False)
    with pytest.raises(requests.ConnectionError):
        requests.post(emulator.url + "/v1/projects", json={"name": "Acme"}, timeout=5,
                      headers={"Authorization": f"Bearer {ACCOUNT_A}"})
    assert emulator.call("GET", "/v1/projects", ACCOUNT_A).json()["data"] == []


def test_a_held_answer_times_the_caller_out_and_clearing_releases_it(emulator):
    project_id = new_project(emulator)
    add_fault(emulator, method="POST", path="/v1/projects/*/keys", action="timeout", hold=30)
    with pytest.raises(requests.ReadTimeout):
        requests.post(f"{emulator.url}/v1/projects/{project_id}/keys", json={"name": "k"},
                      headers={"Authorization": f"Bearer {ACCOUNT_A}"}, timeout=(2, 0.5))
    started = time.monotonic()
    assert emulator.call("DELETE", "/emulator/faults", ADMIN_KEY).status_code == 204
    assert time.monotonic() - started < 5
    assert emulator.call("GET", "/emulator/faults", ADMIN_KEY).json()["data"] == []


@pytest.mark.parametrize("knob", [
    {"method": "POST", "path": "/v1/projects", "action": "explode"},
    {"method": "POST", "path": "/v1/projects", "action": "drop", "times": 0},
    {"method": "POST", "path": "/v1/projects", "action": "drop", "hold": -1},
    {"method": "POST", "action": "drop"},
    {"method": "POST", "path": "/v1/projects", "action": "drop", "perform": "no"},
])
def test_bad_knobs_are_refused(emulator, knob):
    assert error_of(add_fault(emulator, **knob)) == (422, "invalid_request")


def test_knobs_need_the_admin_key(emulator):
    answer = emulator.call("POST", "/emulator/faults", ACCOUNT_A,
                           json={"method": "GET", "path": "/", "action": "drop"})
    assert error_of(answer) == (401, "unauthorized")
    assert error_of(emulator.call("GET", "/emulator/faults")) == (401, "unauthorized")


def test_a_knob_catches_only_its_own_requests_from_many_threads(emulator):
    add_fault(emulator, method="POST", path="/v1/projects", action="drop", times=3)
    failures = []

    def create(i):
        try:
            requests.post(emulator.url + "/v1/projects", json={"name": f"P{i}"}, timeout=5,
                          headers={"Authorization": f"Bearer {ACCOUNT_A}"})
        except requests.ConnectionError:
            failures.append(i)

    threads = [threading.Thread(target=create, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(failures) == 3
    assert len(emulator.call("GET", "/v1/projects", ACCOUNT_A).json()["data"]) == 8

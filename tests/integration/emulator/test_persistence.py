"""DATA_PATH: state survives a restart, and a changed admin key shows the seed's pitfall."""

from __future__ import annotations

from .conftest import ACCOUNT_A, ADMIN_KEY, error_of


def test_provision_after_restart_returns_the_same_key(start_emulator, tmp_path):
    path = str(tmp_path / "emulator.sqlite3")
    first = start_emulator(DATA_PATH=path).provision("org-a")
    again = start_emulator(DATA_PATH=path).provision("org-a")
    assert again == {**first, "alreadyExisted": True}


def test_projects_and_templates_survive_a_restart(start_emulator, tmp_path):
    path = str(tmp_path / "emulator.sqlite3")
    before = start_emulator(DATA_PATH=path)
    key = before.provision("org-a")["apiKey"]
    template = before.template(key)
    project = before.call("POST", "/v1/projects", ACCOUNT_A, json={"name": "Kept"}).json()
    after = start_emulator(DATA_PATH=path)
    listed = after.call("GET", "/v1/embed/builder/templates", key).json()["data"]
    assert [t["id"] for t in listed] == [template["id"]]
    assert after.call("GET", f"/v1/projects/{project['id']}", ACCOUNT_A).json() == project
    assert after.session(key)["session_token"]


def test_provision_after_admin_key_change_is_a_generic_500(start_emulator, tmp_path):
    path = str(tmp_path / "emulator.sqlite3")
    start_emulator(DATA_PATH=path).provision("org-old")
    changed = start_emulator(DATA_PATH=path, ADMIN_KEY="a-different-admin-key")
    response = changed.call("POST", "/v1/admin/provision", "a-different-admin-key",
                            json={"externalOrgId": "org-old"})
    assert error_of(response) == (500, "internal_error")
    message = response.json()["error"]["message"]
    assert "Traceback" not in response.text and "InvalidTag" not in response.text
    assert "decrypt" not in message.lower() and "org-old" not in message
    new = changed.call("POST", "/v1/admin/provision", "a-different-admin-key",
                       json={"externalOrgId": "org-new"})
    assert new.status_code == 200 and new.json()["alreadyExisted"] is False


def test_old_admin_key_no_longer_authenticates_after_change(start_emulator, tmp_path):
    path = str(tmp_path / "emulator.sqlite3")
    start_emulator(DATA_PATH=path).provision("org-old")
    changed = start_emulator(DATA_PATH=path, ADMIN_KEY="a-different-admin-key")
    response = changed.call("POST", "/v1/admin/provision", ADMIN_KEY,
                            json={"externalOrgId": "org-old"})
    assert error_of(response) == (401, "unauthorized")


def test_sessions_after_admin_key_change_are_a_generic_500(start_emulator, tmp_path):
    path = str(tmp_path / "emulator.sqlite3")
    key = start_emulator(DATA_PATH=path).provision("org-old")["apiKey"]
    changed = start_emulator(DATA_PATH=path, ADMIN_KEY="a-different-admin-key")
    assert error_of(changed.mint(key, "org-old")) == (500, "internal_error")

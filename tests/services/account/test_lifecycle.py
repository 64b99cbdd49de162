"""`craftkit-bff tenants ...` in account mode, against the emulator and a real registry."""

from __future__ import annotations

import json
import re
import time

import pytest
import requests

from bff.commands import main
from bff.registry.naming import marker_for
from tests.support.servers import serve_app

from .conftest import ACCOUNT_KEY, SECRET, mint

NEW_SECRET = "rotated-registry-secret-abcdefghijkl"


@pytest.fixture
def cli(account_config, monkeypatch, capsys):
    """Run craftkit-bff with the account-mode environment; return (status, out, err)."""
    for name, value in account_config.items():
        monkeypatch.setenv(name, value)

    def _run(*args: str):
        code = main(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return _run


def as_json(cli, *args):
    code, out, err = cli(*args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_provision_list_show_and_rename(cli, emulator):
    row = as_json(cli, "tenants", "provision", "acme", "--name", "Acme Corp")
    assert row["state"] == "keyed" and row["has_key"] and "key_sealed" not in row
    [listed] = as_json(cli, "tenants", "list")
    assert listed["org_id"] == "acme"
    # Times read as in the text output: ISO 8601 in UTC, not epoch seconds.
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", listed["updated_at"])
    assert listed["created_at"] == row["created_at"] and listed["deprovisioned_at"] is None
    assert as_json(cli, "tenants", "show", "acme")["project_id"] == row["project_id"]
    renamed = as_json(cli, "tenants", "rename", "acme", "Acme Industries")
    assert renamed["org_name"] == "Acme Industries"
    (project,) = emulator.projects(marker_for("acme"))
    assert project["name"] == "Acme Industries [ckbff:acme]"
    code, out, _ = cli("tenants", "list")
    assert code == 0 and "acme" in out and "keyed" in out
    assert "ck_live_" not in out


def test_a_configuration_error_is_a_failure_naming_the_variable(cli, monkeypatch):
    monkeypatch.setenv("CRAFTKIT_KEY_TTL", "soon")
    code, _, err = cli("tenants", "list")
    assert code == 1 and "CRAFTKIT_KEY_TTL" in err
    monkeypatch.delenv("CRAFTKIT_KEY_TTL")
    monkeypatch.delenv("CRAFTKIT_REGISTRY_SECRET")
    code, _, err = cli("tenants", "list")
    assert code == 1 and "CRAFTKIT_REGISTRY_SECRET is not set" in err


def test_show_of_an_unknown_or_invalid_org_says_so(cli):
    code, _, err = cli("tenants", "show", "nobody")
    assert code == 1 and "no org 'nobody'" in err
    code, _, err = cli("tenants", "show", " ")
    assert code == 1 and "non-empty" in err


def test_deprovision_needs_yes_deletes_upstream_and_the_bff_refuses_the_org(
        cli, emulator, make_app):
    app = make_app()
    with serve_app(app) as url:
        assert mint(url).status_code == 200  # acme provisioned, its key cached in the app
        code, _, err = cli("tenants", "deprovision", "acme")
        assert code == 2 and "--yes" in err
        assert as_json(cli, "tenants", "deprovision", "acme", "--yes")["state"] == (
            "deprovisioned")
        assert emulator.projects(marker_for("acme")) == []
        # The app's cached key now fails upstream; the BFF refuses instead of re-creating.
        refused = mint(url)
        assert refused.status_code == 403
        assert refused.json()["error"] == "tenant_deprovisioned"
        assert emulator.projects(marker_for("acme")) == []
        assert as_json(cli, "tenants", "provision", "acme")["state"] == "keyed"
        # Running processes learn of the revival as of a deprovision: within
        # CRAFTKIT_REGISTRY_POLL (2 s).
        assert eventually(lambda: mint(url).status_code == 200, within=5)
    assert len(emulator.projects(marker_for("acme"))) == 1


def eventually(check, within: float) -> bool:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def test_rotate_key_mints_a_new_key_for_the_same_project(cli, emulator, make_app):
    app = make_app()
    registry = app.extensions["craftkit_bff"].registry
    before = as_json(cli, "tenants", "provision", "acme")
    old = registry.open_key(registry.get("acme"))
    after = as_json(cli, "tenants", "rotate-key", "acme")
    new = registry.open_key(registry.get("acme"))
    assert after["project_id"] == before["project_id"] and new != old
    assert emulator.key_works(new)
    assert "cannot revoke" in after["note"]


def test_reconcile_reports_and_fixes_duplicates_unknown_and_missing(cli, emulator, make_app):
    as_json(cli, "tenants", "provision", "acme", "--name", "Acme")
    globex = as_json(cli, "tenants", "provision", "globex", "--name", "Globex")
    upstream = f"{emulator.url}/v1/projects"
    # A retried create (seed 000's suffixed slug), a project the registry lost, and a
    # project deleted outside craftkit-bff.
    for name in ("Acme [ckbff:acme]", "Initech [ckbff:initech]"):
        requests.post(upstream, json={"name": name}, headers=emulator.account, timeout=10)
    requests.delete(f"{upstream}/{globex['project_id']}", headers=emulator.account, timeout=10)

    code, out, _ = cli("tenants", "reconcile")
    assert code == 1
    assert "duplicate: org=acme" in out and "slug=acme-ckbff-acme:" in out
    assert "unknown: org=initech" in out and "missing: org=globex" in out
    fixed = as_json(cli, "tenants", "reconcile", "--fix")
    assert {f["kind"]: f["action"] for f in fixed} == {
        "duplicate": "deleted upstream",
        "unknown": "adopted for org 'initech'; its key is minted on its next request",
        "missing": "forgot the row; the org gets a new project on its next request"}
    code, out, _ = cli("tenants", "reconcile")
    assert (code, out.strip()) == (0, "The registry and the account's projects agree.")

    with serve_app(make_app()) as url:
        assert mint(url, org="initech").status_code == 200
        assert mint(url, org="globex").status_code == 200
    for org in ("acme", "initech", "globex"):
        assert len(emulator.projects(marker_for(org))) == 1


def test_reencrypt_moves_every_row_to_the_new_secret(cli, monkeypatch, stored_text):
    as_json(cli, "tenants", "provision", "acme")
    as_json(cli, "tenants", "provision", "globex")
    monkeypatch.setenv("CRAFTKIT_REGISTRY_SECRET", NEW_SECRET)
    monkeypatch.setenv("CRAFTKIT_REGISTRY_SECRET_PREVIOUS", SECRET)
    assert as_json(cli, "tenants", "reencrypt") == {"rewritten": 2, "unreadable": []}
    monkeypatch.delenv("CRAFTKIT_REGISTRY_SECRET_PREVIOUS")
    code, out, _ = cli("doctor")
    assert "ok    registry:" in out and "every key decrypts" in out, out
    monkeypatch.setenv("CRAFTKIT_REGISTRY_SECRET", SECRET)
    code, out, _ = cli("doctor")
    assert code == 1 and "CRAFTKIT_REGISTRY_SECRET is not the secret" in out
    assert SECRET not in out and NEW_SECRET not in out and "ck_live_" not in stored_text()


def test_doctor_names_the_variable_for_a_row_that_does_not_decrypt(cli, make_app):
    as_json(cli, "tenants", "provision", "acme")
    app = make_app()
    registry = app.extensions["craftkit_bff"].registry
    from bff.registry import RowCipher

    registry.claim("acme", "t", 30)
    registry.update_leased("acme", "t", key_sealed=RowCipher(NEW_SECRET).seal("x", "y"),
                           lease_owner=None)
    code, out, _ = cli("doctor")
    assert code == 1
    assert "FAIL  registry: 1 row(s) cannot be decrypted with CRAFTKIT_REGISTRY_SECRET" in out
    assert "orgs acme" in out and "tenants reencrypt" in out
    assert "ok    account key: accepted" in out


def test_doctor_reports_a_refused_account_key(cli, monkeypatch):
    monkeypatch.setenv("CRAFTKIT_ACCOUNT_KEY", "ck_acct_not_a_key_the_emulator_knows")
    code, out, _ = cli("doctor")
    assert code == 1 and "Craftkit refused CRAFTKIT_ACCOUNT_KEY (401)" in out
    assert "ck_acct_not" not in out and ACCOUNT_KEY not in out


@pytest.mark.prints_secret  # --show-key prints the key: what the test checks
def test_provision_command_works_in_account_mode(cli):
    code, out, _ = cli("tenants", "provision", "acme")
    assert code == 0 and "project_id: " in out
    assert re.search(r"^project_slug: acme-[0-9a-f]{8}-ckbff-acme$", out, re.MULTILINE)
    assert "ck_live_" not in out
    code, out, _ = cli("tenants", "provision", "acme", "--show-key")
    assert code == 0 and "apiKey: ck_live_" in out


def test_operator_commands_refuse_what_cannot_be_done(cli, make_app, monkeypatch):
    as_json(cli, "tenants", "provision", "acme")
    code, _, err = cli("tenants", "rename", "acme", " ")
    assert code == 1 and "1 to 200 characters" in err
    registry = make_app().extensions["craftkit_bff"].registry
    registry.claim("acme", "a-busy-worker", 30)
    code, _, err = cli("tenants", "deprovision", "acme", "--yes")
    assert code == 1 and "being provisioned right now" in err
    registry.release("acme", "a-busy-worker")
    as_json(cli, "tenants", "deprovision", "acme", "--yes")
    code, _, err = cli("tenants", "rotate-key", "acme")
    assert code == 1 and "holds no key (deprovisioned)" in err
    # Rotating to a new secret without naming the old one leaves rows unreadable.
    as_json(cli, "tenants", "provision", "globex")
    monkeypatch.setenv("CRAFTKIT_REGISTRY_SECRET", NEW_SECRET)
    monkeypatch.setenv("CRAFTKIT_REGISTRY_SECRET_PREVIOUS", "not-the-old-secret-0123456")
    code, _, err = cli("tenants", "list")
    # Refused at start (the registry's check does not open): a failure naming the variable.
    assert code == 1 and "CRAFTKIT_REGISTRY_SECRET" in err


def test_a_refused_account_key_is_a_502_that_names_no_key(make_app, emulator, caplog):
    bad = "ck_acct_refused0123456789abcdefghij"
    with serve_app(make_app(CRAFTKIT_ACCOUNT_KEY=bad)) as url:
        answer = mint(url)
    assert answer.status_code == 502 and answer.json()["error"] == "craftkit_provision_failed"
    assert "CRAFTKIT_ACCOUNT_KEY" in caplog.text and bad not in caplog.text
    assert emulator.projects() == []


def test_reencrypt_names_rows_it_cannot_open_and_keeps_the_old_check(cli, make_app,
                                                                     monkeypatch):
    as_json(cli, "tenants", "provision", "acme")
    registry = make_app().extensions["craftkit_bff"].registry
    from bff.registry import RowCipher

    registry.claim("acme", "t", 30)
    registry.update_leased("acme", "t", lease_owner=None,
                           key_sealed=RowCipher("a-third-secret-0123456789").seal("x", "y"))
    monkeypatch.setenv("CRAFTKIT_REGISTRY_SECRET", NEW_SECRET)
    monkeypatch.setenv("CRAFTKIT_REGISTRY_SECRET_PREVIOUS", SECRET)
    code, out, _ = cli("tenants", "reencrypt")
    assert code == 1 and "open with neither" in out and "acme" in out
    # The check row stays under the old secret, so hosts without the new one still start.
    monkeypatch.delenv("CRAFTKIT_REGISTRY_SECRET_PREVIOUS")
    monkeypatch.setenv("CRAFTKIT_REGISTRY_SECRET", SECRET)
    assert cli("tenants", "list")[0] == 0

"""The catalog against the emulator over real HTTP: sessions publish it, the CLI rolls it out.

Admin mode with an SQLite tenant registry; the emulator counts every publish
(GET /emulator/catalogs), so "once per org per version" is counted where it lands.
"""

from __future__ import annotations

import json

import pytest
import requests

from bff import create_app
from bff.commands import main
from bff.emulator import create_emulator_app
from bff.extension import command_state
from tests.support.catalogs import catalog_file, changed
from tests.support.servers import serve_app

from .conftest import ADMIN_KEY, JWT_SECRET, Browser, iframe_call, token_for


def publishes(emulator_url: str, name: str = "my-catalog-v1") -> list[int]:
    rows = requests.get(emulator_url + "/emulator/catalogs", timeout=5,
                        headers={"Authorization": f"Bearer {ADMIN_KEY}"}).json()["data"]
    return sorted(row["publishes"] for row in rows if row["name"] == name)


@pytest.fixture
def emulator_url():
    """A fresh emulator per test, so its publish counts are this test's alone."""
    app = create_emulator_app({"ADMIN_KEY": ADMIN_KEY, "ACCOUNT_KEYS": []})
    with serve_app(app) as url:
        yield url


@pytest.fixture
def env(emulator_url, tmp_path, monkeypatch):
    values = {"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_BASE_URL": emulator_url,
              "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET,
              "CRAFTKIT_REGISTRY_URL": f"sqlite:///{tmp_path}/registry.sqlite3",
              "CRAFTKIT_CATALOG_FILE": catalog_file(tmp_path)}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def register(orgs):
    state = command_state()
    try:
        for org in orgs:
            state.provisioner.provision(org, org)
    finally:
        state.close()


def test_a_session_gets_the_catalog_and_a_lost_one_is_published_again(env, emulator_url):
    app = create_app(dict(env))
    with serve_app(app) as url:
        browser = Browser(url, token_for("ada", ("cat-org",)))
        session = browser.session(mode="create")
        assert iframe_call(session, "GET", "/context").json()["catalogName"] == "my-catalog-v1"
        assert browser.session(mode="create")
        assert publishes(emulator_url) == [1]
        requests.post(emulator_url + "/emulator/drop-catalogs", timeout=5,
                      json={"externalOrgId": "cat-org"},
                      headers={"Authorization": f"Bearer {ADMIN_KEY}"})
        app.extensions["craftkit_bff"].catalogs._published["cat-org"] -= 60  # a while later
        assert browser.session(mode="create")
        assert publishes(emulator_url) == [2]  # dropped, then published once more
    app.extensions["craftkit_bff"].close()


def test_publish_all_is_once_per_org_and_a_rerun_publishes_nothing(env, emulator_url,
                                                                   capsys):
    orgs = [f"roll-{i}" for i in range(6)]
    register(orgs)
    assert main(["catalogs", "publish", "--all", "--json", "--concurrency", "3"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert (first["published"], first["current"], first["failed"]) == (6, 0, {})
    assert main(["catalogs", "publish", "--all", "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert (again["published"], again["current"]) == (0, 6)
    assert publishes(emulator_url) == [1] * 6
    assert main(["catalogs", "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert [row["current"] for row in status["orgs"]] == [True] * 6


def test_a_new_file_is_a_new_version_and_dry_run_names_who_would_get_it(env, emulator_url,
                                                                        tmp_path, capsys):
    register(["ver-a", "ver-b"])
    assert main(["catalogs", "publish", "--org", "ver-a"]) == 0
    v2 = catalog_file(tmp_path, changed(2), "v2.json")
    capsys.readouterr()
    assert main(["catalogs", "publish", "--all", "--dry-run", "--json", "--file", v2]) == 0
    assert json.loads(capsys.readouterr().out)["would_publish"] == ["ver-a", "ver-b"]
    assert main(["catalogs", "publish", "--all", "--file", v2]) == 0
    assert "2 published" in capsys.readouterr().out


def test_a_catalog_craftkit_refuses_fails_each_org_with_exit_1(env, tmp_path, capsys):
    register(["bad-a"])
    wrong = {"name": "my-catalog-v1", "catalog": {"allowCustom": False, "loops": [],
             "namespaces": [{"key": "customer", "label": "C", "fields": [
                 {"key": "not_in_namespace", "label": "N", "dataType": "text"}]}]}}
    assert main(["catalogs", "publish", "--all", "--file",
                 catalog_file(tmp_path, wrong, "wrong.json")]) == 1
    out = capsys.readouterr().out
    assert "failed bad-a: craftkit_catalog_failed (422)" in out


def test_publish_all_without_a_registry_says_what_is_missing(env, monkeypatch, capsys):
    monkeypatch.delenv("CRAFTKIT_REGISTRY_URL")
    assert main(["catalogs", "publish", "--all"]) == 2
    assert "CRAFTKIT_REGISTRY_URL" in capsys.readouterr().err

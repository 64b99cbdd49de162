"""The admin strategy with a tenant registry: orgs recorded, deprovisioned ones refused."""

from __future__ import annotations

import json
import time

import pytest

from bff import create_app
from bff.commands import main
from bff.emulator import create_emulator_app
from tests.support.servers import serve_app

from .conftest import ADMIN_KEY, JWT_SECRET, mint


@pytest.fixture
def admin_emulator():
    app = create_emulator_app({"ADMIN_KEY": ADMIN_KEY, "ACCOUNT_KEYS": []})
    with serve_app(app) as url:
        yield url


@pytest.fixture
def admin_config(admin_emulator, registry_url):
    return {"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_BASE_URL": admin_emulator,
            "CRAFTKIT_REGISTRY_URL": registry_url, "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET}


@pytest.fixture
def cli(admin_config, monkeypatch, capsys):
    for name, value in admin_config.items():
        monkeypatch.setenv(name, value)

    def _run(*args):
        code = main(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err
    return _run


@pytest.fixture
def admin_app(admin_config):
    app = create_app(admin_config)
    yield app
    app.extensions["craftkit_bff"].registry.engine.dispose()


def test_admin_mode_records_orgs_and_refuses_a_deprovisioned_one(admin_app, cli):
    with serve_app(admin_app) as url:
        assert mint(url).status_code == 200
        code, out, _ = cli("tenants", "show", "acme", "--json")
        row = json.loads(out)
        assert (row["strategy"], row["state"], row["has_key"]) == ("admin", "keyed", False)
        assert row["project_id"] and row["partner_id"]

        code, out, _ = cli("tenants", "deprovision", "acme", "--yes")
        assert code == 0 and "cannot delete a project" in out
        # The app still holds the org's key: the registry's word reaches it within
        # CRAFTKIT_REGISTRY_POLL (2 s), as it does every other process.
        refused = until(lambda: mint(url), lambda answer: answer.status_code != 200, 5)
        assert refused.status_code == 403 and refused.json()["error"] == "tenant_deprovisioned"

        assert cli("tenants", "provision", "acme")[0] == 0
        assert until(lambda: mint(url), lambda answer: answer.status_code == 200, 5)


def until(action, done, within: float):
    """Repeat action until done(answer) or within seconds pass; return the last answer."""
    deadline = time.monotonic() + within
    answer = action()
    while not done(answer) and time.monotonic() < deadline:
        time.sleep(0.1)
        answer = action()
    return answer


def test_admin_mode_cannot_rotate_keys_or_reconcile(admin_app, cli):
    with serve_app(admin_app) as url:
        assert mint(url).status_code == 200
    code, _, err = cli("tenants", "rotate-key", "acme")
    assert code == 1 and "CRAFTKIT_ACCOUNT_KEY" in err
    code, _, err = cli("tenants", "reconcile")
    assert code == 1 and "CRAFTKIT_ACCOUNT_KEY" in err


def test_admin_mode_without_a_registry_has_no_tenant_commands(admin_emulator, monkeypatch,
                                                               capsys):
    monkeypatch.setenv("CRAFTKIT_ADMIN_KEY", ADMIN_KEY)
    monkeypatch.setenv("CRAFTKIT_BASE_URL", admin_emulator)
    monkeypatch.delenv("CRAFTKIT_REGISTRY_URL", raising=False)
    assert main(["tenants", "list"]) == 1
    assert "set CRAFTKIT_REGISTRY_URL" in capsys.readouterr().err


def test_admin_mode_with_an_unreachable_registry_answers_503(admin_emulator, tmp_path):
    app = create_app({"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_BASE_URL": admin_emulator,
                      "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET, "CRAFTKIT_REGISTRY_URL":
                      f"sqlite:///{tmp_path}/missing/registry.sqlite3"})
    with serve_app(app) as url:
        answer = mint(url)
    assert answer.status_code == 503 and answer.json()["error"] == "registry_unavailable"

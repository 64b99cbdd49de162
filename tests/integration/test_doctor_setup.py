"""`doctor` names the setup problems that used to pass every check: a base URL that is not
Craftkit's API, an iframe on another origin, embed mode off, a catalog Craftkit refuses."""

from __future__ import annotations

import io

import pytest
import requests
from flask import Flask

from bff.commands.doctor import doctor
from bff.emulator import create_emulator_app
from tests.support.catalogs import catalog_file
from tests.support.secrets import secret
from tests.support.servers import serve_app

from .conftest import ADMIN_KEY, JWT_SECRET

ACCOUNT_KEY = "ck_acct_doctortests0123456789abcdef"
SECRET = secret("doctor-tests-registry-secret-0123456789")


def run_doctor(org=None, origins=(), provision=True):
    out = io.StringIO()
    code = doctor(org, list(origins), out=out, may_provision=provision)
    return code, out.getvalue()


@pytest.fixture
def admin_env(monkeypatch):
    def _set(url, **extra):
        for name, value in {"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_BASE_URL": url,
                            "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET, **extra}.items():
            monkeypatch.setenv(name, value)
    return _set


def test_a_base_url_that_answers_404_is_named_as_the_problem(admin_env):
    with serve_app(Flask("not-craftkit")) as url:  # answers 404 to everything
        admin_env(url)
        code, text = run_doctor()
    assert code == 1
    assert "Craftkit answered 404 to POST /v1/admin/provision" in text
    assert "fix: set CRAFTKIT_BASE_URL to Craftkit's origin" in text


def test_an_iframe_on_another_origin_is_named_with_the_setting(admin_env):
    app = create_emulator_app({"ADMIN_KEY": ADMIN_KEY, "ACCOUNT_KEYS": []})
    with serve_app(app) as url:
        other = url.replace("127.0.0.1", "localhost")
        app.config["IFRAME_ORIGIN"] = other
        admin_env(url)
        code, text = run_doctor("doctor-org")
        assert code == 1
        assert f"FAIL  iframe origin: Craftkit's iframe_url for 'doctor-org': {other} is " \
               "neither CRAFTKIT_BASE_URL's origin nor listed in CRAFTKIT_IFRAME_ORIGINS" in text
        admin_env(url, CRAFTKIT_IFRAME_ORIGINS=other)
        code, text = run_doctor("doctor-org")
    assert code == 0, text
    assert f"ok    session: minted for 'doctor-org'; its iframe is on {other}" in text


def test_embed_mode_off_names_the_project_and_not_the_key(monkeypatch, tmp_path):
    app = create_emulator_app({"ADMIN_KEY": ADMIN_KEY, "ACCOUNT_KEYS": [ACCOUNT_KEY]})
    with serve_app(app) as url:
        for name, value in {"CRAFTKIT_ACCOUNT_KEY": ACCOUNT_KEY, "CRAFTKIT_BASE_URL": url,
                            "CRAFTKIT_REGISTRY_URL": f"sqlite:///{tmp_path}/r.sqlite3",
                            "CRAFTKIT_REGISTRY_SECRET": SECRET}.items():
            monkeypatch.setenv(name, value)
        code, text = run_doctor("no-embed-org")
        project = requests.get(url + "/v1/projects", timeout=5, headers={
            "Authorization": f"Bearer {ACCOUNT_KEY}"}).json()["data"][0]["id"]
    assert code == 1
    assert f"FAIL  embed mode: off for the project of 'no-embed-org' (project {project})" in text
    assert "Enable embed mode" in text and "Rotating the key does not help" in text


def test_a_catalog_craftkit_refuses_is_named(admin_env, tmp_path):
    wrong = {"name": "my-catalog-v1", "catalog": {"namespaces": [{"key": "x", "label": "X",
             "fields": [{"key": "y", "label": "Y", "dataType": "text"}]}]}}
    app = create_emulator_app({"ADMIN_KEY": ADMIN_KEY, "ACCOUNT_KEYS": []})
    with serve_app(app) as url:
        admin_env(url, CRAFTKIT_CATALOG_FILE=catalog_file(tmp_path, wrong))
        code, text = run_doctor("catalog-org")
    assert code == 1
    assert "FAIL  catalog: 'my-catalog-v1' could not be published to 'catalog-org'" in text
    assert "(status 422)" in text

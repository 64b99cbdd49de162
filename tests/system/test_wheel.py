"""The built wheel works outside the checkout: installed in a fresh virtualenv, run from an
empty directory, it serves the demo (pages, element, sessions) and a deployed BFF.

This builds the wheel and installs it with its dependencies from the package index, so it
takes a minute or two; it is what a pip user gets.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import requests

from tests.support import ROOT
from tests.support.secrets import secret
from tests.support.servers import free_port, run_process
from tests.support.tokens import mint_jwt

ADMIN_KEY = "ck_admin_wheel_smoke_0123456789abcdef"
JWT_SECRET = secret("wheel-smoke-jwt-secret-0123456789abcdef")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out),
                    str(ROOT)], check=True, timeout=600)
    (built,) = out.glob("craftkit_bff-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh virtualenv, outside the checkout, with the wheel and its emulator extra."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", f"{wheel}[emulator]"],
                   check=True, timeout=900)
    return venv / "bin"


@pytest.fixture
def elsewhere(tmp_path) -> dict:
    """Run from an empty directory, with a clean environment: nothing of the checkout."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    return {"cwd": str(tmp_path), "env": env}


def test_wheel_ships_what_the_package_serves(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for wanted in ("bff/static/craftkit-embed.js", "bff/static/craftkit-embed.d.ts",
                   "bff/static/embed/define.js", "bff/static/embed/package.json",
                   "bff/templates/signin.html", "bff/templates/demo.html", "bff/py.typed",
                   "bff/demo/catalog.json",
                   "bff/wsgi.py", "bff/gunicorn_conf.py", "bff/emulator/templates/builder.html"):
        assert wanted in names, wanted
    assert any(re.fullmatch(r"craftkit_bff-[^/]+\.dist-info/licenses/LICENSE", n) for n in names)
    assert not [n for n in names if n.startswith(("tests/", "benchmarks/"))]


def test_installed_version_matches(installed, elsewhere):
    from bff import __version__

    out = subprocess.run([str(installed / "craftkit-bff"), "--version"], capture_output=True,
                         text=True, timeout=60, check=True, **elsewhere)
    assert out.stdout.strip() == f"craftkit-bff {__version__}"


def test_installed_demo_serves_pages_element_and_sessions(installed, elsewhere):
    port, emulator_port = free_port(), free_port()
    args = [str(installed / "craftkit-bff"), "demo", "--port", str(port),
            "--emulator-port", str(emulator_port)]
    base = f"http://127.0.0.1:{port}"
    with run_process(args, elsewhere["env"], base + "/signin", cwd=elsewhere["cwd"]):
        browser = requests.Session()
        assert browser.get(base + "/signin", timeout=10).status_code == 200
        element = browser.get(base + "/static/craftkit-embed.js", timeout=10)
        assert element.status_code == 200 and "craftkit-embed" in element.text
        signed_in = browser.post(base + "/signin", data={"user": "ada"}, timeout=10,
                                 headers={"Origin": base})
        assert signed_in.status_code == 200 and "craftkit-embed" in signed_in.text
        minted = browser.post(base + "/api/craftkit/session", timeout=10,
                              json={"mode": "create", "tenantExternalId": "acme"},
                              headers={"Origin": base})
        assert minted.status_code == 200, minted.text


@pytest.mark.parametrize("server", ["serve", "gunicorn"])
def test_installed_bff_deploys_from_an_empty_directory(installed, elsewhere, server):
    emulator_port, port = free_port(), free_port()
    emulator = f"http://127.0.0.1:{emulator_port}"
    env = {**elsewhere["env"], "CRAFTKIT_ADMIN_KEY": ADMIN_KEY,
           "CRAFTKIT_EMULATOR_ACCOUNT_KEYS": "ck_acct_wheel_smoke_0123456789"}
    emulator_args = [str(installed / "craftkit-bff"), "emulator", "--port", str(emulator_port)]
    bff_env = {**env, "CRAFTKIT_BASE_URL": emulator, "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET,
               "CRAFTKIT_BIND": f"127.0.0.1:{port}"}
    command = ([str(installed / "craftkit-bff"), "serve", "--workers", "1"]
               if server == "serve" else
               [str(installed / "gunicorn"), "-c", "python:bff.gunicorn_conf", "bff.wsgi:app",
                "--workers", "1", "--no-control-socket"])
    base = f"http://127.0.0.1:{port}"
    with run_process(emulator_args, env, emulator + "/v1/embed/renders", cwd=elsewhere["cwd"]), \
            run_process(command, bff_env, base + "/healthz", cwd=elsewhere["cwd"]):
        token = mint_jwt(JWT_SECRET, "wes", ["acme"], expires_in=300)
        minted = requests.post(base + "/api/craftkit/session", json={"mode": "create"},
                               headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert minted.status_code == 200, minted.text
        assert requests.get(base + "/readyz", timeout=10).json()["status"] == "ready"
    assert not os.listdir(elsewhere["cwd"]) or set(os.listdir(elsewhere["cwd"])) <= {".cache"}

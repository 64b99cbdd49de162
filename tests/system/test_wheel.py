"""The built wheel as pip users get it: the core install and each extra, each in a fresh
virtualenv outside the checkout, run from an empty directory.

The core install serves the BFF (admin mode, ``craftkit-bff serve``) and nothing more; each
feature beyond it names the extra it needs; each extra, installed alone, runs its feature.
This builds the wheel and installs it with its dependencies from the package index (one
virtualenv per extra), so it takes a few minutes; it is what a pip user gets.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from bff.extras import EXTRAS
from tests.support import ROOT
from tests.support.redis_server import require_redis_server, running_redis
from tests.support.secrets import secret
from tests.support.servers import free_port, run_process
from tests.support.tokens import mint_jwt

ADMIN_KEY = "ck_admin_wheel_smoke_0123456789abcdef"
ACCOUNT_KEY = "ck_acct_wheelsmoke0123456789"
JWT_SECRET = secret("wheel-smoke-jwt-secret-0123456789abcdef")
REGISTRY_SECRET = secret("wheel-smoke-registry-secret-0123456789")
# What each extra brings, by the module its feature imports: none is in the core install.
OPTIONAL_MODULES = {"redis": "redis", "registry": "sqlalchemy", "postgres": "psycopg",
                    "gunicorn": "gunicorn", "otel": "opentelemetry.sdk", "emulator": "fpdf"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out),
                    str(ROOT)], check=True, timeout=600)
    (built,) = out.glob("craftkit_bff-*.whl")
    return built


@pytest.fixture(scope="module")
def install(wheel, tmp_path_factory):
    """install(extra) -> the bin directory of a fresh virtualenv with the wheel[extra]."""
    made: dict[str | None, Path] = {}

    def _install(extra: str | None = None) -> Path:
        if extra not in made:
            venv = tmp_path_factory.mktemp(f"venv-{extra or 'core'}")
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
            target = f"{wheel}[{extra}]" if extra else str(wheel)
            subprocess.run([str(venv / "bin" / "pip"), "install", "-q", target],
                           check=True, timeout=900)
            made[extra] = venv / "bin"
        return made[extra]

    return _install


@pytest.fixture
def elsewhere(tmp_path) -> dict:
    """Run from an empty directory, with a clean environment: nothing of the checkout."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    return {"cwd": str(tmp_path), "env": env}


@pytest.fixture
def emulator(install, elsewhere):
    """The emulator, run by the [emulator] install's own command; yield its URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**elsewhere["env"], "CRAFTKIT_ADMIN_KEY": ADMIN_KEY,
           "CRAFTKIT_EMULATOR_ACCOUNT_KEYS": ACCOUNT_KEY,
           "CRAFTKIT_EMULATOR_ACCOUNT_EMBED": "true"}
    command = [str(install("emulator") / "craftkit-bff"), "emulator", "--port", str(port)]
    with run_process(command, env, url + "/v1/embed/renders", cwd=elsewhere["cwd"]):
        yield url


def bff_env(elsewhere, emulator, port, **settings) -> dict:
    return {**elsewhere["env"], "CRAFTKIT_BASE_URL": emulator,
            "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET, "CRAFTKIT_BIND": f"127.0.0.1:{port}",
            **settings}


def serve(bin_dir: Path, env: dict, elsewhere: dict, port: int, server: str = "serve"):
    command = ([str(bin_dir / "craftkit-bff"), "serve", "--workers", "1"]
               if server == "serve" else
               [str(bin_dir / "gunicorn"), "-c", "python:bff.gunicorn_conf", "bff.wsgi:app",
                "--workers", "1", "--no-control-socket"])
    return run_process(command, env, f"http://127.0.0.1:{port}/healthz", cwd=elsewhere["cwd"])


def mint(port: int, org: str = "acme") -> requests.Response:
    token = mint_jwt(JWT_SECRET, "wes", [org], expires_in=300)
    return requests.post(f"http://127.0.0.1:{port}/api/craftkit/session",
                         json={"mode": "create"}, timeout=10,
                         headers={"Authorization": f"Bearer {token}"})


def run(bin_dir: Path, args: list[str], elsewhere: dict, **env: str):
    return subprocess.run([str(bin_dir / args[0]), *args[1:]], capture_output=True, text=True,
                          timeout=120, cwd=elsewhere["cwd"], env={**elsewhere["env"], **env})


def test_wheel_ships_what_the_package_serves(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for wanted in ("bff/static/craftkit-embed.js", "bff/static/craftkit-embed.d.ts",
                   "bff/static/embed/define.js", "bff/static/embed/package.json",
                   "bff/templates/signin.html", "bff/templates/demo.html", "bff/py.typed",
                   "bff/demo/catalog.json",
                   "bff/wsgi.py", "bff/gunicorn_conf.py", "bff/emulator/templates/builder.html"):
        assert wanted in names, wanted
    assert any(re.fullmatch(r"craftkit_bff-[^/]+\.dist-info/licenses/LICENSE", n) for n in names)
    assert not [n for n in names if n.startswith(("tests/", "benchmarks/", "examples/"))]
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("/METADATA")))
    declared = set(re.findall(r"^Provides-Extra: (\S+)$", metadata.decode(), re.M))
    assert declared == set(EXTRAS) | {"dev"}


def test_the_core_install_is_lean_and_names_the_extra_each_feature_needs(install, elsewhere):
    core = install()
    found = run(core, ["python", "-c", "import importlib.util as u; print(sorted(m for m in "
                       f"{sorted(OPTIONAL_MODULES.values())!r} if u.find_spec(m.split('.')[0])))"],
                elsewhere)
    assert found.stdout.strip() == "[]", found.stdout + found.stderr
    base = {"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_BIND": f"127.0.0.1:{free_port()}"}
    cases = [
        (["craftkit-bff", "emulator"], {"CRAFTKIT_ADMIN_KEY": ADMIN_KEY}, "emulator"),
        (["craftkit-bff", "demo"], {}, "demo"),
        (["craftkit-bff", "serve"], {**base, "CRAFTKIT_CACHE_URL": "redis://127.0.0.1:1/0"},
         "redis"),
        (["craftkit-bff", "serve"], {**base, "CRAFTKIT_ADMIN_KEY": "",
                                     "CRAFTKIT_ACCOUNT_KEY": ACCOUNT_KEY,
                                     "CRAFTKIT_REGISTRY_SECRET": REGISTRY_SECRET}, "registry"),
        (["craftkit-bff", "serve"], {**base, "CRAFTKIT_REGISTRY_URL":
                                     "postgresql://u:p@127.0.0.1:1/db"}, "postgres"),
        (["craftkit-bff", "serve"], {**base, "CRAFTKIT_OTEL": "true"}, "otel"),
        (["craftkit-bff", "tenants", "list"], {"CRAFTKIT_ADMIN_KEY": ADMIN_KEY,
                                               "CRAFTKIT_REGISTRY_URL": "sqlite:///r.db"},
         "registry"),
    ]
    for args, env, extra in cases:
        done = run(core, args, elsewhere, **env)
        assert done.returncode != 0, (args, env)
        assert f"pip install 'craftkit-bff[{extra}]'" in done.stderr, (args, done.stderr)
        assert "Traceback" not in done.stderr, done.stderr
    assert os.listdir(elsewhere["cwd"]) == []


def test_installed_version_matches(install, elsewhere):
    from bff import __version__

    out = run(install(), ["craftkit-bff", "--version"], elsewhere)
    assert out.stdout.strip() == f"craftkit-bff {__version__}"


@pytest.mark.parametrize("server", ["serve", "gunicorn"])
def test_the_core_install_and_the_gunicorn_extra_deploy_from_an_empty_directory(
        install, elsewhere, emulator, server):
    port = free_port()
    bin_dir = install() if server == "serve" else install("gunicorn")
    env = bff_env(elsewhere, emulator, port, CRAFTKIT_ADMIN_KEY=ADMIN_KEY)
    with serve(bin_dir, env, elsewhere, port, server):
        minted = mint(port)
        assert minted.status_code == 200, minted.text
        assert requests.get(f"http://127.0.0.1:{port}/readyz", timeout=10).json()[
            "status"] == "ready"
    assert not os.listdir(elsewhere["cwd"]) or set(os.listdir(elsewhere["cwd"])) <= {".cache"}


def test_the_demo_extra_runs_the_demo_in_both_modes(install, elsewhere):
    demo = install("demo")
    for mode in ([], ["--account"]):
        port, emulator_port = free_port(), free_port()
        args = [str(demo / "craftkit-bff"), "demo", "--port", str(port),
                "--emulator-port", str(emulator_port), *mode]
        base = f"http://127.0.0.1:{port}"
        with run_process(args, elsewhere["env"], base + "/signin", cwd=elsewhere["cwd"]):
            browser = requests.Session()
            element = browser.get(base + "/static/craftkit-embed.js", timeout=10)
            assert element.status_code == 200 and "craftkit-embed" in element.text
            signed_in = browser.post(base + "/signin", data={"user": "ada"}, timeout=10,
                                     headers={"Origin": base})
            assert signed_in.status_code == 200 and "craftkit-embed" in signed_in.text
            minted = browser.post(base + "/api/craftkit/session", timeout=10,
                                  json={"mode": "create", "tenantExternalId": "acme"},
                                  headers={"Origin": base})
            assert minted.status_code == 200, (mode, minted.text)


def test_the_redis_extra_shares_keys_through_redis(install, elsewhere, emulator):
    require_redis_server()
    port = free_port()
    with running_redis() as server:
        env = bff_env(elsewhere, emulator, port, CRAFTKIT_ADMIN_KEY=ADMIN_KEY,
                      CRAFTKIT_CACHE_URL=server.url)
        with serve(install("redis"), env, elsewhere, port):
            assert mint(port).status_code == 200
            ready = requests.get(f"http://127.0.0.1:{port}/readyz", timeout=10).json()
            assert ready["checks"]["key_store"] == "ok"
            assert server.client().dbsize() >= 1  # the org's sealed key


def test_the_registry_extra_keeps_account_mode_in_a_private_sqlite_file(
        install, elsewhere, emulator):
    port = free_port()
    env = bff_env(elsewhere, emulator, port, CRAFTKIT_ACCOUNT_KEY=ACCOUNT_KEY,
                  CRAFTKIT_REGISTRY_SECRET=REGISTRY_SECRET)
    with serve(install("registry"), env, elsewhere, port):
        assert mint(port).status_code == 200
    registry = Path(elsewhere["cwd"]) / "craftkit-registry.sqlite3"
    assert stat.S_IMODE(registry.stat().st_mode) == 0o600


def test_the_postgres_extra_keeps_the_registry_in_postgresql(install, elsewhere, emulator,
                                                             postgres):
    port = free_port()
    url = postgres.new_database()
    env = bff_env(elsewhere, emulator, port, CRAFTKIT_ACCOUNT_KEY=ACCOUNT_KEY,
                  CRAFTKIT_REGISTRY_SECRET=REGISTRY_SECRET, CRAFTKIT_REGISTRY_URL=url)
    with serve(install("postgres"), env, elsewhere, port):
        assert mint(port).status_code == 200
    assert postgres.query(url, "SELECT org_id, state FROM craftkit_tenants") == [
        ("acme", "keyed")]


class Collector(BaseHTTPRequestHandler):
    """An OTLP/HTTP endpoint that keeps what it is sent."""

    received: list[bytes] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self.received.append(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        """Quiet."""


def test_the_otel_extra_exports_spans_over_otlp(install, elsewhere, emulator):
    collector = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=collector.serve_forever, daemon=True).start()
    port = free_port()
    env = bff_env(elsewhere, emulator, port, CRAFTKIT_ADMIN_KEY=ADMIN_KEY, CRAFTKIT_OTEL="true",
                  OTEL_SERVICE_NAME="wheel-smoke", OTEL_BSP_SCHEDULE_DELAY="100",
                  OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{collector.server_port}")
    try:
        with serve(install("otel"), env, elsewhere, port):
            assert mint(port).status_code == 200
            deadline = time.monotonic() + 20
            while b"POST /api/craftkit/session" not in b"".join(Collector.received):
                assert time.monotonic() < deadline, "no span reached the OTLP endpoint"
                time.sleep(0.1)
    finally:
        collector.shutdown()
        collector.server_close()
    sent = b"".join(Collector.received)
    assert b"wheel-smoke" in sent and b"POST /v1/embed/sessions" in sent
    assert ADMIN_KEY.encode() not in sent and JWT_SECRET.encode() not in sent

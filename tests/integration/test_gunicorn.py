"""`gunicorn wsgi:app` with only environment configuration serves the five routes."""

import sys
from pathlib import Path

import pytest
import requests

from bff.emulator import create_emulator_app
from tests.servers import free_port, run_process, serve_app

from .conftest import ADMIN_KEY, JWT_SECRET, token_for

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def gunicorn_bff():
    app = create_emulator_app({"ADMIN_KEY": ADMIN_KEY, "ACCOUNT_KEYS": []})
    with serve_app(app) as emulator_url:
        port = free_port()
        env = {"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET,
               "CRAFTKIT_BASE_URL": emulator_url}
        args = [sys.executable, "-m", "gunicorn", "wsgi:app", "--bind", f"127.0.0.1:{port}",
                "--workers", "2", "--threads", "4", "--no-control-socket",
                "--chdir", str(ROOT)]
        with run_process(args, env, f"http://127.0.0.1:{port}/healthz"):
            yield f"http://127.0.0.1:{port}"


def test_gunicorn_serves_the_routes_to_a_jwt_caller(gunicorn_bff):
    auth = {"Authorization": f"Bearer {token_for('gina', ('acme',))}"}
    api = gunicorn_bff + "/api/craftkit"
    minted = requests.post(api + "/session", json={"mode": "create"}, headers=auth, timeout=10)
    assert minted.status_code == 200, minted.text
    # Two workers: a seal made by one opens on the other (try a few times to hit both).
    sealed = minted.json()["renew_token"]
    for _ in range(4):
        refreshed = requests.post(api + "/refresh", json={"renewToken": sealed}, headers=auth,
                                  timeout=10)
        assert refreshed.status_code == 200, refreshed.text
        sealed = refreshed.json()["renew_token"]
    for route in ("/templates", "/renders"):
        assert requests.get(api + route, headers=auth, timeout=10).status_code == 200
    missing = requests.get(api + "/renders/nope/download", headers=auth, timeout=10)
    assert missing.status_code == 404
    assert requests.get(api + "/templates", timeout=10).status_code == 401
    assert requests.get(gunicorn_bff + "/readyz", timeout=10).status_code == 200


def test_gunicorn_without_admin_key_fails_at_start_up():
    import subprocess

    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "wsgi:app", "--bind", f"127.0.0.1:{free_port()}",
         "--no-control-socket", "--chdir", str(ROOT)],
        env={"PATH": "/usr/bin:/bin", "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET},
        capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "CRAFTKIT_ADMIN_KEY" in result.stdout + result.stderr


def test_gunicorn_metrics_add_up_across_workers():
    app = create_emulator_app({"ADMIN_KEY": ADMIN_KEY, "ACCOUNT_KEYS": []})
    with serve_app(app) as emulator_url:
        port = free_port()
        env = {"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET,
               "CRAFTKIT_BASE_URL": emulator_url, "CRAFTKIT_METRICS": "true"}
        args = [sys.executable, "-m", "gunicorn", "wsgi:app", "--bind", f"127.0.0.1:{port}",
                "--workers", "2", "--no-control-socket", "--chdir", str(ROOT)]
        base = f"http://127.0.0.1:{port}"
        with run_process(args, env, base + "/healthz"):
            auth = {"Authorization": f"Bearer {token_for('mia', ('acme',))}"}
            for _ in range(12):  # new connections, so both workers get some
                response = requests.get(base + "/api/craftkit/templates", headers=auth,
                                        timeout=10)
                assert response.status_code == 200
            text = requests.get(base + "/metrics", timeout=10).text
    total = sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                if line.startswith("craftkit_bff_requests_total{")
                and 'route="/api/craftkit/templates"' in line)
    assert total == 12
    provisions = [line for line in text.splitlines()
                  if line.startswith("craftkit_bff_provision_calls_total")]
    assert 1 <= float(provisions[0].rsplit(" ", 1)[1]) <= 2  # at most one per worker

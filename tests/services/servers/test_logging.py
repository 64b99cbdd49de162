"""A deployed BFF writes one line per request, from any directory, in text or JSON."""

from __future__ import annotations

import json
import sys
import tempfile

import requests

from tests.support.servers import free_port, run_process

from .conftest import ADMIN_KEY, JWT_SECRET, token_for


def _serve_and_log(emulator: str, fmt: str) -> str:
    port = free_port()
    env = {"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET,
           "CRAFTKIT_BASE_URL": emulator, "CRAFTKIT_LOG_FORMAT": fmt}
    # Run from an empty directory: the shipped configuration comes from the package.
    args = [sys.executable, "-m", "gunicorn", "-c", "python:bff.gunicorn_conf",
            "bff.wsgi:app", "--bind", f"127.0.0.1:{port}", "--workers", "1",
            "--no-control-socket"]
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as empty, tempfile.TemporaryFile() as output:
        with run_process(args, env, base + "/healthz", output=output, cwd=empty):
            auth = {"Authorization": f"Bearer {token_for('lou', ('acme',))}",
                    "X-Request-ID": f"log-{fmt}"}
            response = requests.get(base + "/api/craftkit/templates", headers=auth,
                                    timeout=10)
            assert response.status_code == 200
        output.seek(0)
        return output.read().decode()


def test_gunicorn_writes_a_text_request_line(emulator_url):
    text = _serve_and_log(emulator_url, "text")
    lines = [line for line in text.splitlines() if " bff.request " in line]
    assert len(lines) == 1, text
    assert " INFO bff.request GET /api/craftkit/templates 200 " in lines[0]
    assert lines[0].endswith("org=acme request_id=log-text")


def test_gunicorn_writes_json_request_lines(emulator_url):
    text = _serve_and_log(emulator_url, "json")
    records = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    (line,) = [r for r in records if r.get("logger") == "bff.request"]
    assert (line["status"], line["org_id"], line["request_id"]) == (200, "acme", "log-json")
    assert line["route"] == "/api/craftkit/templates" and line["level"] == "INFO"

"""Mislabelled downloads, control characters and noisy neighbours, over real HTTP."""

from __future__ import annotations

import sys

import pytest
import requests

from tests.support import ROOT
from tests.support.hostile_craftkit import Answer, json_answer
from tests.support.servers import free_port, run_process

from .conftest import ADMIN_KEY, JWT_SECRET, auth, bff_app

DOWNLOAD = "/v1/embed/renders/r1/download"
PDF = b"%PDF-1.4\n" + b"x" * 5000 + b"\n%%EOF\n"


@pytest.fixture
def gunicorn_bff(craftkit):
    """The BFF under gunicorn (as deployed), against the double."""
    port = free_port()
    env = {"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET,
           "CRAFTKIT_BASE_URL": craftkit.url, "CRAFTKIT_TIMEOUT": "0.5,2"}
    args = [sys.executable, "-m", "gunicorn", "wsgi:app", "--bind", f"127.0.0.1:{port}",
            "--workers", "1", "--threads", "4", "--no-control-socket", "--chdir", str(ROOT)]
    url = f"http://127.0.0.1:{port}"
    with run_process(args, env, url + "/healthz"):
        yield url + "/api/craftkit"


@pytest.mark.parametrize("headers", [
    [("Content-Type", "application/pdf"),
     ("Content-Disposition", 'attachment; filename="a\x01\x0bb\x7f.pdf"')],
    [("Content-Type", "application/pdf\x0b")], [("ETag", '"\x00\x85"')],
    [("Last-Modified", "\x1b[31m")], [("Content-Type", "application/pdf"), ("X-Evil", "\x01")],
])
def test_control_characters_in_upstream_headers_are_never_a_500(gunicorn_bff, craftkit,
                                                                headers):
    craftkit.answer(DOWNLOAD, Answer(200, headers, PDF))
    response = requests.get(gunicorn_bff + "/renders/r1/download", headers=auth(), timeout=10)
    assert response.status_code == 200
    assert response.content == PDF
    for name, value in response.headers.items():
        assert value.isprintable(), (name, value)


@pytest.mark.parametrize(("content_type", "disposition"), [
    ("text/html", 'inline; filename="x.html"'), ("image/svg+xml", "inline"),
    ("application/xhtml+xml", None)])
def test_a_page_labelled_as_a_download_never_reaches_the_browser(gunicorn_bff, craftkit,
                                                                content_type, disposition):
    headers = [("Content-Type", content_type)]
    if disposition:
        headers.append(("Content-Disposition", disposition))
    craftkit.answer(DOWNLOAD, Answer(200, headers, b"<html><script>alert(1)</script></html>"))
    response = requests.get(gunicorn_bff + "/renders/r1/download", headers=auth(), timeout=10)
    assert response.status_code == 502
    assert response.headers["Content-Type"] == "application/json"
    assert b"<script>" not in response.content


def test_one_orgs_slow_downloads_leave_other_orgs_served(craftkit):
    # Threshold 2: before, two read timeouts opened the process-wide circuit for everyone.
    app = bff_app(craftkit, CRAFTKIT_BREAKER_THRESHOLD=2)
    client = app.test_client()
    # Its answers start with a byte every 1.5 s: each read outlasts the 1 s read timeout.
    craftkit.answer(DOWNLOAD, Answer(200, [("Content-Type", "application/pdf")], PDF,
                                     drip=1, interval=1.5, drip_head=True))
    for _ in range(3):
        response = client.get("/api/craftkit/renders/r1/download", headers=auth(orgs=("slow",)))
        assert response.status_code == 504
    craftkit.answer("/v1/embed/builder/templates", json_answer({"data": []}))
    other = client.get("/api/craftkit/templates", headers=auth("bo", ("calm",)))
    assert other.status_code == 200
    app.extensions["craftkit_bff"].upstream.close()

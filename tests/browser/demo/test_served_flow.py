"""A browser fills a form and downloads its PDF through the BFF run by `craftkit-bff serve`.

The deployment a user builds: their app's origin serves the page and, like the buffering
proxy in front of it, passes /api/craftkit/* to the BFF process; the identity is a JWT in
the app's cookie (so every POST is CSRF-checked); Craftkit is the emulator, a second origin.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask, Response, redirect, request, send_from_directory

from bff.emulator import create_emulator_app
from tests.support import ROOT
from tests.support.secrets import secret
from tests.support.servers import bff_command, free_port, run_process, serve_app
from tests.support.tokens import mint_jwt

ADMIN_KEY = "ck_admin_served_flow_0123456789abcdef"
JWT_SECRET = secret("served-flow-jwt-secret-0123456789abcdef")
COOKIE = "host_jwt"
STATIC = ROOT / "bff" / "static"
TOKEN_LIKE = re.compile(r"eyJ[\w-]{10,}|\bv1\.[\w-]{20,}|ckr_|ck_live_|rt_")
PASSED_UP = ("Content-Type", "Cookie", "Origin", "Sec-Fetch-Site", "Accept", "X-Request-ID")
PASSED_DOWN = ("Content-Type", "Content-Length", "Content-Disposition", "Cache-Control",
               "X-Request-ID", "X-Content-Type-Options")
PAGE = """<!doctype html>
<title>Served flow</title>
<script type="module" src="/static/craftkit-embed.js"></script>
<craftkit-embed mode="fill" tenant="acme" template="{template}"></craftkit-embed>
<script>
  window.completed = [];
  document.querySelector("craftkit-embed").addEventListener(
    "craftkit:completed", (event) => window.completed.push(event.detail));
</script>
"""


def token(sub: str = "sam") -> str:
    return mint_jwt(JWT_SECRET, sub, ["acme"], names={"acme": "Acme Corp"}, expires_in=900,
                    name="Sam Served")


def create_host_app(bff_url: str, template_id: str) -> Flask:
    """The user's app: the page, the element's file, sign-in, and /api/craftkit passed on."""
    app = Flask("host", static_folder=None)

    @app.get("/")
    def page():
        return PAGE.format(template=template_id)

    @app.get("/static/<path:name>")
    def static_file(name):
        return send_from_directory(STATIC, name)

    @app.get("/signin")
    def signin():
        response = redirect("/")
        response.set_cookie(COOKIE, token(), httponly=True, samesite="Lax")
        return response

    @app.route("/api/craftkit/<path:rest>", methods=["GET", "POST"])
    def pass_on(rest):
        headers = {k: v for k, v in request.headers.items() if k in PASSED_UP}
        headers["Host"] = request.host  # the BFF compares Origin with the public host
        upstream = requests.request(request.method, f"{bff_url}/api/craftkit/{rest}",
                                    params=request.args, headers=headers,
                                    data=request.get_data(), stream=True, timeout=30)
        # Header names are case-insensitive (granian sends them in lower case).
        passed = {name: upstream.headers[name] for name in PASSED_DOWN
                  if name in upstream.headers}
        response = Response(upstream.raw.stream(64 * 1024, decode_content=False),
                            status=upstream.status_code, headers=passed)
        response.call_on_close(upstream.close)
        return response

    return app


def seed_template(bff_url: str) -> str:
    """Publish a one-field template for acme through the BFF and the iframe API."""
    auth = {"Authorization": f"Bearer {token('seeder')}"}
    session = requests.post(bff_url + "/api/craftkit/session", json={"mode": "create"},
                            headers=auth, timeout=10).json()
    origin = session["iframe_url"].split("/embed/")[0]
    answer = requests.post(origin + "/v1/embed/iframe/templates", timeout=10,
                           headers={"Authorization": f"Bearer {session['session_token']}"},
                           json={"name": "Served form", "fields": [
                               {"key": "customer.name", "label": "Name", "dataType": "text",
                                "required": True}]})
    assert answer.status_code == 201, answer.text
    return answer.json()["template"]["id"]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """Emulator, the BFF under `craftkit-bff serve`, and the host app in front of it."""
    emulator = create_emulator_app({"ADMIN_KEY": ADMIN_KEY, "ACCOUNT_KEYS": []})
    with serve_app(emulator) as emulator_url:
        port = free_port()
        bff_url = f"http://127.0.0.1:{port}"
        env = {"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_BASE_URL": emulator_url,
               "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET, "CRAFTKIT_AUTH_JWT_COOKIE": COOKIE}
        with run_process(bff_command("serve", port), env, bff_url + "/healthz",
                         cwd=str(tmp_path_factory.mktemp("served"))):
            template_id = seed_template(bff_url)
            with serve_app(create_host_app(bff_url, template_id)) as host_url:
                yield host_url


def test_served_bff_fill_a_form_and_download_its_pdf(browser, served):
    context = browser.new_context(accept_downloads=True)
    context.set_default_timeout(15_000)
    errors: list[str] = []
    context.on("weberror", lambda error: errors.append(str(error.error)))
    page = context.new_page()
    try:
        page.goto(served + "/signin")
        page.wait_for_selector("craftkit-embed[data-state=ready]")
        frame = page.frame_locator("craftkit-embed iframe")
        frame.locator("[data-testid=session-status][data-state=active]").wait_for()
        frame.get_by_test_id("field-customer.name").fill("Grace Hopper")
        frame.get_by_test_id("submit").click()
        page.wait_for_function("() => window.completed.length > 0")
        render_id = page.evaluate("() => window.completed[0].renderId")
        download = page.request.get(
            f"{served}/api/craftkit/renders/{render_id}/download?tenantExternalId=acme")
        assert download.status == 200
        assert download.headers["content-type"] == "application/pdf"
        assert download.body().startswith(b"%PDF")
        # A cross-site POST riding on the cookie is refused by the served BFF too.
        forged = page.request.post(served + "/api/craftkit/session", data={"mode": "create"},
                                   headers={"Origin": "https://evil.example"})
        assert (forged.status, forged.json()["error"]) == (403, "forbidden")
        assert not TOKEN_LIKE.search(page.content())
        assert urlsplit(page.url).path == "/"
    finally:
        context.close()
    assert errors == []

"""The demo's pages and seeding over real HTTP (no browser): sign-in, sign-out, CSP, catalog."""

from __future__ import annotations

import pytest
import requests

from bff.page.csp import craftkit_origin


@pytest.fixture
def http(demo):
    with requests.Session() as session:
        yield session


def sign_in(http, demo, user="ada") -> requests.Response:
    return http.post(demo.url + "signin", data={"user": user}, timeout=5,
                     headers={"Origin": demo.url.rstrip("/")})


def test_index_sends_a_visitor_to_sign_in_first(http, demo):
    for path in ("", "demo"):
        response = http.get(demo.url + path, allow_redirects=False, timeout=5)
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/signin")


def test_signin_page_lists_every_seeded_user(http, demo):
    page = http.get(demo.url + "signin", timeout=5).text
    for name in ("Ada Lovelace", "Bob Martin", "Grace Hopper", "Acme Corp", "Globex"):
        assert name in page


def test_signin_opens_the_host_page_with_a_csp_that_frames_only_craftkit(http, demo):
    response = sign_in(http, demo)
    assert response.url == demo.url + "demo"
    assert "Ada Lovelace" in response.text and "<craftkit-embed" in response.text
    policy = dict(part.split(" ", 1) for part in
                  response.headers["Content-Security-Policy"].split("; "))
    assert policy["frame-src"] == demo.emulator_url
    assert policy["script-src"] == "'self'"
    assert policy["default-src"] == "'self'"
    assert policy["frame-ancestors"] == "'self'"


def test_signin_refuses_another_site_and_an_unknown_user(http, demo):
    forged = http.post(demo.url + "signin", data={"user": "ada"}, timeout=5,
                       headers={"Origin": "http://evil.example"}, allow_redirects=False)
    assert forged.status_code == 403
    unknown = sign_in(http, demo, user="mallory")
    assert unknown.status_code == 400
    assert "Pick one of the users" in unknown.text
    assert http.get(demo.url + "api/craftkit/templates", timeout=5).status_code == 401


def test_signout_ends_the_bff_identity(http, demo):
    sign_in(http, demo, user="bob")
    assert http.get(demo.url + "api/craftkit/templates", timeout=5).status_code == 200
    response = http.post(demo.url + "signout", timeout=5,
                         headers={"Origin": demo.url.rstrip("/")})
    assert response.url == demo.url + "signin"
    assert http.get(demo.url + "api/craftkit/templates", timeout=5).status_code == 401


def test_every_org_gets_the_demo_catalog_in_its_sessions(http, demo):
    sign_in(http, demo, user="ada")
    for org in ("acme", "globex"):
        session = http.post(demo.url + "api/craftkit/session", timeout=5,
                            json={"mode": "create", "tenantExternalId": org}).json()
        context = requests.get(demo.emulator_url + "/v1/embed/iframe/context", timeout=5,
                               headers={"Authorization": f"Bearer {session['session_token']}"})
        assert context.json()["tenant"]["externalId"] == org
        assert context.json()["catalogName"] == "demo-catalog-v1"
        keys = [f["key"] for ns in context.json()["catalog"]["namespaces"] for f in ns["fields"]]
        assert {"customer.name", "customer.email", "customer.company"} <= set(keys)
    # The BFF published it (CRAFTKIT_CATALOG_FILE), once per org, not the demo's seeding.
    counts = demo.emulator_app.extensions["craftkit_emulator"]["publishes"]
    assert sorted(counts.values()) == [1, 1]


def test_emulator_pages_may_be_framed_only_by_the_demo_page(demo):
    response = requests.get(demo.emulator_url + "/embed/builder", timeout=5)
    port = demo.url.rstrip("/").rsplit(":", 1)[1]
    ancestors = response.headers["Content-Security-Policy"].split("frame-ancestors ")[1]
    assert ancestors.split() == [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]
    assert craftkit_origin(demo.emulator_url + "/embed/builder") == demo.emulator_url

"""Request guards: body size, media type, JSON shape, identity and CSRF, in that order."""

import io
import json

import pytest

from bff import Identity, create_app, sign_in
from tests.support.craftkit_mock import ADMIN_KEY, BASE, bearer, expect_provision, session_payload

SESSION = "/api/craftkit/session"


def test_post_without_json_content_type_is_415(client, upstream):
    response = client.post(SESSION, data="{}", headers={**bearer(), "Content-Type": "text/plain"})
    assert response.status_code == 415
    assert response.json["error"] == "unsupported_media_type"


def test_post_form_encoded_is_415(client, upstream):
    response = client.post(SESSION, data={"mode": "create"}, headers=bearer())
    assert response.status_code == 415


def test_post_over_the_body_limit_is_413(client, upstream):
    body = json.dumps({"templateName": "x" * 70_000})
    response = client.post(SESSION, data=body, content_type="application/json",
                           headers=bearer())
    assert response.status_code == 413
    assert response.json["error"] == "payload_too_large"


def test_post_chunked_body_over_the_limit_is_413(client, upstream):
    # No Content-Length: the limit must hold while reading, not only from the header.
    stream = io.BytesIO(b'{"templateName": "' + b"x" * 70_000 + b'"}')
    response = client.post(SESSION, input_stream=stream, content_type="application/json",
                           headers={**bearer(), "Transfer-Encoding": "chunked"},
                           environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 413


@pytest.mark.parametrize("raw", [b"", b"not json", b"[1, 2]", b'"text"', b"null", b"42",
                                 b"\xff\xfe", b"[" * 50_000, b'{"a": }'])
def test_post_body_that_is_not_a_json_object_is_400(client, upstream, raw):
    response = client.post(SESSION, data=raw, content_type="application/json",
                           headers=bearer())
    assert response.status_code == 400
    assert response.json["error"] == "invalid_json"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Basic dXNlcjpwYXNz"},
                                     {"Authorization": "Bearer "},
                                     {"Authorization": "Bearer x.y.z"}])
def test_request_without_valid_identity_is_401(client, upstream, headers):
    for response in (client.post(SESSION, json={}, headers=headers),
                     client.get("/api/craftkit/templates", headers=headers)):
        assert response.status_code == 401
        assert response.json["error"] == "unauthenticated"


def test_wrong_method_is_405_json(client, upstream):
    response = client.get(SESSION, headers=bearer())
    assert response.status_code == 405
    assert response.json["error"] == "method_not_allowed"


def test_unknown_route_is_404_json(client, upstream):
    response = client.get("/api/craftkit/nope", headers=bearer())
    assert response.status_code == 404
    assert response.json["error"] == "not_found"


@pytest.fixture
def cookie_client(monkeypatch):
    """A BFF using the signed-session identity, signed in as user-1 of org-a."""
    monkeypatch.delenv("CRAFTKIT_ALLOWED_ORIGINS", raising=False)
    app = create_app({"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_BASE_URL": BASE,
                      "SECRET_KEY": "test-secret", "TESTING": True,
                      "CRAFTKIT_ALLOWED_ORIGINS": "https://partner.example"})

    @app.post("/test-sign-in")
    def test_sign_in():
        sign_in(Identity("user-1", "user-1@example.com", "User 1", {"org-a": "Org A"}))
        return "", 204

    client = app.test_client()
    client.post("/test-sign-in")
    return client


@pytest.mark.parametrize(("headers", "advice"), [
    ({"Origin": "https://evil.example"}, "CRAFTKIT_ALLOWED_ORIGINS"),
    ({"Origin": "null"}, "CRAFTKIT_ALLOWED_ORIGINS"),
    ({"Sec-Fetch-Site": "cross-site"}, "the app's own origin"),
    ({"Sec-Fetch-Site": "same-site"}, "the app's own origin"),
    ({"Origin": "https://evil.example", "Sec-Fetch-Site": "same-origin"},
     "CRAFTKIT_ALLOWED_ORIGINS"),
])
def test_cross_site_post_with_cookie_identity_is_403(cookie_client, upstream, headers, advice):
    response = cookie_client.post(SESSION, json={"mode": "create"}, headers=headers)
    assert response.status_code == 403
    assert advice in response.json["message"]


@pytest.mark.parametrize("headers", [{}, {"Origin": "http://localhost"},
                                     {"Sec-Fetch-Site": "same-origin"},
                                     {"Origin": "https://partner.example",
                                      "Sec-Fetch-Site": "cross-site"}])
def test_same_origin_or_allowed_post_with_cookie_identity_passes(cookie_client, upstream,
                                                                 headers):
    expect_provision(upstream)
    upstream.post(BASE + "/v1/embed/sessions", json=session_payload())
    response = cookie_client.post(SESSION, json={"mode": "create"}, headers=headers)
    assert response.status_code == 200, response.json


def test_cross_site_post_with_bearer_identity_is_not_csrf(client, upstream):
    expect_provision(upstream)
    upstream.post(BASE + "/v1/embed/sessions", json=session_payload())
    response = client.post(SESSION, json={"mode": "create"},
                           headers={**bearer(), "Origin": "https://other.example"})
    assert response.status_code == 200

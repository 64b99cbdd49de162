"""The upstream client: headers it sends, retries, and every failure's mapped error."""

import pytest
import requests
from urllib3.exceptions import ProtocolError

from bff import __version__
from tests.support.craftkit_mock import BASE, bearer, expect_provision, post_json, session_payload

TEMPLATES = BASE + "/v1/embed/builder/templates"


def test_upstream_calls_carry_user_agent_and_request_id(client, upstream):
    expect_provision(upstream)
    upstream.get(TEMPLATES, json={"data": []})
    response = client.get("/api/craftkit/templates",
                          headers={**bearer(), "X-Request-ID": "req-123"})
    assert response.headers["X-Request-ID"] == "req-123"
    for call in upstream.calls:
        assert call.request.headers["User-Agent"] == f"craftkit-bff/{__version__}"
        assert call.request.headers["X-Request-ID"] == "req-123"


def test_malformed_request_id_is_replaced(client, upstream):
    expect_provision(upstream)
    upstream.get(TEMPLATES, json={"data": []})
    response = client.get("/api/craftkit/templates",
                          headers={**bearer(), "X-Request-ID": "bad id\twith spaces"})
    assert response.headers["X-Request-ID"] != "bad id\twith spaces"
    assert len(response.headers["X-Request-ID"]) == 32


@pytest.mark.parametrize(("failure", "status", "code"), [
    (requests.ConnectTimeout("connect timed out"), 503, "craftkit_unavailable"),
    (requests.ReadTimeout("read timed out"), 504, "craftkit_timeout"),
    (requests.ConnectionError("refused"), 503, "craftkit_unavailable"),
    (requests.exceptions.ChunkedEncodingError("broken"), 502, "craftkit_upstream_error"),
])
def test_transport_failures_map_to_the_error_table(client, upstream, failure, status, code):
    expect_provision(upstream)
    upstream.post(BASE + "/v1/embed/sessions", body=failure)
    response = post_json(client, "/session", {"mode": "create"})
    assert response.status_code == status
    assert response.json["error"] == code
    # ...and the next request works normally.
    upstream.post(BASE + "/v1/embed/sessions", json=session_payload())
    assert post_json(client, "/session", {"mode": "create"}).status_code == 200


@pytest.mark.parametrize(("failure", "status", "code"), [
    (requests.ConnectionError("refused"), 503, "craftkit_unavailable"),
    (requests.ReadTimeout("slow"), 504, "craftkit_timeout"),
])
def test_provision_transport_failures_keep_their_meaning(client, upstream, failure, status,
                                                         code):
    upstream.post(BASE + "/v1/admin/provision", body=failure)
    response = post_json(client, "/session", {"mode": "create"})
    assert response.status_code == status
    assert response.json["error"] == code


@pytest.mark.parametrize("answer", [{"status": 500, "json": {"error": "boom"}},
                                    {"status": 200, "body": "<html>oops</html>"},
                                    {"status": 200, "json": ["not", "an", "object"]},
                                    {"status": 302, "headers": {"Location": "/elsewhere"}}])
def test_upstream_errors_and_garbage_are_502(client, upstream, answer):
    expect_provision(upstream)
    upstream.get(TEMPLATES, **answer)
    response = client.get("/api/craftkit/templates", headers=bearer())
    assert response.status_code == 502
    assert response.json["error"] == "craftkit_upstream_error"
    assert "boom" not in response.get_data(as_text=True)


def test_gets_are_retried_on_gateway_errors(client, upstream):
    expect_provision(upstream)
    upstream.get(TEMPLATES, status=503)
    upstream.get(TEMPLATES, status=504)
    upstream.get(TEMPLATES, json={"data": []})
    assert client.get("/api/craftkit/templates", headers=bearer()).status_code == 200


def test_session_posts_are_not_retried_on_gateway_errors(client, upstream):
    expect_provision(upstream)
    upstream.post(BASE + "/v1/embed/sessions", status=503)
    response = post_json(client, "/session", {"mode": "create"})
    assert response.status_code == 502
    assert len([c for c in upstream.calls if c.request.url.endswith("/sessions")]) == 1


def test_raw_urllib3_failure_is_still_a_json_502(client, upstream):
    expect_provision(upstream)
    upstream.get(BASE + "/v1/embed/renders/r1/download", body=ProtocolError("reset"))
    response = client.get("/api/craftkit/renders/r1/download", headers=bearer())
    assert response.status_code == 502
    assert response.json["error"] == "craftkit_upstream_error"


def test_readiness_reports_craftkit_without_taking_the_pod_out(app, client, upstream):
    upstream.get(BASE + "/", status=404)
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json["checks"]["configuration"] == "ok"
    assert ready.json["checks"]["craftkit"]["status"] == "ok"
    # A later look, once the last one is stale, sees Craftkit down: still ready.
    app.extensions["craftkit_bff"].upstream_health._interval = 0
    upstream.get(BASE + "/", body=requests.ConnectionError("down"))
    down = client.get("/readyz")
    assert down.status_code == 200
    assert down.json["status"] == "ready"
    assert down.json["checks"]["craftkit"]["status"] == "unreachable"
    assert "ck_" not in down.get_data(as_text=True)


def test_readiness_probes_craftkit_at_most_once_per_interval(client, upstream):
    upstream.get(BASE + "/", status=200)
    for _ in range(20):
        assert client.get("/readyz").status_code == 200
    assert len(upstream.calls) == 1


def test_liveness_needs_no_identity_or_upstream(client, upstream):
    assert client.get("/healthz").json == {"status": "ok"}


@pytest.mark.parametrize(("method", "path", "json_body", "params", "headers"), [
    ("POST", "/v1/embed/sessions", {"tenant": {"externalId": "org-ä"}, "n": [1, 2.5, None]},
     None, {}),
    ("GET", "/v1/embed/renders", None, {"limit": "5", "cursor": "a+b/c=", "status": "done"},
     {"Accept-Language": "fr-CH, fr;q=0.9"}),
    ("GET", "/v1/embed/renders/r_1/download", None, None, {"Accept-Encoding": "identity"}),
    ("POST", "/v1/embed/sessions/refresh", {}, None, {}),
])
def test_prepared_requests_are_what_requests_itself_would_send(app, method, path, json_body,
                                                               params, headers):
    upstream = app.extensions["craftkit_bff"].upstream
    ours = upstream._prepare(method, path, "ck_live_x", "rid-1", json_body, params, headers)
    theirs = upstream._session.prepare_request(requests.Request(
        method, upstream.base_url + path, json=json_body, params=params,
        headers={"Authorization": "Bearer ck_live_x", "X-Request-ID": "rid-1",
                 "Accept": "application/json", **headers}))
    assert (ours.method, ours.url, ours.body) == (theirs.method, theirs.url, theirs.body)
    assert dict(ours.headers) == dict(theirs.headers)


@pytest.fixture
def small_answers(config):
    from bff import create_app
    app = create_app({**config, "CRAFTKIT_MAX_ANSWER": 4096})
    yield app.test_client()
    app.extensions["craftkit_bff"].upstream.close()


@pytest.mark.parametrize("declared", [True, False])
def test_a_json_answer_over_the_cap_is_502(small_answers, upstream, declared):
    expect_provision(upstream)
    upstream.get(TEMPLATES, body=b'{"data": ["' + b"x" * 5000 + b'"]}',
                 content_type="application/json", auto_calculate_content_length=declared)
    response = small_answers.get("/api/craftkit/templates", headers=bearer())
    assert response.status_code == 502
    assert response.json["error"] == "craftkit_upstream_error"
    assert "CRAFTKIT_MAX_ANSWER" in response.json["message"]


def test_a_json_answer_at_the_cap_is_fine(small_answers, upstream):
    expect_provision(upstream)
    body = b'{"data": ["' + b"x" * (4096 - 14) + b'"]}'
    assert len(body) == 4096
    upstream.get(TEMPLATES, body=body, content_type="application/json")
    assert small_answers.get("/api/craftkit/templates", headers=bearer()).status_code == 200


def test_a_provision_answer_over_the_cap_is_a_provision_failure(small_answers, upstream):
    upstream.post(BASE + "/v1/admin/provision", body=b'{"apiKey": "' + b"k" * 5000 + b'"}',
                  content_type="application/json")
    response = post_json(small_answers, "/session", {"mode": "create"})
    assert (response.status_code, response.json["error"]) == (502, "craftkit_provision_failed")


def test_a_compressed_answer_we_did_not_ask_for_is_502(client, upstream):
    import gzip
    expect_provision(upstream)
    upstream.get(TEMPLATES, body=gzip.compress(b'{"data": []}'),
                 headers={"Content-Encoding": "gzip"}, content_type="application/json")
    response = client.get("/api/craftkit/templates", headers=bearer())
    assert response.status_code == 502
    assert upstream.calls[-1].request.headers["Accept-Encoding"] == "identity"


@pytest.mark.parametrize("code", ["ck_live_key_for_org_a", "ckr_upstream_renew", "ck_test_x"])
def test_an_error_code_shaped_like_a_key_never_reaches_the_browser(client, upstream, code):
    # A hostile or broken Craftkit could echo the key the call was made with as its code.
    expect_provision(upstream)
    upstream.get(BASE + "/v1/embed/builder/templates", status=404,
                  json={"error": {"code": code, "message": "x"}})
    response = client.get("/api/craftkit/templates", headers=bearer())
    assert response.status_code == 404
    assert "upstream_code" not in response.json
    assert code not in response.get_data(as_text=True)

"""One log line per request with the operator's fields, and no secret anywhere."""

import logging

from tests.support.craftkit_mock import (
    BASE,
    SECRETS,
    bearer,
    expect_provision,
    post_json,
    session_payload,
)


def test_one_log_line_per_request_with_fields(client, upstream, caplog):
    expect_provision(upstream)
    upstream.get(BASE + "/v1/embed/renders", json={"data": []})
    client.get("/api/craftkit/renders", headers={**bearer(), "X-Request-ID": "rid-1"})
    lines = [r for r in caplog.records if r.name == "bff.request"]
    assert len(lines) == 1
    record = lines[0]
    assert (record.method, record.path, record.status) == ("GET", "/api/craftkit/renders", 200)
    assert record.org_id == "org-a"
    assert record.request_id == "rid-1"
    assert record.duration_ms >= 0
    assert "GET /api/craftkit/renders 200" in record.getMessage()


def test_error_responses_are_logged_too(client, upstream, caplog):
    client.get("/api/craftkit/renders")
    (record,) = [r for r in caplog.records if r.name == "bff.request"]
    assert record.status == 401


def test_a_refused_org_is_named_in_the_log_line(client, upstream, caplog):
    answer = client.get("/api/craftkit/renders?tenantExternalId=org-z", headers=bearer())
    assert answer.status_code == 403
    (record,) = [r for r in caplog.records if r.name == "bff.request"]
    assert record.org_id == "org-z"
    assert "403" in record.getMessage() and "org=org-z" in record.getMessage()


def test_no_secret_in_any_response_across_a_whole_flow(client, upstream, caplog):
    caplog.set_level(logging.DEBUG)
    expect_provision(upstream)
    upstream.post(BASE + "/v1/embed/sessions", json=session_payload())
    upstream.post(BASE + "/v1/embed/sessions/refresh", json=session_payload())
    upstream.get(BASE + "/v1/embed/renders", status=500, json={"error": "ck_live_key_for_org_a"})
    responses_seen = [post_json(client, "/session", {"mode": "create"})]
    sealed = responses_seen[0].json["renew_token"]
    responses_seen.append(post_json(client, "/refresh", {"renewToken": sealed}))
    responses_seen.append(client.get("/api/craftkit/renders", headers=bearer()))
    responses_seen.append(post_json(client, "/refresh", {"renewToken": sealed + "x"}))
    for response in responses_seen:
        text = response.get_data(as_text=True) + str(dict(response.headers))
        assert not [s for s in SECRETS if s in text]

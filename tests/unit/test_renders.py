"""GET /templates, /renders and the streamed download: allow-lists, headers, streaming."""

import pytest
from responses import matchers

from tests.support.craftkit_mock import BASE, bearer, expect_provision, with_key

PDF = b"%PDF-1.4\n" + b"x" * 200_000 + b"\n%%EOF\n"


def test_list_templates_forwards_only_allowed_params_and_headers(client, upstream):
    expect_provision(upstream)
    upstream.get(BASE + "/v1/embed/builder/templates", json={"data": [{"id": "t1"}]},
                 match=[with_key("org-a"),
                        matchers.query_param_matcher({"limit": "5", "cursor": "abc"}),
                        matchers.header_matcher({"Accept-Language": "fr"})])
    response = client.get("/api/craftkit/templates?limit=5&cursor=abc&evil=1&apiKey=x",
                          headers={**bearer(), "Accept-Language": "fr", "Cookie": "sid=1"})
    assert response.status_code == 200
    assert response.json == {"data": [{"id": "t1"}]}
    assert response.headers["Cache-Control"] == "no-store"
    sent = upstream.calls[-1].request.headers
    assert "Cookie" not in sent
    assert sent["Authorization"] == "Bearer ck_live_key_for_org_a"


def test_list_renders_forwards_filters(client, upstream):
    expect_provision(upstream)
    upstream.get(BASE + "/v1/embed/renders", json={"data": []},
                 match=[matchers.query_param_matcher({"status": "completed",
                                                      "templateId": "tpl-1"})])
    response = client.get("/api/craftkit/renders?status=completed&templateId=tpl-1",
                          headers=bearer())
    assert response.status_code == 200


def test_list_renders_for_a_chosen_org(client, upstream):
    expect_provision(upstream, "org-b")
    upstream.get(BASE + "/v1/embed/renders", json={"data": []}, match=[with_key("org-b")])
    response = client.get("/api/craftkit/renders?tenantExternalId=org-b",
                          headers=bearer(orgs=("org-a", "org-b")))
    assert response.status_code == 200


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=abc", "limit=-1",
                                   "status=%00", "templateId=a/b", "cursor=" + "c" * 600,
                                   "tenantExternalId=", "tenantExternalId=%20"])
def test_list_with_invalid_query_is_400_without_upstream_call(client, upstream, query):
    response = client.get("/api/craftkit/renders?" + query, headers=bearer())
    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"


def test_list_for_a_foreign_org_is_403(client, upstream):
    response = client.get("/api/craftkit/templates?tenantExternalId=org-b", headers=bearer())
    assert response.status_code == 403


def test_list_upstream_rejection_uses_the_routes_code(client, upstream):
    expect_provision(upstream)
    upstream.get(BASE + "/v1/embed/renders", status=422,
                 json={"error": {"code": "invalid_request", "message": "bad cursor"}})
    response = client.get("/api/craftkit/renders?cursor=zzz", headers=bearer())
    assert response.status_code == 422
    assert response.json["error"] == "craftkit_renders_failed"


def test_download_streams_with_headers(client, upstream):
    expect_provision(upstream)
    upstream.get(BASE + "/v1/embed/renders/r_1-A/download", body=PDF,
                 headers={"Content-Disposition": 'attachment; filename="invoice.pdf"',
                          "Set-Cookie": "upstream=1"},
                 content_type="application/pdf", match=[with_key("org-a")],
                 auto_calculate_content_length=True)
    response = client.get("/api/craftkit/renders/r_1-A/download", headers=bearer())
    assert response.status_code == 200
    assert response.is_streamed
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="invoice.pdf"'
    assert response.headers["Content-Length"] == str(len(PDF))
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    assert response.get_data() == PDF


@pytest.mark.parametrize("content_type", ["text/html", "image/svg+xml",
                                          "application/xhtml+xml", "application/pdf", None])
@pytest.mark.parametrize("body", [
    b"<html><script>alert(document.cookie)</script></html>",
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    b"   %PDF-1.4 <script>", b"%PD", b""])
def test_download_of_anything_but_a_pdf_is_502(client, upstream, content_type, body):
    expect_provision(upstream)
    upstream.get(BASE + "/v1/embed/renders/r1/download", body=body, content_type=content_type,
                 headers={"Content-Disposition": 'inline; filename="x.html"'})
    response = client.get("/api/craftkit/renders/r1/download", headers=bearer())
    assert response.status_code == 502
    assert response.json["error"] == "craftkit_upstream_error"
    assert b"script" not in response.get_data() and b"svg" not in response.get_data()


@pytest.mark.parametrize(("content_type", "disposition"), [
    ("text/html", 'inline; filename="x.html"'), ("image/svg+xml", "inline"),
    ("application/xhtml+xml", 'attachment; filename="x.xhtml"'), ("text/html", None)])
def test_a_pdf_labelled_as_a_page_is_served_as_a_pdf_attachment(client, upstream, content_type,
                                                                disposition):
    expect_provision(upstream)
    headers = {"Content-Disposition": disposition} if disposition else {}
    upstream.get(BASE + "/v1/embed/renders/r1/download", body=PDF, content_type=content_type,
                 headers=headers)
    response = client.get("/api/craftkit/renders/r1/download", headers=bearer())
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment; ")
    assert response.headers["Content-Disposition"].endswith('.pdf"')
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response.get_data() == PDF


@pytest.mark.parametrize("hostile", [
    {"Content-Disposition": 'attachment; filename="a\x01\x0bb\x7f.pdf"'},
    {"Content-Type": "application/pdf\x0b\x00"}, {"ETag": '"\x00\x85"'},
    {"Content-Length": "12\x00"}, {"Last-Modified": "\x1b[31mred"}, {"X-Evil": "\x00\x01"},
])
def test_control_characters_in_upstream_headers_never_reach_the_browser(client, upstream,
                                                                        hostile):
    expect_provision(upstream)
    upstream.get(BASE + "/v1/embed/renders/r1/download", body=PDF,
                 headers={"Content-Type": "application/pdf", **hostile})
    response = client.get("/api/craftkit/renders/r1/download", headers=bearer())
    assert response.status_code == 200
    for name, value in response.headers.items():
        assert value.isprintable() and value.isascii(), (name, value)
    assert response.get_data() == PDF


@pytest.mark.parametrize("render_id", ["a" * 129, "r.1", "r%20x", "%2e%2e", "r%00"])
def test_download_with_odd_render_id_is_400(client, upstream, render_id):
    response = client.get(f"/api/craftkit/renders/{render_id}/download", headers=bearer())
    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"


def test_download_of_unknown_render_is_404(client, upstream):
    expect_provision(upstream)
    upstream.get(BASE + "/v1/embed/renders/nope/download", status=404,
                 json={"error": {"code": "not_found", "message": "no"}})
    response = client.get("/api/craftkit/renders/nope/download", headers=bearer())
    assert response.status_code == 404
    assert response.json["error"] == "craftkit_download_failed"
    assert response.json["upstream_code"] == "not_found"


@pytest.mark.parametrize(("value", "sent"), [
    (" fr", "fr"), ("fr\t", "fr"), ("de-CH, fr;q=0.8", "de-CH, fr;q=0.8"), ("\x7f", None),
    ("fr\u00e9", None), ("a" * 300, None), ("", None)])
def test_malformed_accept_language_is_dropped_not_forwarded(client, upstream, value, sent):
    expect_provision(upstream)
    upstream.get(BASE + "/v1/embed/builder/templates", json={"data": []})
    response = client.get("/api/craftkit/templates",
                          headers={**bearer(), "Accept-Language": value})
    assert response.status_code == 200
    assert upstream.calls[-1].request.headers.get("Accept-Language") == sent

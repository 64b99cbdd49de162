"""Traces: a W3C traceparent on every call to Craftkit, continuing the browser's trace when it
sent a valid one; and, with CRAFTKIT_OTEL, OpenTelemetry spans for the request, the key
resolution, each upstream call and each catalog publish (recorded by the SDK's in-memory
exporter), never a secret."""

from __future__ import annotations

import re

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from bff import ConfigError, create_app
from bff.ops import tracing
from bff.upstream import Upstream
from tests.support.catalogs import CATALOG, catalog_file
from tests.support.craftkit_mock import (
    BASE,
    SECRETS,
    UPSTREAM_RENEW,
    bearer,
    expect_provision,
    post_json,
    session_payload,
)

TRACEPARENT = re.compile(r"00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})")
INCOMING = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
EXPORTER = InMemorySpanExporter()


def sent_traceparents(upstream) -> list[re.Match]:
    """The traceparent of every call Craftkit received, parsed."""
    return [TRACEPARENT.fullmatch(call.request.headers["traceparent"]) for call in upstream.calls]


def mint(client, upstream, headers=None):
    expect_provision(upstream)
    upstream.post(BASE + "/v1/embed/sessions", json=session_payload())
    return post_json(client, "/session", {"mode": "create"}, {**bearer(), **(headers or {})})


def test_every_call_to_craftkit_carries_the_requests_trace(client, upstream):
    assert mint(client, upstream).status_code == 200
    provision, session = sent_traceparents(upstream)
    assert provision and session
    assert provision[1] == session[1]  # one trace for the browser request
    assert provision[3] == "00"  # started here, and nothing recorded it


def test_a_valid_incoming_traceparent_is_continued(client, upstream):
    mint(client, upstream, {"traceparent": INCOMING})
    for sent in sent_traceparents(upstream):
        assert sent[1] == "4bf92f3577b34da6a3ce929d0e0e4736" and sent[3] == "01"
        assert sent[2] != "00f067aa0ba902b7"  # the BFF's part of the trace, not the caller's


@pytest.mark.parametrize("header", [
    "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  # no trace id
    "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  # no parent id
    "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  # a forbidden version
    "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  # upper case
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-more",  # version 00 has 4 parts
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\nX-Evil: 1",
    "garbage",
])
def test_an_invalid_incoming_traceparent_starts_a_new_trace(client, upstream, header):
    mint(client, upstream, {"traceparent": header.replace("\r\n", "")})
    for sent in sent_traceparents(upstream):
        assert sent[1] != "4bf92f3577b34da6a3ce929d0e0e4736" and sent[3] == "00"


def test_a_later_version_is_read_for_its_first_four_fields():
    later = "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-comes-next"
    assert tracing.parse_traceparent(later) == ("4bf92f3577b34da6a3ce929d0e0e4736", "01")


def test_a_call_outside_a_request_starts_a_trace_of_its_own(upstream):
    upstream.get(BASE + "/v1/embed/renders", json={"data": []})
    upstream.get(BASE + "/v1/embed/renders", json={"data": []})
    client = Upstream(BASE, (1, 1))
    for _ in range(2):
        client.request_json("GET", "/v1/embed/renders", "ck_live_x", "rid", label="renders",
                            failure_code="craftkit_renders_failed")
    first, second = sent_traceparents(upstream)
    assert first and second and first[1] != second[1]


@pytest.fixture
def spans(config):
    """Record spans in memory (CRAFTKIT_OTEL=true); give the app and the finished spans."""
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(EXPORTER))
        trace.set_tracer_provider(provider)
    EXPORTER.clear()
    app = create_app({**config, "CRAFTKIT_OTEL": "true"})
    yield app, EXPORTER.get_finished_spans
    tracing.stop_recording()
    EXPORTER.clear()


def by_name(finished) -> dict:
    return {span.name: span for span in finished()}


def test_spans_for_the_request_its_key_and_each_call_to_craftkit(spans, upstream):
    app, finished = spans
    mint(app.test_client(), upstream)
    named = by_name(finished)
    request = named["POST /api/craftkit/session"]
    key = named["craftkit.key.resolve"]
    provision = named["POST /v1/admin/provision"]
    session = named["POST /v1/embed/sessions"]
    assert len(finished()) == 4 and request.parent is None
    assert {span.context.trace_id for span in named.values()} == {request.context.trace_id}
    assert key.parent.span_id == request.context.span_id
    assert provision.parent.span_id == key.context.span_id
    assert session.parent.span_id == request.context.span_id
    assert request.kind == trace.SpanKind.SERVER and session.kind == trace.SpanKind.CLIENT
    assert dict(request.attributes) == {
        "http.request.method": "POST", "http.route": "/api/craftkit/session",
        "http.response.status_code": 200, "craftkit.org": "org-a"}
    assert dict(key.attributes) == {"craftkit.org": "org-a"}
    assert dict(session.attributes) == {
        "http.request.method": "POST", "url.template": "/v1/embed/sessions",
        "craftkit.org": "org-a", "http.response.status_code": 200}
    # What Craftkit was sent is the context of the span of that call.
    sent = sent_traceparents(upstream)[1]
    assert (int(sent[1], 16), int(sent[2], 16)) == (session.context.trace_id,
                                                    session.context.span_id)


def test_a_catalog_publish_is_a_span_of_the_request_with_its_own_call(config, spans, upstream,
                                                                     tmp_path):
    app = create_app({**config, "CRAFTKIT_OTEL": "true",
                      "CRAFTKIT_CATALOG_FILE": catalog_file(tmp_path)})
    _, finished = spans
    upstream.post(BASE + "/v1/embed/catalogs", status=201, json={})
    assert mint(app.test_client(), upstream).status_code == 200
    named = by_name(finished)
    publish = named["craftkit.catalog.publish"]
    assert publish.parent.span_id == named["POST /api/craftkit/session"].context.span_id
    assert named["POST /v1/embed/catalogs"].parent.span_id == publish.context.span_id
    assert dict(publish.attributes) == {
        "craftkit.org": "org-a", "craftkit.catalog": CATALOG["name"],
        "craftkit.version": app.extensions["craftkit_bff"].catalogs.version}


def test_no_span_carries_a_key_or_a_token(spans, upstream):
    app, finished = spans
    mint(app.test_client(), upstream)
    secrets = (*SECRETS, UPSTREAM_RENEW, "eyJ.session.token")
    for span in finished():
        text = span.to_json()
        assert not [secret for secret in secrets if secret in text], span.name


def test_the_request_span_continues_the_browsers_trace(spans, upstream):
    app, finished = spans
    mint(app.test_client(), upstream, {"traceparent": INCOMING})
    request = by_name(finished)["POST /api/craftkit/session"]
    assert f"{request.context.trace_id:032x}" == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert f"{request.parent.span_id:016x}" == "00f067aa0ba902b7"


def test_a_failed_call_marks_its_span_and_the_request(spans, upstream):
    app, finished = spans
    expect_provision(upstream)
    upstream.post(BASE + "/v1/embed/sessions", status=502, json={"error": "bad gateway"})
    assert post_json(app.test_client(), "/session", {"mode": "create"}).status_code == 502
    named = by_name(finished)
    assert named["POST /v1/embed/sessions"].attributes["http.response.status_code"] == 502
    assert named["POST /api/craftkit/session"].status.status_code == trace.StatusCode.ERROR


def test_callers_open_spans_of_their_own_with_the_org(spans):
    _, finished = spans
    with tracing.span("craftkit.catalog.publish", org="org-a", catalog_version="3f2a"):
        pass
    with pytest.raises(RuntimeError), tracing.span("craftkit.catalog.publish", org="org-b"):
        raise RuntimeError("Craftkit refused ck_live_key_for_org_b")
    published, failed = finished()
    assert dict(published.attributes) == {"craftkit.org": "org-a",
                                          "craftkit.catalog_version": "3f2a"}
    assert failed.status.status_code == trace.StatusCode.ERROR
    assert "ck_live" not in failed.to_json()  # the type is recorded, never the message
    with pytest.raises(ValueError, match="secrets"), tracing.span("x", api_key="ck_live_x"):
        pass


def test_spans_need_the_otel_extra(config, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args: None
                        if name.startswith("opentelemetry") else real(name, *args))
    with pytest.raises(ConfigError, match=r"pip install 'craftkit-bff\[otel\]'"):
        create_app({**config, "CRAFTKIT_OTEL": "true"})

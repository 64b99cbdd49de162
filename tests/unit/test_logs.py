"""Log lines as operators read them: one per request, escaped, as text or JSON."""

from __future__ import annotations

import io
import json
import logging

import pytest

from bff.ops.logs import configure_logging
from bff.ops.requestlog import printable
from tests.support.craftkit_mock import BASE, bearer, expect_provision


@pytest.fixture
def captured():
    """Install the BFF's handler on a buffer for one test, then restore the root logger."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    stream = io.StringIO()

    def install(fmt):
        configure_logging("info", fmt, stream)
        return stream

    yield install
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    logging.captureWarnings(False)


def test_text_lines_carry_time_level_logger_and_the_request(client, upstream, captured):
    stream = captured("text")
    expect_provision(upstream)
    upstream.get(BASE + "/v1/embed/renders", json={"data": []})
    client.get("/api/craftkit/renders", headers={**bearer(), "X-Request-ID": "rid-7"})
    (line,) = [x for x in stream.getvalue().splitlines() if " bff.request " in x]
    assert " INFO bff.request GET /api/craftkit/renders 200 " in line
    assert line.endswith("org=org-a request_id=rid-7")
    assert line[:4].isdigit()  # starts with the time


def test_json_lines_have_one_key_per_field(client, upstream, captured):
    stream = captured("json")
    expect_provision(upstream)
    upstream.get(BASE + "/v1/embed/builder/templates", json={"data": []})
    client.get("/api/craftkit/templates", headers={**bearer(), "X-Request-ID": "rid-8"})
    records = [json.loads(x) for x in stream.getvalue().splitlines()]
    (line,) = [r for r in records if r["logger"] == "bff.request"]
    assert line["level"] == "INFO" and line["time"]
    assert (line["method"], line["route"], line["status"]) == (
        "GET", "/api/craftkit/templates", 200)
    assert (line["org_id"], line["request_id"]) == ("org-a", "rid-8")
    assert line["duration_ms"] >= 0


def test_a_newline_in_the_path_cannot_forge_a_second_line(client, captured):
    stream = captured("text")
    response = client.get("/api/craftkit/renders/r1%0a2026-01-01 INFO bff.request GET x 200"
                          "/download", headers=bearer())
    assert response.status_code == 400
    lines = stream.getvalue().splitlines()
    request_lines = [x for x in lines if "bff.request" in x]
    assert len(request_lines) == 1
    assert "\\n2026-01-01 INFO" in request_lines[0]
    assert not any(x.startswith("2026-01-01") for x in lines)


def test_warnings_get_a_time_and_a_level(captured):
    import warnings

    stream = captured("text")
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn_explicit("careful", UserWarning, "somewhere.py", 1)
    (line, *_) = stream.getvalue().splitlines()
    assert " WARNING py.warnings " in line and "careful" in line


def test_configuring_twice_keeps_one_handler(captured):
    captured("text")
    captured("json")
    ours = [h for h in logging.getLogger().handlers if getattr(h, "_craftkit_bff_handler", 0)]
    assert len(ours) == 1


@pytest.mark.parametrize(("raw", "shown"), [("plain/path", "plain/path"), ("a\nb", "a\\nb"),
                                            ("a\u2028b", "a\\u2028b"), ("a\x1b[31m", "a\\x1b[31m")])
def test_printable_escapes_what_could_break_a_line(raw, shown):
    assert printable(raw) == shown


def test_the_default_handler_follows_sys_stderr_when_it_is_swapped(monkeypatch):
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging("info", "text")
        swapped = io.StringIO()
        monkeypatch.setattr("sys.stderr", swapped)
        logging.getLogger("bff.test").warning("to the current stderr")
        assert "to the current stderr" in swapped.getvalue()
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        logging.captureWarnings(False)


@pytest.fixture
def host_app(config):
    """A host app that mounts the extension and configures no logging of its own."""
    from flask import Flask

    from bff import CraftkitBFF

    app = Flask("host")
    app.config.update({key: value for key, value in config.items() if key != "TESTING"})
    CraftkitBFF(app)
    bff_logger = logging.getLogger("bff")
    saved = bff_logger.handlers[:], bff_logger.level
    yield app
    bff_logger.handlers[:] = saved[0]
    bff_logger.setLevel(saved[1])


def without_logging_configured(monkeypatch):
    """Python as a host app has it before configuring logging: no handler, WARNING."""
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])
    monkeypatch.setattr(root, "level", logging.WARNING)


def test_a_host_app_writes_request_lines_once_log_requests_is_called(host_app, monkeypatch,
                                                                      capsys):
    from bff import log_requests

    without_logging_configured(monkeypatch)
    stream = io.StringIO()
    client = host_app.test_client()
    client.get("/api/craftkit/renders", headers={"X-Request-ID": "rid-9"})
    assert "bff.request" not in capsys.readouterr().err  # silent, as Python's default is

    log_requests(stream=stream)
    client.get("/api/craftkit/renders", headers={"X-Request-ID": "rid-9"})
    (line,) = stream.getvalue().splitlines()
    assert " INFO bff.request GET /api/craftkit/renders 401 " in line
    assert line.endswith("org=- request_id=rid-9") and line[:4].isdigit()
    assert logging.getLogger("host").getEffectiveLevel() == logging.WARNING  # left alone


def test_log_requests_writes_json_and_replaces_its_own_handler(host_app, monkeypatch):
    from bff import log_requests

    without_logging_configured(monkeypatch)
    first, second = io.StringIO(), io.StringIO()
    log_requests(stream=first)
    log_requests(fmt="json", stream=second)
    host_app.test_client().get("/api/craftkit/templates")
    assert first.getvalue() == ""
    (record,) = [json.loads(line) for line in second.getvalue().splitlines()]
    assert (record["logger"], record["status"], record["route"]) == (
        "bff.request", 401, "/api/craftkit/templates")

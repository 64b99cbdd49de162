"""A Craftkit that drips, stalls or floods: every answer has a deadline and a size limit."""

from __future__ import annotations

import threading
import time

import pytest
import urllib3

from tests.support.hostile_craftkit import Answer, huge_json, json_answer, wait_until

from .conftest import MARGIN, READ_TIMEOUT, auth, bff_app

TEMPLATES = "/v1/embed/builder/templates"
DOWNLOAD = "/v1/embed/renders/r1/download"
PDF_HEAD = [("Content-Type", "application/pdf")]


def _timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


@pytest.mark.parametrize("drip_head", [False, True])
def test_a_dripping_json_answer_is_a_504_within_the_read_timeout(bff, craftkit, drip_head):
    # One byte every 0.2 s: each read is well inside the read timeout, the answer never is.
    craftkit.answer(TEMPLATES, json_answer({"data": ["x" * 50]}, drip=1, interval=0.2,
                                           drip_head=drip_head))
    response, seconds = _timed(lambda: bff.get("/api/craftkit/templates", headers=auth()))
    assert (response.status_code, response.json["error"]) == (504, "craftkit_timeout")
    assert seconds < READ_TIMEOUT + MARGIN


def test_a_dripping_download_is_a_504_before_anything_is_sent(bff, craftkit):
    craftkit.answer(DOWNLOAD, Answer(200, PDF_HEAD, b"%PDF-1.4\n" + b"x" * 100_000, drip=16,
                                     interval=0.1))
    response, seconds = _timed(lambda: bff.get("/api/craftkit/renders/r1/download",
                                               headers=auth()))
    assert (response.status_code, response.json["error"]) == (504, "craftkit_timeout")
    assert seconds < READ_TIMEOUT + MARGIN


def _stalling_body():
    yield b"%PDF-1.4\n" + b"x" * 400_000   # more than the first chunk, at once
    time.sleep(30)                          # then nothing (the test ends long before)
    yield b"never"


def test_a_download_that_stalls_midway_is_cut_off_after_the_read_timeout(bff, craftkit):
    craftkit.answer(DOWNLOAD, Answer(200, [*PDF_HEAD, ("Content-Length", "500000")],
                                     _stalling_body()))
    response = bff.get("/api/craftkit/renders/r1/download", headers=auth(), buffered=False)
    assert response.status_code == 200
    chunks = iter(response.response)
    next(chunks)
    started = time.monotonic()
    with pytest.raises(urllib3.exceptions.ReadTimeoutError):
        for _ in chunks:
            pass
    assert time.monotonic() - started < READ_TIMEOUT + MARGIN
    response.close()


def _steady_body():
    yield b"%PDF-1.4\n"
    for _ in range(10):
        time.sleep(0.3 * READ_TIMEOUT)
        yield b"x" * 64 * 1024


def test_a_slow_but_steady_download_completes_past_the_read_timeout(bff, craftkit):
    craftkit.answer(DOWNLOAD, Answer(200, PDF_HEAD, _steady_body()))
    started = time.monotonic()
    response = bff.get("/api/craftkit/renders/r1/download", headers=auth())
    assert response.status_code == 200
    assert len(response.get_data()) == 9 + 10 * 64 * 1024
    # A stall limit, not a deadline for the whole file.
    assert time.monotonic() - started > 2 * READ_TIMEOUT


def test_a_slow_browser_does_not_use_up_the_upstream_budget(bff, craftkit):
    body = b"%PDF-1.4\n" + b"x" * 1_000_000
    craftkit.answer(DOWNLOAD, Answer(200, PDF_HEAD, body))
    response = bff.get("/api/craftkit/renders/r1/download", headers=auth(), buffered=False)
    chunks = iter(response.response)
    received = next(chunks)
    threading.Event().wait(2 * READ_TIMEOUT)  # the browser reads nothing for a while
    received += b"".join(chunks)
    assert received == body
    response.close()


def test_a_huge_json_answer_is_refused_without_reading_it(bff, craftkit):
    craftkit.answer(TEMPLATES, huge_json(300 * 1024 * 1024))
    response, seconds = _timed(lambda: bff.get("/api/craftkit/templates", headers=auth()))
    assert (response.status_code, response.json["error"]) == (502, "craftkit_upstream_error")
    # The BFF hung up after the cap (4 MiB): the double's send of 300 MiB fails at once.
    assert wait_until(lambda: craftkit.open_connections == 0, timeout=5)
    assert seconds < 5


def test_a_dripping_provision_is_a_504(craftkit):
    app = bff_app(craftkit)
    craftkit.provision = json_answer({"apiKey": "ck_live_slow"}, drip=1, interval=0.2)
    response = app.test_client().post("/api/craftkit/session", json={"mode": "create"},
                                      headers=auth())
    assert (response.status_code, response.json["error"]) == (504, "craftkit_timeout")
    app.extensions["craftkit_bff"].upstream.close()

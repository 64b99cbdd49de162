"""Fault injection through a real TCP hop: mapped errors, fast, and service resumes."""

import threading
import time
from contextlib import contextmanager

import jwt
import pytest
import requests

from bff import create_app
from bff.emulator import create_emulator_app
from tests.faults.proxy import FaultProxy
from tests.faults.scenarios import ADMIN_KEY, JWT_SECRET, READ_TIMEOUT, fault_stack, measure
from tests.servers import SERVERS, serve_app

MARGIN = 1.0
EXPECTED = {
    ("refuse", "session"): (503, "craftkit_unavailable"),
    ("refuse", "download"): (503, "craftkit_unavailable"),
    ("delay", "session"): (504, "craftkit_timeout"),
    ("delay", "download"): (504, "craftkit_timeout"),
    ("reset", "session"): (502, "craftkit_upstream_error"),
    ("error", "session"): (502, "craftkit_upstream_error"),
    ("error", "download"): (502, "craftkit_upstream_error"),
    ("truncate", "session"): (502, "craftkit_upstream_error"),
    ("hang", "session"): (504, "craftkit_timeout"),
    ("hang", "download"): (504, "craftkit_timeout"),
}


@pytest.fixture(scope="module", params=SERVERS)
def stack(request):
    with fault_stack(workers=1, threads=4, server=request.param) as running:
        yield running


@pytest.mark.parametrize(("fault", "route"), sorted(EXPECTED))
def test_fault_maps_to_its_error_within_the_timeout_and_service_resumes(stack, fault, route):
    outcome = measure(stack, fault, route)
    assert (outcome.status, outcome.code) == EXPECTED[fault, route]
    assert outcome.seconds < READ_TIMEOUT + MARGIN
    assert stack.call(route).status_code == 200


def test_reset_download_is_a_json_502(stack):
    outcome = measure(stack, "reset", "download")
    # The BFF reads the first chunk before it answers; the reset breaks that read.
    assert (outcome.status, outcome.code) == (502, "craftkit_upstream_error")
    assert stack.call("download").status_code == 200


def test_truncated_download_is_an_error_never_a_complete_file(stack):
    outcome = measure(stack, "truncate", "download")
    # The BFF fills its first chunk before it answers: a clean close a few hundred bytes
    # into the body (short of its Content-Length) shows there, so the browser gets a JSON
    # 502, never a 200 whose body it could take for the whole file. (A break after the
    # first chunk aborts the transfer instead: tests/hostile_upstream.)
    assert (outcome.status, outcome.code) == (502, "craftkit_upstream_error")
    assert stack.call("download").status_code == 200


def test_hanging_upstream_leaves_no_worker_stuck(stack):
    stack.proxy.set("hang")
    statuses = []
    threads = [threading.Thread(target=lambda: statuses.append(stack.call("session")
                                                               .status_code))
               for _ in range(8)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    elapsed = time.monotonic() - started
    stack.proxy.set("pass")
    assert statuses == [504] * 8
    assert elapsed < 2 * READ_TIMEOUT + 2 * MARGIN  # 8 calls on 4 threads: two rounds
    started = time.monotonic()
    assert stack.call("session").status_code == 200
    assert time.monotonic() - started < MARGIN


@contextmanager
def _bff_behind_proxy(**config):
    """The BFF in-process, the emulator behind a fault proxy; yield (proxy, app, mint)."""
    emulator = create_emulator_app({"ADMIN_KEY": ADMIN_KEY, "ACCOUNT_KEYS": []})
    with serve_app(emulator) as emulator_url:
        proxy = FaultProxy(int(emulator_url.rsplit(":", 1)[1]))
        app = create_app({"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_BASE_URL": proxy.url,
                          "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET, "CRAFTKIT_TIMEOUT": "0.5,1",
                          **config})
        client = app.test_client()
        token = jwt.encode({"sub": "bo", "orgs": ["acme"], "exp": int(time.time()) + 600},
                           JWT_SECRET, algorithm="HS256")

        def mint():
            started = time.monotonic()
            response = client.post("/api/craftkit/session", json={"mode": "create"},
                                   headers={"Authorization": f"Bearer {token}"})
            return response, time.monotonic() - started

        try:
            yield proxy, app, mint
        finally:
            app.extensions["craftkit_bff"].upstream.close()
            proxy.close()


def test_dead_upstream_trips_the_breaker_to_fast_503s_then_recovers_within_a_second():
    # Reset at 5 s (the default): recovery comes from the probe, not from waiting it out.
    with _bff_behind_proxy(CRAFTKIT_BREAKER_THRESHOLD=3) as (proxy, app, mint):
        assert mint()[0].status_code == 200
        proxy.set("refuse")
        assert [mint()[0].status_code for _ in range(3)] == [503] * 3
        fast, fast_seconds = mint()
        assert (fast.status_code, fast_seconds < 0.1) == (503, True)
        assert fast.headers["Retry-After"] == "1"
        proxy.set("pass")
        back = time.monotonic()
        while mint()[0].status_code != 200:
            assert time.monotonic() - back < 2 * MARGIN, "no recovery within 2 s"
            time.sleep(0.05)


def test_a_hanging_upstream_costs_timeouts_but_never_opens_the_circuit():
    # Read timeouts say Craftkit took the call: they are not an outage, so no fast 503s
    # for everyone because some calls were slow.
    with _bff_behind_proxy(CRAFTKIT_BREAKER_THRESHOLD=2) as (proxy, app, mint):
        assert mint()[0].status_code == 200
        proxy.set("hang")
        assert [mint()[0].status_code for _ in range(3)] == [504] * 3
        assert app.extensions["craftkit_bff"].upstream.breaker.state == "closed"
        proxy.set("pass")
        assert mint()[0].status_code == 200


def test_fault_proxy_refuse_really_refuses():
    proxy = FaultProxy(1)
    proxy.set("refuse")
    with pytest.raises(requests.ConnectionError):
        requests.get(proxy.url, timeout=2)
    proxy.close()

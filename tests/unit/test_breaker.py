"""The circuit breaker: a dead Craftkit costs a fast 503, and service resumes after."""

import threading

import pytest
import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError, ReadTimeoutError

from bff import create_app
from bff.upstream.breaker import CLOSED, HALF_OPEN, OPEN, CircuitBreaker
from tests.support.clock import FakeClock
from tests.support.craftkit_mock import BASE, bearer, expect_provision, post_json, session_payload


def test_breaker_opens_at_threshold_and_half_opens_after_reset():
    timer = FakeClock(0.0)
    breaker = CircuitBreaker(threshold=3, reset_after=5, timer=timer)
    for _ in range(2):
        assert breaker.allow()
        breaker.record_failure()
    assert breaker.state == CLOSED
    breaker.record_failure()
    assert breaker.state == OPEN
    assert not breaker.allow()
    timer.now += 5
    assert breaker.state == HALF_OPEN
    assert breaker.allow()          # the one trial call
    assert not breaker.allow()      # others still fail fast while it runs
    breaker.record_success()
    assert breaker.state == CLOSED
    assert breaker.allow()


def test_breaker_failed_trial_reopens():
    timer = FakeClock(0.0)
    breaker = CircuitBreaker(threshold=1, reset_after=5, timer=timer)
    breaker.record_failure()
    timer.now += 5
    assert breaker.allow()
    breaker.record_failure()
    assert breaker.state == OPEN
    timer.now += 4
    assert not breaker.allow()


def test_success_resets_the_failure_count():
    breaker = CircuitBreaker(threshold=2, reset_after=5, timer=FakeClock(0.0))
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    assert breaker.state == CLOSED


def test_open_circuit_answers_503_without_calling_upstream(config, upstream):
    app = create_app({**config, "CRAFTKIT_BREAKER_THRESHOLD": 2})
    client = app.test_client()
    expect_provision(upstream)
    upstream.post(BASE + "/v1/embed/sessions", body=requests.ConnectionError("down"))
    upstream.post(BASE + "/v1/embed/sessions", body=requests.ConnectionError("down"))
    for _ in range(2):
        assert post_json(client, "/session", {"mode": "create"}).status_code == 503
    calls_before = _session_calls(upstream)
    fast = post_json(client, "/session", {"mode": "create"})
    assert fast.status_code == 503
    assert fast.json["error"] == "craftkit_unavailable"
    assert "paused" in fast.json["message"]
    assert fast.headers["Retry-After"] == "1"  # a probe checks Craftkit every 0.5 s
    assert _session_calls(upstream) == calls_before
    # Once the reset time has passed, one trial call goes through and closes the circuit.
    breaker = app.extensions["craftkit_bff"].upstream.breaker
    breaker._opened_at -= breaker.reset_after
    upstream.post(BASE + "/v1/embed/sessions", json=session_payload())
    assert post_json(client, "/session", {"mode": "create"}).status_code == 200
    assert breaker.state == CLOSED


def test_a_request_error_of_our_own_does_not_count_toward_the_circuit(config, upstream):
    app = create_app({**config, "CRAFTKIT_BREAKER_THRESHOLD": 1})
    client = app.test_client()
    expect_provision(upstream)
    upstream.get(BASE + "/v1/embed/renders", body=requests.exceptions.InvalidHeader("bad"))
    assert client.get("/api/craftkit/renders", headers=bearer()).status_code == 502
    assert app.extensions["craftkit_bff"].upstream.breaker.state == CLOSED


def _session_calls(upstream):
    return sum(1 for call in upstream.calls if call.request.url.endswith("/v1/embed/sessions"))


@pytest.mark.parametrize("slow", [
    requests.ReadTimeout("read timed out"),
    requests.ConnectionError(MaxRetryError(None, "/x", ReadTimeoutError(None, "/x", "slow"))),
])
def test_one_tenants_slow_downloads_never_open_the_circuit(config, upstream, slow):
    app = create_app({**config, "CRAFTKIT_BREAKER_THRESHOLD": 2})
    client = app.test_client()
    expect_provision(upstream)
    expect_provision(upstream, "org-b")
    upstream.get(BASE + "/v1/embed/renders/r1/download", body=slow)
    for _ in range(6):
        response = client.get("/api/craftkit/renders/r1/download", headers=bearer())
        assert response.status_code == 504
    assert app.extensions["craftkit_bff"].upstream.breaker.state == CLOSED
    upstream.get(BASE + "/v1/embed/builder/templates", json={"data": []})
    other_org = client.get("/api/craftkit/templates", headers=bearer(orgs=("org-b",)))
    assert other_org.status_code == 200
    app.extensions["craftkit_bff"].upstream.close()


@pytest.mark.parametrize("down", [
    requests.ConnectTimeout("connect timed out"),
    requests.ConnectionError(MaxRetryError(None, "/x", NewConnectionError(None, "refused"))),
    requests.ConnectionError(ConnectionResetError(104, "reset")),
])
def test_outages_open_the_circuit_and_503s_say_when_to_retry(config, upstream, down):
    app = create_app({**config, "CRAFTKIT_BREAKER_THRESHOLD": 2})
    client = app.test_client()
    expect_provision(upstream)
    upstream.get(BASE + "/v1/embed/builder/templates", body=down)
    for _ in range(2):
        response = client.get("/api/craftkit/templates", headers=bearer())
        assert (response.status_code, response.headers["Retry-After"]) == (503, "1")
    assert app.extensions["craftkit_bff"].upstream.breaker.state == OPEN
    app.extensions["craftkit_bff"].upstream.close()


def test_a_probe_that_gets_an_answer_half_opens_the_circuit_early():
    answered, probed = threading.Event(), threading.Event()

    def probe():
        probed.set()
        return answered.is_set()

    breaker = CircuitBreaker(threshold=1, reset_after=60, probe_every=0.01)
    breaker.probe_with(probe)
    breaker.record_failure()
    assert probed.wait(5)
    assert breaker.state == OPEN  # Craftkit still down: the probe keeps the circuit open
    answered.set()
    assert _eventually(lambda: breaker.state == HALF_OPEN)
    assert breaker.allow()          # the trial
    breaker.record_success()
    assert breaker.state == CLOSED
    breaker.stop()


def test_a_probe_that_raises_keeps_probing():
    calls = []

    def probe():
        calls.append(1)
        if len(calls) < 3:
            raise RuntimeError("probe broke")
        return True

    breaker = CircuitBreaker(threshold=1, reset_after=60, probe_every=0.01)
    breaker.probe_with(probe)
    breaker.record_failure()
    assert _eventually(lambda: breaker.state == HALF_OPEN)
    assert len(calls) == 3
    breaker.stop()


def test_an_inconclusive_trial_does_not_block_the_next_one():
    timer = FakeClock(0.0)
    breaker = CircuitBreaker(threshold=1, reset_after=5, timer=timer)
    breaker.record_failure()
    timer.now += 5
    assert breaker.allow()
    breaker.record_inconclusive()   # the trial timed out reading: says nothing either way
    assert breaker.allow()          # so another call may try
    assert not breaker.allow()


def test_retry_after_counts_down_to_the_next_trial_without_a_probe():
    timer = FakeClock(0.0)
    breaker = CircuitBreaker(threshold=1, reset_after=5, timer=timer)
    breaker.record_failure()
    assert breaker.retry_after() == 5
    timer.now += 3.5
    assert breaker.retry_after() == 2
    timer.now += 10
    assert breaker.retry_after() == 1


def _eventually(predicate, timeout=5.0):
    done = threading.Event()
    for _ in range(int(timeout / 0.01)):
        if predicate():
            return True
        done.wait(0.01)
    return predicate()

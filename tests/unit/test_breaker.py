"""The circuit breaker: a dead Craftkit costs a fast 503, and service resumes after."""

import requests

from bff import create_app
from bff.breaker import CLOSED, HALF_OPEN, OPEN, CircuitBreaker

from .support import BASE, bearer, expect_provision, post_json, session_payload


class FakeTimer:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_breaker_opens_at_threshold_and_half_opens_after_reset():
    timer = FakeTimer()
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
    timer = FakeTimer()
    breaker = CircuitBreaker(threshold=1, reset_after=5, timer=timer)
    breaker.record_failure()
    timer.now += 5
    assert breaker.allow()
    breaker.record_failure()
    assert breaker.state == OPEN
    timer.now += 4
    assert not breaker.allow()


def test_success_resets_the_failure_count():
    breaker = CircuitBreaker(threshold=2, reset_after=5, timer=FakeTimer())
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
    calls_before = len(upstream.calls)
    fast = post_json(client, "/session", {"mode": "create"})
    assert fast.status_code == 503
    assert fast.json["error"] == "craftkit_unavailable"
    assert "paused" in fast.json["message"]
    assert len(upstream.calls) == calls_before
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

"""Fault injection through a real TCP hop into the BFF in this process: the circuit breaker
opens on an outage (fast 503s) and recovers, but slow answers never open it."""

import time
from contextlib import contextmanager

import pytest
import requests

from bff import create_app
from bff.emulator import create_emulator_app
from tests.support.fault_proxy import FaultProxy
from tests.support.secrets import secret
from tests.support.servers import serve_app
from tests.support.tokens import mint_jwt

ADMIN_KEY = "ck_admin_breaker_secret_0123456789"
JWT_SECRET = secret("breaker-jwt-secret-0123456789abcdef0123")
MARGIN = 1.0


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
        token = mint_jwt(JWT_SECRET, "bo", ["acme"])

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

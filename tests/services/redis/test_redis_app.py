"""The BFF with CRAFTKIT_CACHE_URL: hosts share keys, /readyz reports Redis, never a 5xx.

Each test runs in both strategies: the admin key, and the account key with its registry.
"""

from __future__ import annotations

import pytest
import responses

from bff import create_app
from bff.credentials import FleetLocks
from tests.support.craftkit_mock import BASE, post_json, session_payload
from tests.support.servers import free_port

from .bad_servers import bad_redis
from .modes import expect_org_key, host_config


@pytest.fixture
def upstream():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture(params=["admin", "account"])
def mode(request):
    return request.param


@pytest.fixture
def host(mode, tmp_path):
    """Build BFF hosts (each its own process state) sharing one Redis and one registry."""
    apps = []

    def _host(url: str, **extra):
        app = create_app({**host_config(mode, tmp_path), "CRAFTKIT_CACHE_URL": url, **extra})
        apps.append(app)
        return app

    yield _host
    for app in apps:
        state = app.extensions["craftkit_bff"]
        if state.registry is not None:
            state.registry.engine.dispose()


def test_cache_url_selects_the_redis_store_and_nothing_else_changes(redis_server, host):
    store = host(redis_server.url).extensions["craftkit_bff"].keys.store
    assert isinstance(store, FleetLocks)
    plain = host("").extensions["craftkit_bff"].keys.store
    assert not isinstance(plain, FleetLocks)


def test_three_hosts_share_one_provision(redis_server, upstream, host, mode):
    provisions = expect_org_key(upstream, mode)
    upstream.post(BASE + "/v1/embed/sessions", json=session_payload())
    upstream.post(BASE + "/v1/embed/sessions", json=session_payload())
    upstream.post(BASE + "/v1/embed/sessions", json=session_payload())
    for app in (host(redis_server.url), host(redis_server.url), host(redis_server.url)):
        response = post_json(app.test_client(), "/session", {"mode": "create"})
        assert response.status_code == 200
    assert [call.call_count for call in provisions] == [1] * len(provisions)
    # Nothing in Redis holds the key's text.
    raw = redis_server.client()
    assert all(b"ck_live" not in raw.get(name) for name in raw.scan_iter("craftkit-bff:key:*"))


def test_readyz_reports_redis_degraded_but_stays_ready(upstream, host):
    upstream.get(BASE + "/", status=404)
    client = host(f"redis://127.0.0.1:{free_port()}/0").test_client()
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"]["key_store"] == "degraded"


def test_readyz_reports_redis_ok(redis_server, upstream, host):
    upstream.get(BASE + "/", status=404)
    response = host(redis_server.url).test_client().get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"]["key_store"] == "ok"


def test_readyz_has_no_key_store_check_without_redis(upstream, host):
    upstream.get(BASE + "/", status=404)
    response = host("").test_client().get("/readyz")
    assert "key_store" not in response.json["checks"]


def test_redis_down_mint_succeeds_and_the_fallback_is_counted(upstream, host, mode):
    expect_org_key(upstream, mode)
    upstream.post(BASE + "/v1/embed/sessions", json=session_payload())
    client = host(f"redis://127.0.0.1:{free_port()}/0", CRAFTKIT_METRICS="true").test_client()
    assert post_json(client, "/session", {"mode": "create"}).status_code == 200
    text = client.get("/metrics").get_data(as_text=True)
    assert 'craftkit_bff_key_store_fallbacks_total{operation="get"}' in text
    assert "craftkit_bff_key_store_degraded 1.0" in text


@pytest.mark.parametrize("behaviour", ["silent", "garbage", "reset"])
def test_a_broken_redis_never_reaches_the_browser(upstream, behaviour, host, mode):
    expect_org_key(upstream, mode)
    for _ in range(3):
        upstream.post(BASE + "/v1/embed/sessions", json=session_payload())
    with bad_redis(behaviour) as url:
        client = host(url, CRAFTKIT_CACHE_TIMEOUT="0.2").test_client()
        statuses = [post_json(client, "/session", {"mode": "create"}).status_code
                    for _ in range(3)]
    assert statuses == [200, 200, 200]

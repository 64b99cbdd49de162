"""The BFF with CRAFTKIT_CACHE_URL: hosts share keys, /readyz reports Redis, never a 5xx."""

from __future__ import annotations

import pytest
import responses

from bff import create_app
from bff.credentials import FleetLocks
from tests.support.craftkit_mock import (
    ADMIN_KEY,
    BASE,
    JWT_SECRET,
    expect_provision,
    post_json,
    session_payload,
)
from tests.support.servers import free_port

from .bad_servers import bad_redis


@pytest.fixture
def upstream():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def host(url: str, **extra) -> object:
    """One BFF host (its own process state) configured with the shared Redis at url."""
    return create_app({"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_BASE_URL": BASE,
                       "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET, "CRAFTKIT_TIMEOUT": "0.5,1",
                       "CRAFTKIT_CACHE_URL": url, "TESTING": True, **extra})


def test_cache_url_selects_the_redis_store_and_nothing_else_changes(redis_server):
    store = host(redis_server.url).extensions["craftkit_bff"].keys.store
    assert isinstance(store, FleetLocks)
    plain = host("").extensions["craftkit_bff"].keys.store
    assert not isinstance(plain, FleetLocks)


def test_three_hosts_share_one_provision(redis_server, upstream):
    expect_provision(upstream, "org-a")
    upstream.post(BASE + "/v1/embed/sessions", json=session_payload())
    upstream.post(BASE + "/v1/embed/sessions", json=session_payload())
    upstream.post(BASE + "/v1/embed/sessions", json=session_payload())
    for app in (host(redis_server.url), host(redis_server.url), host(redis_server.url)):
        response = post_json(app.test_client(), "/session", {"mode": "create"})
        assert response.status_code == 200
    assert sum(call.request.url.endswith("/provision") for call in upstream.calls) == 1
    # Nothing in Redis holds the key's text.
    raw = redis_server.client()
    assert all(b"ck_live" not in raw.get(name) for name in raw.scan_iter("craftkit-bff:key:*"))


def test_readyz_reports_redis_degraded_but_stays_ready(upstream):
    upstream.get(BASE + "/", status=404)
    client = host(f"redis://127.0.0.1:{free_port()}/0").test_client()
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"]["key_store"] == "degraded"


def test_readyz_reports_redis_ok(redis_server, upstream):
    upstream.get(BASE + "/", status=404)
    response = host(redis_server.url).test_client().get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"]["key_store"] == "ok"


def test_readyz_has_no_key_store_check_without_redis(upstream):
    upstream.get(BASE + "/", status=404)
    response = host("").test_client().get("/readyz")
    assert "key_store" not in response.json["checks"]


def test_redis_down_mint_succeeds_and_the_fallback_is_counted(upstream):
    expect_provision(upstream, "org-a")
    upstream.post(BASE + "/v1/embed/sessions", json=session_payload())
    client = host(f"redis://127.0.0.1:{free_port()}/0", CRAFTKIT_METRICS="true").test_client()
    assert post_json(client, "/session", {"mode": "create"}).status_code == 200
    text = client.get("/metrics").get_data(as_text=True)
    assert 'craftkit_bff_key_store_fallbacks_total{operation="get"}' in text
    assert "craftkit_bff_key_store_degraded 1.0" in text


@pytest.mark.parametrize("behaviour", ["silent", "garbage", "reset"])
def test_a_broken_redis_never_reaches_the_browser(upstream, behaviour):
    expect_provision(upstream, "org-a")
    for _ in range(3):
        upstream.post(BASE + "/v1/embed/sessions", json=session_payload())
    with bad_redis(behaviour) as url:
        client = host(url, CRAFTKIT_CACHE_TIMEOUT="0.2").test_client()
        statuses = [post_json(client, "/session", {"mode": "create"}).status_code
                    for _ in range(3)]
    assert statuses == [200, 200, 200]

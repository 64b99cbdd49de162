"""Catalog records in the fleet's Redis (no registry): once per org per version across hosts.

Each host is its own app (its own process state) sharing one real redis-server: the publish
is claimed with a Redis lock, the version recorded sealed under the cache key.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import responses
from flask import Flask

from bff import create_app
from tests.support.catalogs import SlowPublish, calls, catalog_file
from tests.support.craftkit_mock import BASE, post_json, session_payload
from tests.support.secrets import secret

from .modes import host_config


def host(url: str, **extra) -> Flask:
    """One admin-mode BFF host (its own process state) sharing the Redis at url."""
    return create_app({**host_config("admin", Path(".")), "CRAFTKIT_CACHE_URL": url,
                       **extra})


@pytest.fixture
def upstream():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def test_three_hosts_of_concurrent_first_sessions_publish_once(redis_server, upstream,
                                                               tmp_path):
    upstream.post(BASE + "/v1/admin/provision", json={"apiKey": "ck_live_key_for_org_a"})
    publish = SlowPublish(delay=0.3)
    upstream.add_callback("POST", BASE + "/v1/embed/catalogs", callback=publish)
    upstream.post(BASE + "/v1/embed/sessions", json=session_payload())
    file = catalog_file(tmp_path)
    hosts = [host(redis_server.url, CRAFTKIT_CATALOG_FILE=file) for _ in range(3)]
    with ThreadPoolExecutor(12) as pool:
        statuses = list(pool.map(lambda i: post_json(
            hosts[i % 3].test_client(), "/session", {"mode": "create"}).status_code,
            range(12)))
    assert statuses == [200] * 12
    assert len(publish.bodies) == 1
    # A host started later reads the record: no publish.
    late = host(redis_server.url, CRAFTKIT_CATALOG_FILE=file)
    assert post_json(late.test_client(), "/session", {"mode": "create"}).status_code == 200
    assert len(publish.bodies) == 1
    # The record is sealed: Redis holds no version in clear, no catalog, no key.
    raw = redis_server.client()
    version = late.extensions["craftkit_bff"].catalogs.version.encode()
    assert all(version not in raw.get(name) for name in raw.scan_iter("craftkit-bff:catalog:*"))


def test_a_record_written_under_another_cache_key_reads_as_none(redis_server, upstream,
                                                                tmp_path):
    upstream.post(BASE + "/v1/admin/provision", json={"apiKey": "ck_live_key_for_org_a"})
    upstream.post(BASE + "/v1/embed/catalogs", status=201, json={})
    upstream.post(BASE + "/v1/embed/sessions", json=session_payload())
    file = catalog_file(tmp_path)
    one = host(redis_server.url, CRAFTKIT_CATALOG_FILE=file, CRAFTKIT_CACHE_KEY=secret("a" * 32))
    assert post_json(one.test_client(), "/session", {"mode": "create"}).status_code == 200
    other = host(redis_server.url, CRAFTKIT_CATALOG_FILE=file, CRAFTKIT_CACHE_KEY=secret("b" * 32))
    assert post_json(other.test_client(), "/session", {"mode": "create"}).status_code == 200
    assert calls(upstream, "/v1/embed/catalogs") == 2

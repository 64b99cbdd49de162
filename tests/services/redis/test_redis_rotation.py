"""CRAFTKIT_CACHE_KEY rotation through the real routes and a real Redis: no provision storm.

Who relies on it: a fleet sharing Redis. Entries are sealed under the cache key; a host
deployed with a new key reads the old entries as misses, so without the previous key every
org of the fleet is provisioned again at once.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import responses
from flask import Flask

from bff import create_app
from tests.support.craftkit_mock import (
    ADMIN_KEY,
    BASE,
    expect_provision,
    post_json,
    session_payload,
)
from tests.support.secrets import secret

from .modes import host_config


def host(url: str, **extra) -> Flask:
    """One admin-mode BFF host (its own process state) sharing the Redis at url."""
    return create_app({**host_config("admin", Path(".")), "CRAFTKIT_CACHE_URL": url,
                       **extra})


OLD = secret("cache-secret-old-0123456789abcdef")
NEW = secret("cache-secret-new-0123456789abcdef")


@pytest.fixture
def upstream():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def provisions(upstream) -> int:
    return sum(call.request.url.endswith("/provision") for call in upstream.calls)


def mint(app, upstream) -> None:
    upstream.post(BASE + "/v1/embed/sessions", json=session_payload())
    assert post_json(app.test_client(), "/session", {"mode": "create"}).status_code == 200


@pytest.mark.parametrize(("before", "after"), [
    ({"CRAFTKIT_CACHE_KEY": OLD},
     {"CRAFTKIT_CACHE_KEY": NEW, "CRAFTKIT_CACHE_KEY_PREVIOUS": OLD}),
    # The first explicit cache key: the entries were derived from the admin key.
    ({}, {"CRAFTKIT_CACHE_KEY": NEW, "CRAFTKIT_CACHE_KEY_PREVIOUS": ADMIN_KEY}),
])
def test_a_host_with_the_previous_cache_key_reads_the_old_entries(redis_server, upstream,
                                                                  before, after):
    expect_provision(upstream, "org-a")
    mint(host(redis_server.url, **before), upstream)
    mint(host(redis_server.url, **after), upstream)
    assert provisions(upstream) == 1


def test_without_the_previous_cache_key_every_org_is_provisioned_again(redis_server, upstream):
    expect_provision(upstream, "org-a")
    mint(host(redis_server.url, CRAFTKIT_CACHE_KEY=OLD), upstream)
    expect_provision(upstream, "org-a")
    mint(host(redis_server.url, CRAFTKIT_CACHE_KEY=NEW), upstream)
    assert provisions(upstream) == 2


def test_entries_written_after_the_rotation_are_sealed_under_the_new_key(redis_server,
                                                                         upstream):
    expect_provision(upstream, "org-a")
    mint(host(redis_server.url, CRAFTKIT_CACHE_KEY=NEW, CRAFTKIT_CACHE_KEY_PREVIOUS=OLD),
         upstream)
    # A host that dropped the previous key (the rotation's second deploy) reads it.
    mint(host(redis_server.url, CRAFTKIT_CACHE_KEY=NEW), upstream)
    assert provisions(upstream) == 1

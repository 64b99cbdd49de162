"""Choosing the key store: CRAFTKIT_CACHE_* settings, their errors, a host app's own store."""

import pytest

from bff import ConfigError, CraftkitBFF, create_app
from bff.config import settings_from
from bff.credentials import MemoryKeyStore
from bff.credentials.selection import key_store_for, wait_timeout_for
from bff.ops.metrics import Metrics
from tests.support.craftkit_mock import ADMIN_KEY


@pytest.mark.parametrize("url", [
    "http://cache:6379", "redis://", "redis:///0", "cache:6379", "redis://cache:port/0",
    "redis://cache:6379/db", "redis://:hunter2-password@cache:99999/0", "unix:///tmp/r.sock",
])
def test_unparsable_cache_url_fails_at_start_up_naming_the_variable(config, url):
    with pytest.raises(ConfigError) as raised:
        create_app({**config, "CRAFTKIT_CACHE_URL": url})
    assert "CRAFTKIT_CACHE_URL" in str(raised.value)
    assert "hunter2" not in str(raised.value)


@pytest.mark.parametrize("url", ["redis://cache", "redis://cache:6380/2",
                                 "rediss://user:pw@cache.example.com:6380/0",
                                 "redis://[::1]:6379"])
def test_redis_and_rediss_urls_are_accepted(config, url):
    assert settings_from({**config, "CRAFTKIT_CACHE_URL": url}).cache_url == url


def test_without_cache_url_the_store_is_in_process(config):
    settings = settings_from(config)
    assert isinstance(key_store_for(settings, Metrics(False)), MemoryKeyStore)


def test_cache_url_builds_a_locking_store_without_connecting(config):
    # Nothing listens on port 1: building the store must not need Redis to be up.
    settings = settings_from({**config, "CRAFTKIT_CACHE_URL": "redis://127.0.0.1:1/0"})
    store = key_store_for(settings, Metrics(False))
    assert hasattr(store, "try_lock") and store.health() == "degraded"


def test_cache_secret_is_the_cache_key_else_the_admin_key_with_its_own_label(config):
    plain = settings_from(config)
    assert (plain.cache_secret, plain.cache_secret_label) == (ADMIN_KEY.encode(), b"admin-key")
    own = settings_from({**config, "CRAFTKIT_CACHE_KEY": "cache-secret"})
    assert (own.cache_secret, own.cache_secret_label) == (b"cache-secret", b"cache-key")


def test_waits_are_bounded_by_twice_the_upstream_timeout(config):
    settings = settings_from({**config, "CRAFTKIT_TIMEOUT": "2,8"})
    assert wait_timeout_for(settings) == 20
    app = create_app({**config, "CRAFTKIT_TIMEOUT": "2,8"})
    assert app.extensions["craftkit_bff"].keys.wait_timeout == 20


def test_a_host_app_passes_its_own_store(config):
    from flask import Flask

    store = MemoryKeyStore(5, 60)
    app = Flask("host")
    app.config.update({**config, "CRAFTKIT_CACHE_URL": "redis://127.0.0.1:1/0"})
    CraftkitBFF(app, key_store=store)
    assert app.extensions["craftkit_bff"].keys.store is store

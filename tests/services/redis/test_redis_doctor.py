"""`doctor` checks the shared key store: Redis answers, and its entries open with our secret.

Before, a Redis that did not answer passed every check (each process quietly provisioned
on its own), and a host with another CRAFTKIT_CACHE_KEY read every entry as a miss.
"""

from __future__ import annotations

import io
from pathlib import Path

import responses
from flask import Flask

from bff import create_app
from bff.commands.doctor import doctor
from tests.support.craftkit_mock import (
    ADMIN_KEY,
    BASE,
    JWT_SECRET,
    expect_provision,
    post_json,
    session_payload,
)
from tests.support.secrets import secret
from tests.support.servers import free_port

from .modes import host_config


def host(url: str, **extra) -> Flask:
    """One admin-mode BFF host (its own process state) sharing the Redis at url."""
    return create_app({**host_config("admin", Path(".")), "CRAFTKIT_CACHE_URL": url,
                       **extra})


OLD = secret("old-cache-key-0123456789abcdef")
NEW = secret("new-cache-key-0123456789abcdef")


def run_doctor(monkeypatch, **env):
    for name, value in {"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_BASE_URL": BASE,
                        "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET, **env}.items():
        monkeypatch.setenv(name, value)
    out = io.StringIO()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as craftkit:
        craftkit.get(BASE + "/", status=404)
        craftkit.post(BASE + "/v1/admin/provision", status=422)
        code = doctor(None, [], out=out)
    return code, out.getvalue()


def fill(redis_url, **settings):
    with responses.RequestsMock() as craftkit:
        expect_provision(craftkit, "org-a")
        craftkit.post(BASE + "/v1/embed/sessions", json=session_payload())
        app = host(redis_url, **settings)
        assert post_json(app.test_client(), "/session", {"mode": "create"}).status_code == 200


def test_a_redis_that_does_not_answer_fails_the_check(monkeypatch):
    port = free_port()
    code, text = run_doctor(monkeypatch, CRAFTKIT_CACHE_URL=f"redis://:hunter2secret@127.0.0.1:{port}/0")
    assert code == 1
    assert f"FAIL  key store: Redis at 127.0.0.1:{port} does not answer" in text
    assert "hunter2secret" not in text


def test_entries_of_another_cache_key_fail_the_check_and_the_previous_key_passes(
        redis_server, monkeypatch):
    fill(redis_server.url, CRAFTKIT_CACHE_KEY=OLD)
    code, text = run_doctor(monkeypatch, CRAFTKIT_CACHE_URL=redis_server.url,
                            CRAFTKIT_CACHE_KEY=NEW)
    assert code == 1
    assert "1 of 1 entries do not open with CRAFTKIT_CACHE_KEY" in text
    code, text = run_doctor(monkeypatch, CRAFTKIT_CACHE_URL=redis_server.url,
                            CRAFTKIT_CACHE_KEY=NEW,
                            CRAFTKIT_CACHE_KEY_PREVIOUS=OLD)
    assert code == 0, text
    assert "1 entries checked, every one opens (1 under the previous key" in text

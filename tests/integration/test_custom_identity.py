"""The Flask host example's custom identity loader, end to end against the emulator over real
HTTP (docs/flask.md shows the example; tests/unit/test_docs.py keeps the two equal)."""

from __future__ import annotations

import pytest
import requests

from bff import ConfigError
from examples.flask_host.app import create_host_app
from tests.support.servers import serve_app

from .conftest import ADMIN_KEY


def test_custom_loader_signs_users_in_and_mints_sessions(emulator_url):
    app = create_host_app({"SECRET_KEY": "host-secret", "CRAFTKIT_ADMIN_KEY": ADMIN_KEY,
                           "CRAFTKIT_BASE_URL": emulator_url})
    with serve_app(app) as url, requests.Session() as browser:
        assert browser.get(url + "/api/craftkit/templates", timeout=10).status_code == 401
        assert browser.post(url + "/login", data={"user": "ada"}, timeout=10).status_code == 204
        minted = browser.post(url + "/api/craftkit/session", json={"mode": "create"},
                              timeout=10, headers={"Origin": url})
        assert minted.status_code == 200, minted.text
        assert minted.json()["iframe_url"].startswith(emulator_url)
        # The session cookie is CSRF-exposed: another site's POST is refused.
        forged = browser.post(url + "/api/craftkit/session", json={"mode": "create"},
                              timeout=10, headers={"Origin": "https://evil.example"})
        assert forged.status_code == 403


def test_custom_loader_that_needs_the_session_refuses_to_start_without_secret_key(
        emulator_url, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_host_app({"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_BASE_URL": emulator_url})

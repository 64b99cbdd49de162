"""Unit-test fixtures: the BFF with Craftkit mocked by a strict ``responses`` fixture."""

from __future__ import annotations

import pytest
import responses

from bff import create_app
from tests.support.craftkit_mock import ADMIN_KEY, BASE, JWT_SECRET


@pytest.fixture
def config():
    return {"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_BASE_URL": BASE + "/",
            "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET, "CRAFTKIT_TIMEOUT": "0.5,1",
            "TESTING": True}


@pytest.fixture
def app(config):
    app = create_app(config)
    yield app
    # Stop a circuit probe a test may have started, rather than leave it polling.
    app.extensions["craftkit_bff"].upstream.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def upstream():
    """Craftkit, strictly mocked: every registered call must happen, nothing else may."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock

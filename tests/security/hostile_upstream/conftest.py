"""A misbehaving Craftkit double on a real socket, and the BFF in front of it."""

from __future__ import annotations

import pytest

from bff import create_app
from tests.support.hostile_craftkit import HostileCraftkit
from tests.support.secrets import secret
from tests.support.tokens import bearer, mint_jwt

ADMIN_KEY = "ck_admin_hostile_upstream_0123456789"
JWT_SECRET = secret("hostile-upstream-jwt-secret-0123456789")
READ_TIMEOUT = 1.0
MARGIN = 1.0


def auth(sub="ada", orgs=("acme",)):
    """Return headers carrying a valid JWT for sub in orgs."""
    return bearer(mint_jwt(JWT_SECRET, sub, orgs))


@pytest.fixture
def craftkit():
    with HostileCraftkit() as double:
        yield double


def bff_app(craftkit: HostileCraftkit, **config):
    """Build the BFF against the double (read timeout READ_TIMEOUT unless overridden)."""
    return create_app({"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_BASE_URL": craftkit.url,
                       "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET,
                       "CRAFTKIT_TIMEOUT": f"0.5,{READ_TIMEOUT}", **config})


@pytest.fixture
def bff(craftkit):
    app = bff_app(craftkit)
    yield app.test_client()
    app.extensions["craftkit_bff"].upstream.close()

"""The BFF's production servers as processes, against the emulator served in this process."""

from __future__ import annotations

import pytest

from bff.emulator import create_emulator_app
from tests.support.secrets import secret
from tests.support.servers import serve_app
from tests.support.tokens import mint_jwt

ADMIN_KEY = "ck_admin_servers_secret_0123456789"
JWT_SECRET = secret("servers-jwt-secret-0123456789abcdef")


def token_for(sub: str = "ada", orgs=("acme",)) -> str:
    """A host-app JWT for sub in orgs."""
    return mint_jwt(JWT_SECRET, sub, orgs, names={}, profile=True)


@pytest.fixture(scope="module")
def emulator_url():
    """The emulator over real HTTP, for this module's server processes to call."""
    with serve_app(create_emulator_app({"ADMIN_KEY": ADMIN_KEY, "ACCOUNT_KEYS": []})) as url:
        yield url

"""The BFF's two provisioning strategies as Redis tests configure and mock them."""

from __future__ import annotations

from pathlib import Path

from responses import RequestsMock, matchers

from tests.support.craftkit_mock import ADMIN_KEY, BASE, JWT_SECRET, ORG_KEYS, expect_provision
from tests.support.secrets import secret

ACCOUNT_KEY = "ck_acct_redis_tests_0123456789abcdef"
REGISTRY_SECRET = secret("redis-tests-registry-secret-0123456789")


def host_config(mode: str, directory: Path) -> dict:
    """Return one host's configuration in mode ("admin" or "account"), no cache key set."""
    common = {"CRAFTKIT_BASE_URL": BASE, "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET,
              "CRAFTKIT_TIMEOUT": "0.5,1", "TESTING": True}
    if mode == "admin":
        return {**common, "CRAFTKIT_ADMIN_KEY": ADMIN_KEY}
    return {**common, "CRAFTKIT_ACCOUNT_KEY": ACCOUNT_KEY,
            "CRAFTKIT_REGISTRY_URL": f"sqlite:///{directory / 'registry.sqlite3'}",
            "CRAFTKIT_REGISTRY_SECRET": REGISTRY_SECRET}


def expect_org_key(mock: RequestsMock, mode: str, org: str = "org-a") -> list:
    """Register the calls that give org its key (ORG_KEYS[org]) in mode; return them."""
    if mode == "admin":
        return [expect_provision(mock, org)]
    account = matchers.header_matcher({"Authorization": f"Bearer {ACCOUNT_KEY}"})
    project = f"proj-{org}"
    return [mock.post(BASE + "/v1/projects", status=201, match=[account],
                      json={"id": project, "slug": org, "name": f"{org} [ckbff:{org}]"}),
            mock.post(f"{BASE}/v1/projects/{project}/keys", status=201, match=[account],
                      json={"id": f"key-{org}", "prefix": "ck_live_", "key": ORG_KEYS[org]})]

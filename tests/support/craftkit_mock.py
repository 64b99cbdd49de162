"""Craftkit mocked with ``responses``: the configuration, answers and expected calls.

The unit tier's double (its fixtures are in tests/unit/conftest.py); the security and
Redis tests use it too.
"""

from __future__ import annotations

import json
import time

from responses import matchers

from .secrets import secret
from .tokens import bearer as auth_header
from .tokens import mint_jwt

BASE = "https://craftkit.test"
ADMIN_KEY = "ck_admin_unit_secret_0123456789"
JWT_SECRET = secret("jwt-unit-secret-with-enough-length-0123")
ORG_KEYS = {"org-a": "ck_live_key_for_org_a", "org-b": "ck_live_key_for_org_b"}
ORG_NAMES = {"org-a": "Org A", "org-b": "Org B"}
UPSTREAM_RENEW = "ckr_upstream_renew_token_secret"
SECRETS = (ADMIN_KEY, JWT_SECRET, UPSTREAM_RENEW, *ORG_KEYS.values())


def make_jwt(sub="user-1", orgs=("org-a",), secret=JWT_SECRET, algorithm="HS256",
             exp_in=300, **claims):
    """Return a host-app JWT for sub in orgs (ids or {"id","name"} dicts)."""
    return mint_jwt(secret, sub, orgs, names=ORG_NAMES, profile=True, algorithm=algorithm,
                    expires_in=exp_in, **claims)


def bearer(**kwargs):
    """Return headers carrying a JWT for make_jwt(**kwargs)."""
    return auth_header(make_jwt(**kwargs))


def session_payload(**overrides):
    """Return an upstream session answer expiring in 15 minutes."""
    expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 900))
    return {"session_token": "eyJ.session.token", "iframe_url": BASE + "/embed/builder#token=t",
            "renew_token": UPSTREAM_RENEW, "expires_at": expires, **overrides}


def expect_provision(mock, org="org-a", key=None, status=200):
    """Register one provision call for org, matched on the admin key and exact body."""
    return mock.post(
        BASE + "/v1/admin/provision", status=status,
        json={"projectId": f"p-{org}", "partnerId": f"pt-{org}",
              "apiKey": key or ORG_KEYS[org], "alreadyExisted": False},
        match=[matchers.header_matcher({"Authorization": f"Bearer {ADMIN_KEY}"}),
               matchers.json_params_matcher({"externalOrgId": org,
                                             "orgName": ORG_NAMES.get(org, org)})])


def with_key(org):
    """Match a request carrying org's project key."""
    return matchers.header_matcher({"Authorization": f"Bearer {ORG_KEYS[org]}"})


def post_json(client, path, body, headers=None):
    return client.post("/api/craftkit" + path, json=body, headers=headers or bearer())


def endless_pages(next_cursor, size: int = 0, delay: float = 0.0):
    """A ``responses`` callback for a list that always has one more page.

    Page n holds one project and ``next_cursor(n)``; returns (callback, [pages served]).
    """
    served = [0]

    def answer(request):
        served[0] += 1
        time.sleep(delay)
        return 200, {}, json.dumps({"data": [{"id": f"p{served[0]}", "name": "x" * size}],
                                    "next_cursor": next_cursor(served[0])})
    return answer, served

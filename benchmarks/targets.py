"""What each benchmark target is sent: the JWT, the org key, bodies and wrk arguments."""

from __future__ import annotations

import hashlib
import json
import time

try:
    import jwt
except ImportError:
    raise SystemExit("pyjwt is missing: run this with the project's venv "
                     "(.venv/bin/python).") from None

JWT_SECRET = "benchmark-jwt-secret-0123456789abcdef-0123456789"
ORG = "bench-org"
USER = "user-1"


def token_for(org: str, user: str = USER) -> str:
    claims = {"sub": user, "email": f"{user}@example.test", "name": "Bench User",
              "orgs": [{"id": org, "name": f"{org} Inc."}], "exp": int(time.time()) + 86400}
    return jwt.encode(claims, JWT_SECRET, algorithm="HS256")


def org_key(org: str) -> str:
    """The key the stand-in hands out for org (it is derived, so direct runs can use it)."""
    return "ck_live_bench_" + hashlib.sha256(org.encode()).hexdigest()[:32]


def upstream_session_body(org: str) -> dict:
    """What the BFF (and the reference) send upstream for a create-mode mint."""
    return {"tenant": {"externalId": org, "displayName": f"{org} Inc."},
            "actor": {"externalId": USER, "email": f"{USER}@example.test",
                      "displayName": "Bench User"},
            "scope": {"mode": "create"},
            "permissions": {"publish": True, "saveDraft": True, "viewVersionHistory": True,
                            "changePageSettings": True, "rollback": False, "delete": False,
                            "rename": False, "createCustomVariables": False}}


def request_for(target: str, route: str, base: str, org: str = ORG) -> dict:
    """wrk arguments (url, method, headers, body) for a route on a target."""
    if target == "direct":
        auth = {"Authorization": f"Bearer {org_key(org)}"}
        if route == "mint":
            return dict(url=base + "/v1/embed/sessions", method="POST",
                        headers={**auth, "Content-Type": "application/json"},
                        body=json.dumps(upstream_session_body(org)))
        return dict(url=base + "/v1/embed/builder/templates", method="GET", headers=auth)
    # The BFF takes the user from the JWT; the reference (auth stubbed) from the body.
    auth = {} if target == "reference" else {"Authorization": f"Bearer {token_for(org)}"}
    if route == "mint":
        body = {"tenantExternalId": org, "mode": "create"}
        if target == "reference":
            body.update(userId=USER, userEmail=f"{USER}@example.test",
                        userDisplayName="Bench User", tenantDisplayName=f"{org} Inc.")
        return dict(url=base + "/api/craftkit/session", method="POST",
                    headers={**auth, "Content-Type": "application/json"},
                    body=json.dumps(body))
    return dict(url=base + f"/api/craftkit/templates?tenantExternalId={org}", method="GET",
                headers=auth)

"""Session JWTs signed with the org's partner key, and single-use rotating renew tokens."""

from __future__ import annotations

import json
import uuid
from typing import Any

import jwt
from flask import current_app

from .clock import iso, now
from .config import random_token
from .crypto import SealBroken, hash_key
from .errors import ApiError, InternalError, Unauthorized
from .provisioning import signing_context
from .session_request import PAGE_FOR_MODE
from .store import Store

ISSUER = "craftkit-emulator"
AUDIENCE = "craftkit-embed"
RENEW_PREFIX = "ckr_"
_REQUIRED = ["exp", "iat", "jti", "pid", "prj", "sub", "mode", "perms", "sid"]


def signing_key(store: Store, partner_id: str) -> str:
    """Return the partner's HS256 key; 500 when it no longer decrypts (admin key changed)."""
    row = store.one("SELECT signing_key_sealed FROM partners WHERE id = ?", (partner_id,))
    if row is None:
        raise Unauthorized("Unknown embed partner.", code="invalid_session")
    sealer = current_app.extensions["craftkit_emulator"]["sealer"]
    try:
        return sealer.open(row["signing_key_sealed"], signing_context(partner_id))
    except SealBroken:
        raise InternalError() from None


def issue(store: Store, context: dict[str, Any], host_url: str) -> dict[str, str]:
    """Sign a session for context and store a fresh renew token; return the 4-field answer."""
    issued = int(now())
    expires = issued + int(current_app.config["SESSION_TTL"])
    claims = {**context, "iss": ISSUER, "aud": AUDIENCE, "iat": issued, "exp": expires,
              "jti": str(uuid.uuid4())}
    token = jwt.encode(claims, signing_key(store, context["pid"]), algorithm="HS256")
    renew = RENEW_PREFIX + random_token(40)
    store.execute(
        "INSERT INTO renew_tokens (token_hash, project_id, partner_id, session, expires_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (hash_key(renew), context["prj"], context["pid"], json.dumps(context),
         issued + int(current_app.config["RENEW_TTL"])),
    )
    page = PAGE_FOR_MODE[context["mode"]]
    return {
        "session_token": token,
        "iframe_url": f"{host_url.rstrip('/')}/embed/{page}#token={token}",
        "renew_token": renew,
        "expires_at": iso(expires),
    }


def redeem(store: Store, renew_token: str, partner_id: str | None) -> dict[str, Any]:
    """Use up a renew token presented by partner_id and return its session context."""
    rejected = ApiError("The renew token is unknown, expired, already used or not this "
                        "org's; mint a new session.", code="invalid_renew_token", status=401)
    with store.transaction():
        row = store.one("SELECT * FROM renew_tokens WHERE token_hash = ?", (hash_key(renew_token),))
        if row is None or row["used_at"] is not None or row["expires_at"] <= now():
            raise rejected
        # The seed's "single fixed key" pitfall: another org's key cannot refresh (and
        # does not burn) this org's session.
        if row["partner_id"] != partner_id:
            raise rejected
        store.execute("UPDATE renew_tokens SET used_at = ? WHERE token_hash = ?",
                      (now(), row["token_hash"]))
    return json.loads(row["session"])


def verify(store: Store, token: str) -> dict[str, Any]:
    """Return the claims of a valid, unexpired session token, else 401."""
    invalid = Unauthorized("The session token is not valid.", code="invalid_session")
    try:
        unverified = jwt.decode(token, options={"verify_signature": False})
        key = signing_key(store, str(unverified.get("pid")))
        claims = jwt.decode(
            token, key, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER,
            # exp is checked below against the app clock, which tests can move.
            options={"require": _REQUIRED, "verify_exp": False, "verify_iat": False},
        )
    except jwt.InvalidTokenError:
        raise invalid from None
    if claims["exp"] <= now():
        raise Unauthorized("The session has expired; ask the host page for a new token.",
                           code="session_expired")
    live = store.one("SELECT 1 FROM projects WHERE id = ? AND deleted_at IS NULL",
                     (claims["prj"],))
    if live is None:
        raise invalid
    return claims

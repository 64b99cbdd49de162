"""Who is calling: the Identity type, the session and JWT loaders, and sign-in helpers.

The tenant and the user always come from the host app's authentication, never from the
browser alone. A loader is any callable returning an Identity or None (unauthenticated).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import jwt
from cachetools import TTLCache
from flask import current_app, g, request, session

from .config import Settings
from .jwks import JwksKeys

log = logging.getLogger("bff.identity")

SESSION_KEY = "craftkit_identity"
MAX_ID_LENGTH = 200
IdentityLoader = Callable[[], "Identity | None"]
# A browser sends the same JWT with every call; verifying it (base64 checks, HMAC or RSA,
# claim checks) costs more CPU than the rest of a request, so successes are remembered.
VERIFIED_TOKENS_SIZE = 4096
VERIFIED_TOKENS_TTL = 60.0


@dataclass(frozen=True)
class Identity:
    """A signed-in user and the orgs (id -> display name) they belong to."""

    user_id: str
    email: str | None = None
    display_name: str | None = None
    orgs: Mapping[str, str] = field(default_factory=dict)
    # How the identity arrived. Only an Authorization header is immune to CSRF; a cookie
    # (session or JWT) rides along on cross-site requests, so those POSTs are checked.
    via: str = "cookie"

    @classmethod
    def from_claims(cls, claims: Mapping[str, object], via: str) -> Identity | None:
        """Build an Identity from a JWT or session payload; None if it is unusable."""
        user_id = claims.get("sub") or claims.get("user_id")
        if not isinstance(user_id, str) or not 0 < len(user_id) <= MAX_ID_LENGTH:
            return None
        email, name = claims.get("email"), claims.get("name") or claims.get("display_name")
        return cls(user_id=user_id, email=email if isinstance(email, str) else None,
                   display_name=name if isinstance(name, str) else None,
                   orgs=_orgs_from(claims), via=via)

    def to_session(self) -> dict:
        """Return the JSON-able form stored in the host app's signed session."""
        return {"sub": self.user_id, "email": self.email, "name": self.display_name,
                "orgs": [{"id": k, "name": v} for k, v in self.orgs.items()]}


def _orgs_from(claims: Mapping[str, object]) -> dict[str, str]:
    orgs: dict[str, str] = {}
    raw = claims.get("orgs")
    if raw is None and isinstance(claims.get("org_id"), str):
        raw = [{"id": claims["org_id"], "name": claims.get("org_name")}]
    for item in raw if isinstance(raw, list) else []:
        org_id, name = (item, None) if isinstance(item, str) else (
            (item.get("id"), item.get("name")) if isinstance(item, dict) else (None, None))
        if isinstance(org_id, str) and org_id:
            orgs[org_id] = name if isinstance(name, str) and name else org_id
    return orgs


def sign_in(identity: Identity) -> None:
    """Store the identity in the host app's signed session (call it at your sign-in)."""
    session[SESSION_KEY] = identity.to_session()


def sign_out() -> None:
    """Remove the identity from the session."""
    session.pop(SESSION_KEY, None)


def session_identity_loader() -> Identity | None:
    """Load the identity a host app stored in its signed Flask session with sign_in()."""
    data = session.get(SESSION_KEY)
    return Identity.from_claims(data, via="session") if isinstance(data, dict) else None


class VerifiedTokens:
    """JWTs that verified recently, so a repeat costs a lookup instead of a verification.

    Only successes are kept, keyed by a SHA-256 of the exact token text, for at most ttl
    seconds and never past the token's own exp (with the same leeway jwt.decode allows).
    A hit is what a fresh jwt.decode would accept: signature, audience and issuer cannot
    change for the same text, and nbf/iat only recede into the past.
    """

    def __init__(self, leeway: float, maxsize: int = VERIFIED_TOKENS_SIZE,
                 ttl: float = VERIFIED_TOKENS_TTL, clock: Callable[[], float] = time.time,
                 timer: Callable[[], float] = time.monotonic) -> None:
        self._cache: TTLCache[bytes, tuple[dict, int]] = TTLCache(maxsize, ttl, timer=timer)
        self._lock = threading.Lock()
        self._leeway = leeway
        self._clock = clock

    def get(self, token: str) -> dict | None:
        """Return the claims of a token verified recently and not expired since, or None."""
        with self._lock:
            entry = self._cache.get(_digest(token))
        if entry is None or entry[1] <= self._clock() - self._leeway:
            return None
        return entry[0]

    def add(self, token: str, claims: dict) -> None:
        """Remember a token jwt.decode has just accepted (it required a numeric exp)."""
        with self._lock:
            self._cache[_digest(token)] = (claims, int(claims["exp"]))


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def jwt_identity_loader(settings: Settings) -> IdentityLoader:
    """Return a loader that verifies a host-issued JWT from the header or the cookie."""
    keys = _verification_keys(settings)
    jwks = JwksKeys(settings.jwks_url, ttl=settings.jwks_ttl) if settings.jwks_url else None
    verified = VerifiedTokens(settings.jwt_leeway)

    def load() -> Identity | None:
        token, via = _bearer_token(settings.jwt_cookie)
        if token is None:
            return None
        claims = verified.get(token)
        if claims is not None:
            return Identity.from_claims(claims, via=via)
        try:
            header = jwt.get_unverified_header(token)
            algorithm = header.get("alg")
            key = keys.get(algorithm)
            if key is None and jwks is not None:
                key = jwks.key_for(header.get("kid"), algorithm)
            if key is None:
                return None
            claims = jwt.decode(token, key, algorithms=[algorithm],
                                audience=settings.jwt_audience, issuer=settings.jwt_issuer,
                                leeway=settings.jwt_leeway,
                                options={"require": ["exp", "sub"]})
        except jwt.InvalidTokenError as error:
            log.info("rejected a JWT: %s", type(error).__name__)
            return None
        verified.add(token, claims)
        return Identity.from_claims(claims, via=via)

    return load


def _verification_keys(settings: Settings) -> dict[str, str]:
    # Each algorithm is paired with its own key, so an HS256 token can never be checked
    # against the public key (the classic algorithm-confusion attack).
    keys = {}
    if settings.jwt_secret:
        keys["HS256"] = settings.jwt_secret
    if settings.jwt_public_key:
        keys.update(RS256=settings.jwt_public_key, ES256=settings.jwt_public_key)
    return keys


def _bearer_token(cookie_name: str | None) -> tuple[str | None, str]:
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        return (token.strip() or None, "header") if scheme.lower() == "bearer" else (None, "")
    if cookie_name and request.cookies.get(cookie_name):
        return request.cookies[cookie_name], "cookie"
    return None, ""


def default_identity_loader(settings: Settings) -> IdentityLoader:
    """Use JWTs when a JWT key or JWKS URL is configured, the signed Flask session otherwise."""
    if settings.jwt_secret or settings.jwt_public_key or settings.jwks_url:
        return jwt_identity_loader(settings)
    return session_identity_loader


def current_identity() -> Identity | None:
    """Return the caller's identity (loaded once per request), or None."""
    if "craftkit_identity" not in g:
        g.craftkit_identity = current_app.extensions["craftkit_bff"].identity_loader()
    return g.craftkit_identity

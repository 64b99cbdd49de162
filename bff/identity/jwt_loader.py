"""Identity from a JWT your app issued: header or cookie, HS256/RS256/ES256 or a JWKS URL.

A browser sends the same JWT with every call; verifying it (base64 checks, HMAC or RSA,
claim checks) costs more CPU than the rest of a request, so the identities of verified
tokens are remembered in VerifiedTokens for a short while, within a memory budget.
Nothing a token says about itself is trusted before it verifies: a header whose ``alg``
or ``kid`` is not a plain string, or names an algorithm no configured key signs with, is
simply an invalid token (401).
"""

from __future__ import annotations

import hashlib
import logging
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import jwt
from cachetools import TTLCache
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from flask import request

from ..config import ConfigError, Settings
from . import Carrier, Identity
from .jwks import JwksKeys

log = logging.getLogger("bff.identity")

VERIFIED_TOKENS_BYTES = 8 * 1024 * 1024
VERIFIED_TOKENS_TTL = 60.0
# What an entry holds besides the identity's strings and org table: the Identity object,
# the cache's key (a SHA-256 digest), its node and timer link, the stored tuple.
ENTRY_OVERHEAD = 700


class VerifiedTokens:
    """Identities of JWTs that verified recently: a repeat costs a lookup, not a verification.

    Only successes are kept, keyed by the carrier and a SHA-256 of the exact token text,
    for at most ttl seconds and never past the token's own exp (with the same leeway
    jwt.decode allows). A hit is what a fresh jwt.decode would accept: signature, audience
    and issuer cannot change for the same text, and nbf/iat only recede into the past.
    The cache is bounded in bytes (each identity's strings and org table, measured), so
    large tokens mean fewer entries, never more memory; one too large for it is not kept.
    """

    def __init__(self, leeway: float, max_bytes: int = VERIFIED_TOKENS_BYTES,
                 ttl: float = VERIFIED_TOKENS_TTL, clock: Callable[[], float] = time.time,
                 timer: Callable[[], float] = time.monotonic) -> None:
        self._cache: TTLCache[tuple[str, bytes], tuple[Identity, int, int]] = TTLCache(
            max_bytes, ttl, timer=timer, getsizeof=lambda entry: entry[2])
        self._lock = threading.Lock()
        self._leeway = leeway
        self._clock = clock

    def get(self, token: str, via: Carrier) -> Identity | None:
        """Return the identity of a token verified recently and not expired since, or None."""
        with self._lock:
            entry = self._cache.get((via, _digest(token)))
        if entry is None or entry[1] <= self._clock() - self._leeway:
            return None
        return entry[0]

    def add(self, token: str, via: Carrier, identity: Identity, exp: int) -> None:
        """Remember the identity of a token jwt.decode has just accepted (exp is its exp)."""
        size = footprint(identity)
        if size > self._cache.maxsize:
            return
        with self._lock:
            self._cache[(via, _digest(token))] = (identity, exp, size)

    @property
    def bytes_held(self) -> int:
        """Return the measured size of what the cache holds now."""
        with self._lock:
            return int(self._cache.currsize)


def footprint(identity: Identity) -> int:
    """Return about how many bytes an identity holds: its strings exactly, plus containers."""
    strings = (identity.user_id, identity.email or "", identity.display_name or "",
               *identity.orgs.keys(), *identity.orgs.values())
    return ENTRY_OVERHEAD + sys.getsizeof(identity.orgs) + sum(map(sys.getsizeof, strings))


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


class JwtIdentityLoader:
    """Verify a host-issued JWT from the Authorization header or the configured cookie."""

    needs_secret_key = False

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._keys = verification_keys(settings)
        self._jwks = (JwksKeys(settings.jwks_url, ttl=settings.jwks_ttl)
                      if settings.jwks_url else None)
        self._verified = VerifiedTokens(settings.jwt_leeway)

    def __call__(self) -> Identity | None:
        token, via = _bearer_token(self._settings.jwt_cookie)
        if token is None:
            return None
        identity = self._verified.get(token, via)
        if identity is None:
            claims = self._verify(token)
            identity = Identity.from_claims(claims, via=via) if claims else None
            if claims is None or identity is None:
                return None
            self._verified.add(token, via, identity, int(claims["exp"]))
        return identity

    def _verify(self, token: str) -> dict | None:
        settings = self._settings
        try:
            header = jwt.get_unverified_header(token)
            key, algorithm = self._key_for(header.get("alg"), header.get("kid"))
            if key is None:
                return None
            return jwt.decode(token, key, algorithms=[algorithm],
                              audience=settings.jwt_audience, issuer=settings.jwt_issuer,
                              leeway=settings.jwt_leeway, options={"require": ["exp", "sub"]})
        except jwt.PyJWTError as error:
            # InvalidTokenError, and also InvalidKeyError & co: whatever the token made
            # PyJWT refuse, it is an invalid token, never a server error.
            log.info("rejected a JWT: %s", type(error).__name__)
            return None

    def _key_for(self, algorithm: object, kid: object) -> tuple[Any, str]:
        # The header is attacker-controlled JSON: alg and kid may be lists, numbers, objects.
        if not isinstance(algorithm, str) or not (kid is None or isinstance(kid, str)):
            return None, ""
        key = self._keys.get(algorithm)
        if key is None and self._jwks is not None:
            key = self._jwks.key_for(kid, algorithm)
        return key, algorithm


def verification_keys(settings: Settings) -> dict[str, Any]:
    """Pair each configured key with the one algorithm it verifies (or raise ConfigError).

    Each algorithm gets its own key, so an HS256 token is never checked against the public
    key (the classic algorithm-confusion attack), and a public key serves only the
    algorithm of its type: an ES256 token against an RSA key is a plain 401.
    """
    keys: dict[str, Any] = {}
    if settings.jwt_secret:
        keys["HS256"] = settings.jwt_secret
    if settings.jwt_public_key:
        public_key = _load_public_key(settings.jwt_public_key)
        keys["RS256" if isinstance(public_key, rsa.RSAPublicKey) else "ES256"] = public_key
    return keys


def _load_public_key(pem: str) -> Any:
    try:
        key = load_pem_public_key(pem.encode())
    except ValueError:
        key = None
    if isinstance(key, rsa.RSAPublicKey) or (
            isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1)):
        return key
    raise ConfigError("CRAFTKIT_AUTH_JWT_PUBLIC_KEY must be a PEM RSA public key (RS256) or "
                      "an EC P-256 public key (ES256).")


def _bearer_token(cookie_name: str | None) -> tuple[str | None, Carrier]:
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        token = token.strip() if scheme.lower() == "bearer" else ""
        return token or None, Carrier.HEADER
    if cookie_name and request.cookies.get(cookie_name):
        return request.cookies[cookie_name], Carrier.COOKIE
    return None, Carrier.COOKIE

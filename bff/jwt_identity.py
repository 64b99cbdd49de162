"""Identity from a JWT your app issued: header or cookie, HS256/RS256/ES256 or a JWKS URL.

A browser sends the same JWT with every call; verifying it (base64 checks, HMAC or RSA,
claim checks) costs more CPU than the rest of a request, so successes are remembered in
VerifiedTokens for a short while.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable

import jwt
from cachetools import TTLCache
from flask import request

from .config import Settings
from .identity import Carrier, Identity
from .jwks import JwksKeys

log = logging.getLogger("bff.identity")

VERIFIED_TOKENS_SIZE = 4096
VERIFIED_TOKENS_TTL = 60.0


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


class JwtIdentityLoader:
    """Verify a host-issued JWT from the Authorization header or the configured cookie."""

    needs_secret_key = False

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._keys = _verification_keys(settings)
        self._jwks = (JwksKeys(settings.jwks_url, ttl=settings.jwks_ttl)
                      if settings.jwks_url else None)
        self._verified = VerifiedTokens(settings.jwt_leeway)

    def __call__(self) -> Identity | None:
        token, via = _bearer_token(self._settings.jwt_cookie)
        if token is None:
            return None
        claims = self._verified.get(token)
        if claims is None:
            claims = self._verify(token)
            if claims is None:
                return None
            self._verified.add(token, claims)
        return Identity.from_claims(claims, via=via)

    def _verify(self, token: str) -> dict | None:
        settings = self._settings
        try:
            header = jwt.get_unverified_header(token)
            algorithm = header.get("alg")
            key = self._keys.get(algorithm)
            if key is None and self._jwks is not None:
                key = self._jwks.key_for(header.get("kid"), algorithm)
            if key is None:
                return None
            return jwt.decode(token, key, algorithms=[algorithm],
                              audience=settings.jwt_audience, issuer=settings.jwt_issuer,
                              leeway=settings.jwt_leeway, options={"require": ["exp", "sub"]})
        except jwt.InvalidTokenError as error:
            log.info("rejected a JWT: %s", type(error).__name__)
            return None


def _verification_keys(settings: Settings) -> dict[str, str]:
    # Each algorithm is paired with its own key, so an HS256 token can never be checked
    # against the public key (the classic algorithm-confusion attack).
    keys = {}
    if settings.jwt_secret:
        keys["HS256"] = settings.jwt_secret
    if settings.jwt_public_key:
        keys.update(RS256=settings.jwt_public_key, ES256=settings.jwt_public_key)
    return keys


def _bearer_token(cookie_name: str | None) -> tuple[str | None, Carrier]:
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        token = token.strip() if scheme.lower() == "bearer" else ""
        return token or None, Carrier.HEADER
    if cookie_name and request.cookies.get(cookie_name):
        return request.cookies[cookie_name], Carrier.COOKIE
    return None, Carrier.COOKIE

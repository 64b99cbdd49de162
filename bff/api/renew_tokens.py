"""Sealed renew tokens: the upstream renew token, encrypted and bound to an org and a user.

The browser only ever holds the seal. It is AES-256-GCM under a key derived with
HKDF-SHA256 from the configured secret, so any worker or host with the same configuration
can open a seal made by another, and nobody without it can read or forge one.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..errors import RefreshRejected

_VERSION = "v1"
_AAD = b"craftkit-bff renew-token seal v1"
MAX_SEAL_LENGTH = 4096


@dataclass(frozen=True)
class RenewGrant:
    """What a seal vouches for: the upstream renew token, for this org and user."""

    renew_token: str
    org_id: str
    user_id: str
    expires_at: int


class RenewTokenSealer:
    """Seal and open renew tokens with a key derived from a configured secret."""

    def __init__(self, secret: bytes, label: bytes, ttl: int,
                 timer: Callable[[], float] = time.time) -> None:
        info = b"craftkit-bff renew-token seal from " + label
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)
        self._aead = AESGCM(key)
        self._ttl = ttl
        self._timer = timer

    def seal(self, renew_token: str, org_id: str, user_id: str) -> str:
        """Return an opaque, URL-safe seal of the renew token for this org and user."""
        claims = {"rt": renew_token, "org": org_id, "sub": user_id,
                  "exp": int(self._timer()) + self._ttl}
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, json.dumps(claims).encode(), _AAD)
        return _VERSION + "." + base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")

    def open(self, sealed: str) -> RenewGrant:
        """Return the grant inside a seal, or raise RefreshRejected if it cannot be trusted."""
        version, _, body = sealed.partition(".")
        if version != _VERSION or not body or len(sealed) > MAX_SEAL_LENGTH:
            raise RefreshRejected()
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            claims = json.loads(self._aead.decrypt(raw[:12], raw[12:], _AAD))
            grant = RenewGrant(claims["rt"], claims["org"], claims["sub"], int(claims["exp"]))
        except (binascii.Error, InvalidTag, ValueError, KeyError, TypeError):
            raise RefreshRejected() from None
        if grant.expires_at <= self._timer():
            raise RefreshRejected("The session is too old to refresh; mint a new one.")
        return grant

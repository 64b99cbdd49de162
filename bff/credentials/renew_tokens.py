"""Sealed renew tokens: the upstream renew token, encrypted and bound to an org and a user.

The browser only ever holds the seal. It is AES-256-GCM under a key derived
(``bff.sealing``) from the configured secret, so any worker or host with the same
configuration can open a seal made by another, and nobody without it can read or forge one.
A seal carries no key id: during a rotation each key of the ring is tried in turn.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import RefreshRejected
from ..sealing import NONCE_BYTES, KeyRing, SealingKey, derive

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


def seal_key(secret: bytes, label: bytes) -> SealingKey:
    """Derive the renew-token seal key of one secret (the format carries no key id)."""
    return SealingKey.from_key(derive(secret, b"craftkit-bff renew-token seal from " + label),
                               label)


class RenewTokenSealer:
    """Seal and open renew tokens with keys derived from the configured secrets.

    :param previous: (secret, label) pairs of secrets being rotated out: their seals still
        open until they expire; new seals are made under the current secret only.
    """

    def __init__(self, secret: bytes, label: bytes, ttl: int,
                 timer: Callable[[], float] = time.time,
                 previous: tuple[tuple[bytes, bytes], ...] = ()) -> None:
        self._ring = KeyRing(seal_key(secret, label),
                             *(seal_key(old, old_label) for old, old_label in previous))
        self._ttl = ttl
        self._timer = timer

    def seal(self, renew_token: str, org_id: str, user_id: str) -> str:
        """Return an opaque, URL-safe seal of the renew token for this org and user."""
        claims = {"rt": renew_token, "org": org_id, "sub": user_id,
                  "exp": int(self._timer()) + self._ttl}
        nonce, sealed = self._ring.seal(json.dumps(claims).encode(), _AAD)
        return _VERSION + "." + base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")

    def open(self, sealed: str) -> RenewGrant:
        """Return the grant inside a seal, or raise RefreshRejected if it cannot be trusted."""
        version, _, body = sealed.partition(".")
        if version != _VERSION or not body or len(sealed) > MAX_SEAL_LENGTH:
            raise RefreshRejected()
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            plain = self._ring.open(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _AAD)
            if plain is None:
                raise RefreshRejected()
            claims = json.loads(plain)
            grant = RenewGrant(claims["rt"], claims["org"], claims["sub"], int(claims["exp"]))
        except (binascii.Error, ValueError, KeyError, TypeError):
            raise RefreshRejected() from None
        if grant.expires_at <= self._timer():
            raise RefreshRejected("The session is too old to refresh; mint a new one.")
        return grant

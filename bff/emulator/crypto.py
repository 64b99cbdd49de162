"""Secrets at rest: AES-256-GCM under an admin-key-derived key, and SHA-256 lookup hashes."""

from __future__ import annotations

import base64
import hashlib

from ..sealing import NONCE_BYTES, SealingKey, derive

# Bump the label, never reuse it, if the sealed format changes.
_HKDF_INFO = b"craftkit-emulator/org-secrets/v1"


class SealBroken(Exception):
    """A sealed value could not be opened: another admin key, or tampering."""


def hash_key(key: str) -> str:
    """Return the SHA-256 hex digest used to look a bearer key up without storing it."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class OrgSecretSealer:
    """Encrypt per-org secrets under a key derived (HKDF-SHA256) from the admin key."""

    def __init__(self, admin_key: str):
        # The same AES-256-GCM helper as the BFF's seals (one place to review), in the
        # emulator's own format: base64 of nonce and ciphertext, no key id.
        self._key = SealingKey.from_key(derive(admin_key.encode("utf-8"), _HKDF_INFO), b"")

    def seal(self, plaintext: str, context: str) -> str:
        """Encrypt plaintext, bound to context (a row id) so sealed values cannot be swapped."""
        nonce, sealed = self._key.seal(plaintext.encode("utf-8"), context.encode("utf-8"))
        return base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def open(self, token: str, context: str) -> str:
        """Decrypt a sealed value or raise SealBroken."""
        try:
            raw = base64.urlsafe_b64decode(token.encode("ascii"))
            plain = self._key.open(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode("utf-8"))
            if plain is None:
                raise SealBroken(context)
            return plain.decode("utf-8")
        except ValueError as e:
            raise SealBroken(context) from e

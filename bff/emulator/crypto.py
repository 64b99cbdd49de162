"""Secrets at rest: AES-256-GCM under an admin-key-derived key, and SHA-256 lookup hashes."""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

# Bump the label, never reuse it, if the sealed format changes.
_HKDF_INFO = b"craftkit-emulator/org-secrets/v1"
_NONCE_BYTES = 12


class SealBroken(Exception):
    """A sealed value could not be opened: another admin key, or tampering."""


def hash_key(key: str) -> str:
    """Return the SHA-256 hex digest used to look a bearer key up without storing it."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class OrgSecretSealer:
    """Encrypt per-org secrets under a key derived (HKDF-SHA256) from the admin key."""

    def __init__(self, admin_key: str):
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(
            admin_key.encode("utf-8")
        )
        self._aead = AESGCM(derived)

    def seal(self, plaintext: str, context: str) -> str:
        """Encrypt plaintext, bound to context (a row id) so sealed values cannot be swapped."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode("utf-8"), context.encode("utf-8"))
        return base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def open(self, token: str, context: str) -> str:
        """Decrypt a sealed value or raise SealBroken."""
        try:
            raw = base64.urlsafe_b64decode(token.encode("ascii"))
            nonce, sealed = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
            plain = self._aead.decrypt(nonce, sealed, context.encode("utf-8"))
        except (InvalidTag, ValueError) as e:
            raise SealBroken(context) from e
        return plain.decode("utf-8")

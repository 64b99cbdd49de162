"""Seal project keys before they leave the process: AES-256-GCM, bound to their org.

An envelope is ``version (1 byte) | key id (8) | nonce (12) | ciphertext and tag``. The
encryption key is derived with HKDF-SHA256 from a configured secret under a label of its
own, so it never equals the renew-token seal key derived from the same secret. The org id
is the associated data: an envelope copied to another org's entry does not open. The key
id lets a host tell at once that an envelope was made under another secret (a rotated or
foreign one) and treat it as a miss. Anything that does not open is None, never an error.
"""

from __future__ import annotations

import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_VERSION = b"\x01"
_KEY_ID_LENGTH = 8
_NONCE_LENGTH = 12
_HEADER_LENGTH = 1 + _KEY_ID_LENGTH + _NONCE_LENGTH
_AAD_PREFIX = b"craftkit-bff key-store v1\x00"


class KeyEnvelope:
    """Seal and open org project keys with a key derived from a configured secret."""

    def __init__(self, secret: bytes, label: bytes) -> None:
        info = b"craftkit-bff key-store envelope from " + label
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)
        self._aead = AESGCM(key)
        # A one-way tag of the key: it names the secret without revealing anything about it.
        self.key_id = hashlib.sha256(b"craftkit-bff key-store key id\x00" + key).digest()[
            :_KEY_ID_LENGTH]

    def seal(self, org_id: str, project_key: str) -> bytes:
        """Return the envelope of org_id's project key."""
        nonce = os.urandom(_NONCE_LENGTH)
        sealed = self._aead.encrypt(nonce, project_key.encode(), _aad(org_id))
        return _VERSION + self.key_id + nonce + sealed

    def open(self, org_id: str, envelope: bytes) -> str | None:
        """Return the project key inside envelope, or None if it is not org_id's under our key."""
        if (len(envelope) <= _HEADER_LENGTH or envelope[:1] != _VERSION
                or envelope[1:1 + _KEY_ID_LENGTH] != self.key_id):
            return None
        nonce = envelope[1 + _KEY_ID_LENGTH:_HEADER_LENGTH]
        try:
            plain = self._aead.decrypt(nonce, envelope[_HEADER_LENGTH:], _aad(org_id))
            return plain.decode()
        except (InvalidTag, UnicodeDecodeError):
            return None


def _aad(org_id: str) -> bytes:
    return _AAD_PREFIX + org_id.encode()

"""Row encryption: org project keys sealed with AES-256-GCM under CRAFTKIT_REGISTRY_SECRET.

The row key is derived with HKDF-SHA256 from the registry secret alone, never from the
account or admin key (seed 003: a master key that doubles as the encryption seed cannot be
rotated without losing every record). Each sealed value names the key that sealed it by a
short id, so during a rotation a row sealed under CRAFTKIT_REGISTRY_SECRET_PREVIOUS is
still opened, and ``tenants reencrypt`` knows which rows to rewrite.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_FORMAT = "v1"
_ROW_KEY_INFO = b"craftkit-bff tenant registry row key v1"
_KEY_ID_INFO = b"craftkit-bff tenant registry key id v1"
_NONCE_BYTES = 12
CHECK_TEXT = "craftkit-bff tenant registry key check"
CHECK_CONTEXT = "registry-key-check"


class RowUnreadable(Exception):
    """A sealed value opens under neither configured secret (or was tampered with)."""


class _RowKey:
    """One secret's AEAD key and the short id that sealed values carry."""

    def __init__(self, secret: str) -> None:
        self.aead = AESGCM(_derive(secret, _ROW_KEY_INFO, 32))
        self.key_id = _derive(secret, _KEY_ID_INFO, 4).hex()


class RowCipher:
    """Seal with the current secret; open with the current or the previous one."""

    def __init__(self, secret: str, previous: str | None = None) -> None:
        self._current = _RowKey(secret)
        self._previous = _RowKey(previous) if previous else None

    @property
    def key_id(self) -> str:
        """The id of the current secret's key (what new seals carry)."""
        return self._current.key_id

    def seal(self, plaintext: str, context: str) -> str:
        """Encrypt plaintext bound to context (the row it belongs to), under the current key."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._current.aead.encrypt(nonce, plaintext.encode(), context.encode())
        body = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
        return f"{_FORMAT}.{self._current.key_id}.{body}"

    def open(self, token: str, context: str) -> str:
        """Decrypt a sealed value, or raise RowUnreadable."""
        version, key_id, body = (token.split(".", 2) + ["", ""])[:3]
        row_key = self._key_for(key_id)
        if version != _FORMAT or row_key is None:
            raise RowUnreadable(context)
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            plain = row_key.aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:],
                                         context.encode())
        except (binascii.Error, InvalidTag, ValueError) as error:
            raise RowUnreadable(context) from error
        return plain.decode()

    def is_current(self, token: str) -> bool:
        """Tell whether a sealed value was made with the current secret."""
        return token.split(".", 2)[1:2] == [self._current.key_id]

    def _key_for(self, key_id: str) -> _RowKey | None:
        for row_key in (self._current, self._previous):
            if row_key is not None and row_key.key_id == key_id:
                return row_key
        return None


def _derive(secret: str, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None,
                info=info).derive(secret.encode())

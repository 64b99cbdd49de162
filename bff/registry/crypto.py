"""Row encryption: org project keys sealed with AES-256-GCM under CRAFTKIT_REGISTRY_SECRET.

The row key is derived (``bff.sealing``) from the registry secret alone, never from the
account or admin key (a master key that doubles as the encryption seed cannot be rotated
without losing every record). Each sealed value names the key that sealed it by a
short id, so during a rotation a row sealed under CRAFTKIT_REGISTRY_SECRET_PREVIOUS is
still opened, and ``tenants reencrypt`` knows which rows to rewrite.
"""

from __future__ import annotations

import base64
import binascii

from ..sealing import NONCE_BYTES, KeyRing, SealingKey, derive

_FORMAT = "v1"
_ROW_KEY_INFO = b"craftkit-bff tenant registry row key v1"
_KEY_ID_INFO = b"craftkit-bff tenant registry key id v1"
CHECK_TEXT = "craftkit-bff tenant registry key check"
CHECK_CONTEXT = "registry-key-check"


class RowUnreadable(Exception):
    """A sealed value opens under neither configured secret (or was tampered with)."""


def row_key(secret: str) -> SealingKey:
    """Derive one secret's row key, and the short id sealed values carry (from the secret)."""
    return SealingKey.from_key(derive(secret.encode(), _ROW_KEY_INFO),
                               derive(secret.encode(), _KEY_ID_INFO, 4).hex().encode())


class RowCipher:
    """Seal with the current secret; open with the current or the previous one."""

    def __init__(self, secret: str, previous: str | None = None) -> None:
        self._ring = KeyRing(row_key(secret), *([row_key(previous)] if previous else []))

    @property
    def key_id(self) -> str:
        """The id of the current secret's key (what new seals carry)."""
        return self._ring.key_id.decode()

    def seal(self, plaintext: str, context: str) -> str:
        """Encrypt plaintext bound to context (the row it belongs to), under the current key."""
        nonce, sealed = self._ring.seal(plaintext.encode(), context.encode())
        body = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
        return f"{_FORMAT}.{self.key_id}.{body}"

    def open(self, token: str, context: str) -> str:
        """Decrypt a sealed value, or raise RowUnreadable."""
        version, key_id, body = (token.split(".", 2) + ["", ""])[:3]
        if version != _FORMAT or not self._ring.knows(key_id.encode()):
            raise RowUnreadable(context)
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            plain = self._ring.open(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode(),
                                    key_id.encode())
            if plain is None:
                raise RowUnreadable(context)
            return plain.decode()
        except (binascii.Error, ValueError) as error:
            raise RowUnreadable(context) from error

    def is_current(self, token: str) -> bool:
        """Tell whether a sealed value was made with the current secret."""
        return token.split(".", 2)[1:2] == [self.key_id]

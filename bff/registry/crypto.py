"""Row encryption: org project keys sealed with AES-256-GCM under CRAFTKIT_REGISTRY_SECRET.

The row key is derived (``bff.sealing``) from the registry secret alone, never from the
account or admin key (a master key that doubles as the encryption seed cannot be rotated
without losing every record). Each sealed value names the key that sealed it by a
short id, so during a rotation a row sealed under CRAFTKIT_REGISTRY_SECRET_PREVIOUS is
still opened, and ``tenants reencrypt`` knows which rows to rewrite.

A value is ``FORMAT.KEYID.BASE64(nonce | ciphertext)``. Format ``v2`` (``seal_bound``) binds
a tuple of fields (an org id, a project id, a generation...) as associated data, each
length-prefixed, so no two tuples encode alike whatever they contain (org ids may hold
``:``). Format ``v1`` bound one ``str`` context and is opened only to upgrade rows.
"""

from __future__ import annotations

import base64
import binascii
import struct

from ..sealing import NONCE_BYTES, KeyRing, SealingKey, derive

_FORMAT = "v1"
_BOUND = "v2"
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
        """Encrypt plaintext bound to context (format v1: the key check), under the current key."""
        return self._seal(_FORMAT, plaintext, context.encode())

    def open(self, token: str, context: str) -> str:
        """Decrypt a v1 sealed value, or raise RowUnreadable."""
        return self._open(_FORMAT, token, context.encode())

    def seal_bound(self, plaintext: str, *fields: str) -> str:
        """Encrypt plaintext bound to fields (format v2), under the current key."""
        return self._seal(_BOUND, plaintext, bound(*fields))

    def open_bound(self, token: str, *fields: str) -> str:
        """Decrypt a v2 sealed value bound to exactly these fields, or raise RowUnreadable."""
        return self._open(_BOUND, token, bound(*fields))

    def _seal(self, version: str, plaintext: str, aad: bytes) -> str:
        nonce, sealed = self._ring.seal(plaintext.encode(), aad)
        body = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
        return f"{version}.{self.key_id}.{body}"

    def _open(self, version: str, token: str, aad: bytes) -> str:
        found, key_id, body = (token.split(".", 2) + ["", ""])[:3]
        if found != version or not self._ring.knows(key_id.encode()):
            raise RowUnreadable(version)
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            plain = self._ring.open(raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad, key_id.encode())
            if plain is None:
                raise RowUnreadable(version)
            return plain.decode()
        except (binascii.Error, ValueError) as error:
            raise RowUnreadable(version) from error

    def is_current(self, token: str) -> bool:
        """Tell whether a sealed value was made with the current secret."""
        return token.split(".", 2)[1:2] == [self.key_id]


def bound(*fields: str) -> bytes:
    """Encode fields unambiguously: each as its UTF-8 length (4 bytes) and its bytes."""
    return b"".join(struct.pack(">I", len(raw)) + raw
                    for raw in (field.encode("utf-8", "surrogatepass") for field in fields))

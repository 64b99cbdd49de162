"""Key derivation and authenticated encryption for everything the BFF seals, in one place.

Three things leave the process sealed, each in a wire format of its own that this module
does not change: renew tokens handed to the browser (``credentials.renew_tokens``),
project keys in the Redis key store (``credentials.envelope``) and project keys in the
tenant registry (``registry.crypto``). All three are AES-256-GCM (``cryptography``'s
``AESGCM``) under a key derived with HKDF-SHA256 from a configured secret and a label of
the format's own, so no two formats (nor two secrets) ever share a key, with a fresh 96-bit
random nonce per seal and what the sealed value belongs to (its org, its row) as
associated data.

Every secret is a key ring: seal with the current key, open with any key of the ring (the
one a sealed value's key id names, or each in turn where a format carries no id), so a
rotation keeps what was sealed under the previous secret readable until it is gone.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE_BYTES = 12
KEY_BYTES = 32


def derive(secret: bytes, info: bytes, length: int = KEY_BYTES) -> bytes:
    """Derive length bytes from secret with HKDF-SHA256 under the label info (no salt)."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(secret)


@dataclass(frozen=True)
class SealingKey:
    """One AES-256-GCM key and the id sealed values carry to name it."""

    key_id: bytes
    aead: AESGCM

    @classmethod
    def from_key(cls, key: bytes, key_id: bytes) -> SealingKey:
        """Wrap a derived 32-byte key with its id."""
        return cls(key_id, AESGCM(key))

    def seal(self, plaintext: bytes, aad: bytes) -> tuple[bytes, bytes]:
        """Encrypt plaintext bound to aad; return (nonce, ciphertext with its tag)."""
        nonce = os.urandom(NONCE_BYTES)
        return nonce, self.aead.encrypt(nonce, plaintext, aad)

    def open(self, nonce: bytes, sealed: bytes, aad: bytes) -> bytes | None:
        """Return the plaintext, or None if it was not sealed under this key with this aad."""
        if len(nonce) != NONCE_BYTES:
            return None
        try:
            return self.aead.decrypt(nonce, sealed, aad)
        except InvalidTag:
            return None


class KeyRing:
    """Seal with the current key; open with the current or any previous one."""

    def __init__(self, current: SealingKey, *previous: SealingKey) -> None:
        self.current = current
        self.keys = (current, *previous)

    @property
    def key_id(self) -> bytes:
        """The id of the current key (what new seals carry)."""
        return self.current.key_id

    def seal(self, plaintext: bytes, aad: bytes) -> tuple[bytes, bytes]:
        """Encrypt under the current key; return (nonce, ciphertext with its tag)."""
        return self.current.seal(plaintext, aad)

    def open(self, nonce: bytes, sealed: bytes, aad: bytes,
             key_id: bytes | None = None) -> bytes | None:
        """Return the plaintext under the key key_id names (each key when None), else None."""
        for key in self.keys:
            if key_id is None or key.key_id == key_id:
                plain = key.open(nonce, sealed, aad)
                if plain is not None:
                    return plain
        return None

    def knows(self, key_id: bytes) -> bool:
        """Tell whether a key of this ring has that id."""
        return any(key.key_id == key_id for key in self.keys)

    def is_current(self, key_id: bytes) -> bool:
        """Tell whether key_id names the current key."""
        return key_id == self.current.key_id

"""Seal project keys before they leave the process: AES-256-GCM, bound to their org.

An envelope is ``version (1 byte) | key id (8) | nonce (12) | ciphertext and tag``. The
encryption key is derived (``bff.sealing``) from a configured secret under a label of its
own, so it never equals the renew-token seal key derived from the same secret. The org id
is the associated data: an envelope copied to another org's entry does not open. The key
id names the secret an envelope was made under: one of the ring (the current secret, or a
previous one during a rotation) opens it; any other is a miss at once. Anything that does
not open is None, never an error.
"""

from __future__ import annotations

import hashlib

from ..sealing import NONCE_BYTES, KeyRing, SealingKey, derive

_VERSION = b"\x01"
_KEY_ID_LENGTH = 8
_HEADER_LENGTH = 1 + _KEY_ID_LENGTH + NONCE_BYTES
_AAD_PREFIX = b"craftkit-bff key-store v1\x00"


def envelope_key(secret: bytes, label: bytes) -> SealingKey:
    """Derive the envelope key of one secret, with its id (a one-way tag of the key)."""
    key = derive(secret, b"craftkit-bff key-store envelope from " + label)
    key_id = hashlib.sha256(b"craftkit-bff key-store key id\x00" + key).digest()[:_KEY_ID_LENGTH]
    return SealingKey.from_key(key, key_id)


class KeyEnvelope:
    """Seal and open org project keys with keys derived from the configured secrets.

    :param previous: (secret, label) pairs of secrets being rotated out: envelopes made
        under them still open; new envelopes are made under the current secret only.
    """

    def __init__(self, secret: bytes, label: bytes,
                 previous: tuple[tuple[bytes, bytes], ...] = ()) -> None:
        self._ring = KeyRing(envelope_key(secret, label),
                             *(envelope_key(old, old_label) for old, old_label in previous))

    @property
    def key_id(self) -> bytes:
        """The id of the current secret's key (what new envelopes carry)."""
        return self._ring.key_id

    def seal(self, org_id: str, project_key: str) -> bytes:
        """Return the envelope of org_id's project key."""
        nonce, sealed = self._ring.seal(project_key.encode(), _aad(org_id))
        return _VERSION + self._ring.key_id + nonce + sealed

    def open(self, org_id: str, envelope: bytes) -> str | None:
        """Return the project key inside envelope, or None if it is not org_id's under our keys."""
        key_id = envelope[1:1 + _KEY_ID_LENGTH]
        if (len(envelope) <= _HEADER_LENGTH or envelope[:1] != _VERSION
                or not self._ring.knows(key_id)):
            return None
        plain = self._ring.open(envelope[1 + _KEY_ID_LENGTH:_HEADER_LENGTH],
                                envelope[_HEADER_LENGTH:], _aad(org_id), key_id)
        try:
            return plain.decode() if plain is not None else None
        except UnicodeDecodeError:
            return None

    def is_current(self, envelope: bytes) -> bool:
        """Tell whether an envelope was made under the current secret."""
        return self._ring.is_current(envelope[1:1 + _KEY_ID_LENGTH])


def _aad(org_id: str) -> bytes:
    return _AAD_PREFIX + org_id.encode()

"""Seal what the key store keeps outside the process: AES-256-GCM, bound to its org and time.

An entry is ``kind (1 byte) | key id (8) | issued at (8, ms since the epoch) | nonce (12) |
ciphertext and tag``. The kind is ``KEY`` (the plaintext is the org's project key) or
``TOMBSTONE`` (empty plaintext: the org was deprovisioned, and the store refuses to put a
key back over it). The encryption key is derived (``bff.sealing``) from a configured secret
under a label of its own, so it never equals the renew-token seal key derived from the same
secret; a secret that is empty is refused, since anyone could derive its key.

The associated data binds the kind, the issue time and the org id (length-prefixed): an
entry copied to another org's name does not open, and one restored from the past opens only
while it is younger than the age its reader allows (the store's TTL). The key id names the
secret an entry was made under: one of the ring (the current secret, or a previous one
during a rotation) opens it; any other is a miss at once. Anything that does not open is
None, never an error.

The 0.2 format (version byte 1: no kind, no issue time) is no longer opened: such an entry
is a miss, and is replaced by the next provision.
"""

from __future__ import annotations

import hashlib
import struct
import time
from collections.abc import Callable

from ..sealing import NONCE_BYTES, KeyRing, SealingKey, derive

KEY = b"\x02"
TOMBSTONE = b"\x03"
_KEY_ID_LENGTH = 8
_TIME = struct.Struct(">Q")
_HEADER_LENGTH = 1 + _KEY_ID_LENGTH + _TIME.size + NONCE_BYTES
_AAD_PREFIX = b"craftkit-bff key-store v2\x00"


def envelope_key(secret: bytes, label: bytes) -> SealingKey:
    """Derive the envelope key of one secret, with its id (a one-way tag of the key)."""
    if not secret:
        raise ValueError("the key store's secret is empty: anyone could derive its key")
    key = derive(secret, b"craftkit-bff key-store envelope from " + label)
    key_id = hashlib.sha256(b"craftkit-bff key-store key id\x00" + key).digest()[:_KEY_ID_LENGTH]
    return SealingKey.from_key(key, key_id)


class KeyEnvelope:
    """Seal and open org project keys (and tombstones) with keys derived from the secrets.

    :param previous: (secret, label) pairs of secrets being rotated out: entries made
        under them still open; new entries are made under the current secret only.
    :param clock: wall-clock seconds, for issue times (every host of a fleet reads them).
    """

    def __init__(self, secret: bytes, label: bytes,
                 previous: tuple[tuple[bytes, bytes], ...] = (),
                 clock: Callable[[], float] = time.time) -> None:
        self._ring = KeyRing(envelope_key(secret, label),
                             *(envelope_key(old, old_label) for old, old_label in previous))
        self._clock = clock

    @property
    def key_id(self) -> bytes:
        """The id of the current secret's key (what new entries carry)."""
        return self._ring.key_id

    def seal(self, org_id: str, project_key: str) -> bytes:
        """Return the entry of org_id's project key, issued now."""
        return self._seal(KEY, org_id, project_key.encode())

    def tombstone(self, org_id: str) -> bytes:
        """Return the entry saying org_id was deprovisioned, issued now."""
        return self._seal(TOMBSTONE, org_id, b"")

    def open(self, org_id: str, entry: bytes, max_age: float | None = None) -> str | None:
        """Return the project key in entry, or None if it is not a key of org_id's under our
        keys, or was issued more than max_age seconds ago."""
        plain = self._open(KEY, org_id, entry, max_age)
        try:
            return plain.decode() if plain is not None else None
        except UnicodeDecodeError:
            return None

    def is_tombstone(self, org_id: str, entry: bytes, max_age: float | None = None) -> bool:
        """Tell whether entry is an authentic tombstone of org_id (within max_age)."""
        return self._open(TOMBSTONE, org_id, entry, max_age) is not None

    def is_current(self, entry: bytes) -> bool:
        """Tell whether an entry was made under the current secret."""
        return self._ring.is_current(entry[1:1 + _KEY_ID_LENGTH])

    def _seal(self, kind: bytes, org_id: str, plaintext: bytes) -> bytes:
        issued = _TIME.pack(int(self._clock() * 1000))
        nonce, sealed = self._ring.seal(plaintext, _aad(kind, issued, org_id))
        return kind + self._ring.key_id + issued + nonce + sealed

    def _open(self, kind: bytes, org_id: str, entry: bytes,
              max_age: float | None) -> bytes | None:
        key_id = entry[1:1 + _KEY_ID_LENGTH]
        if len(entry) < _HEADER_LENGTH or entry[:1] != kind or not self._ring.knows(key_id):
            return None
        issued = entry[1 + _KEY_ID_LENGTH:1 + _KEY_ID_LENGTH + _TIME.size]
        age = self._clock() - _TIME.unpack(issued)[0] / 1000
        if max_age is not None and age > max_age:
            return None
        return self._ring.open(entry[_HEADER_LENGTH - NONCE_BYTES:_HEADER_LENGTH],
                               entry[_HEADER_LENGTH:], _aad(kind, issued, org_id), key_id)


def _aad(kind: bytes, issued: bytes, org_id: str) -> bytes:
    org = org_id.encode()
    return _AAD_PREFIX + kind + issued + struct.pack(">I", len(org)) + org

"""One sealing helper, three wire formats: each still opens what 0.2.0 sealed, and each
secret is a key ring (seal with the current key, open with the current or a previous one)."""

import pytest

from bff.credentials.envelope import KeyEnvelope
from bff.credentials.renew_tokens import RenewTokenSealer
from bff.errors import RefreshRejected
from bff.registry.crypto import RowCipher, RowUnreadable
from bff.sealing import KeyRing, SealingKey, derive

# Sealed by craftkit-bff 0.2.0 (f61e53a) with the secrets below: the formats must not move.
RENEW_020 = ("v1.-mpkdNkf89CBSO39_fqcquvpNYKmGFfRcBzagroBPIqouZm2GEkMZuH5-NpzQXCFkpZk31rw5w9bn"
             "m0m8-vCgjzZDqMRfAqwIPxeeLNtKuFRsBa79suFws4jLxgDykPr7sO_spTORwincg")
ENVELOPE_020 = bytes.fromhex(
    "01e6de403f7173b7e93483fefd5d1577bf3922979c524a090373ab365ad4a270f2d2cb3bde09c216f9157"
    "1c36823da15a30aa6")
ROW_020 = "v1.02ed5513.W4mzMNLfXLC1hlRAPu3h3Z772Fuxh9zwzhIJwg6N6um_JUv7wKrBrHhs"
NOW = 1_700_000_000


def test_renew_tokens_sealed_by_0_2_still_open():
    sealer = RenewTokenSealer(b"golden-seal-secret", b"seal-key", 10**9, timer=lambda: NOW)
    grant = sealer.open(RENEW_020)
    assert (grant.renew_token, grant.org_id, grant.user_id) == ("ckr_golden_renew", "org:a",
                                                                 "user-1")


def test_redis_envelopes_sealed_by_0_2_are_misses():
    # 0.2's entries carry no issue time (so no bound on their age) and, in account mode,
    # were sealed under a key anyone could derive: 0.3 re-provisions instead of opening them.
    envelope = KeyEnvelope(b"golden-cache-secret", b"cache-key")
    assert envelope.open("org:a", ENVELOPE_020) is None


def test_registry_rows_sealed_by_0_2_still_open():
    cipher = RowCipher("golden-registry-secret-0123")
    assert cipher.open(ROW_020, "tenant-key:org:a:proj-1") == "ck_live_golden"
    assert cipher.is_current(ROW_020)
    with pytest.raises(RowUnreadable):
        cipher.open(ROW_020, "tenant-key:org:a:proj-2")


def test_a_ring_seals_with_the_current_key_and_opens_with_any():
    old = SealingKey.from_key(derive(b"old", b"label"), b"old")
    new = SealingKey.from_key(derive(b"new", b"label"), b"new")
    nonce, sealed = old.seal(b"plain", b"aad")
    ring = KeyRing(new, old)
    assert ring.open(nonce, sealed, b"aad") == b"plain"
    assert ring.open(nonce, sealed, b"aad", key_id=b"old") == b"plain"
    assert ring.open(nonce, sealed, b"aad", key_id=b"new") is None
    assert ring.open(nonce, sealed, b"other aad") is None
    assert KeyRing(new).open(nonce, sealed, b"aad") is None
    nonce, sealed = ring.seal(b"plain", b"aad")
    assert new.open(nonce, sealed, b"aad") == b"plain" and old.open(nonce, sealed, b"aad") is None


def test_formats_derive_different_keys_from_one_secret():
    secret = b"one-secret-for-everything"
    keys = {derive(secret, b"craftkit-bff renew-token seal from x"),
            derive(secret, b"craftkit-bff key-store envelope from x"),
            derive(secret, b"craftkit-bff tenant registry row key v1")}
    assert len(keys) == 3


def test_each_format_opens_under_a_previous_secret_and_seals_under_the_current_one():
    sealer_old = RenewTokenSealer(b"old-seal", b"seal-key", 600, timer=lambda: NOW)
    sealer = RenewTokenSealer(b"new-seal", b"seal-key", 600, timer=lambda: NOW,
                              previous=((b"old-seal", b"seal-key"),))
    assert sealer.open(sealer_old.seal("rt", "org", "u")).renew_token == "rt"
    with pytest.raises(RefreshRejected):
        sealer_old.open(sealer.seal("rt", "org", "u"))
    envelope_old = KeyEnvelope(b"old-cache", b"cache-key")
    envelope = KeyEnvelope(b"new-cache", b"cache-key", previous=((b"old-cache", b"cache-key"),))
    sealed_old = envelope_old.seal("org", "ck_live_x")
    assert envelope.open("org", sealed_old) == "ck_live_x"
    assert not envelope.is_current(sealed_old) and envelope.is_current(envelope.seal("org", "k"))
    assert envelope_old.open("org", envelope.seal("org", "k")) is None

"""KeyEnvelope: what leaves the process for a shared store is sealed and bound to its org."""

import pytest

from bff.credentials.envelope import KeyEnvelope

KEY = "ck_live_envelope_test_key_0123456789"


def test_envelope_round_trips_and_hides_the_key():
    envelope = KeyEnvelope(b"secret", b"cache-key")
    sealed = envelope.seal("org-a", KEY)
    assert KEY.encode() not in sealed and KEY[-10:].encode() not in sealed
    assert envelope.open("org-a", sealed) == KEY
    # A fresh nonce each time: equal keys do not give equal envelopes.
    assert envelope.seal("org-a", KEY) != sealed


def test_envelope_of_another_org_does_not_open():
    envelope = KeyEnvelope(b"secret", b"cache-key")
    assert envelope.open("org-b", envelope.seal("org-a", KEY)) is None


@pytest.mark.parametrize("secret, label", [(b"other", b"cache-key"), (b"secret", b"admin-key")])
def test_envelope_under_another_secret_or_label_does_not_open(secret, label):
    sealed = KeyEnvelope(b"secret", b"cache-key").seal("org-a", KEY)
    other = KeyEnvelope(secret, label)
    assert other.key_id != KeyEnvelope(b"secret", b"cache-key").key_id
    assert other.open("org-a", sealed) is None


def test_envelope_with_a_forged_key_id_fails_authentication():
    ours, theirs = KeyEnvelope(b"secret", b"cache-key"), KeyEnvelope(b"other", b"cache-key")
    sealed = theirs.seal("org-a", KEY)
    forged = sealed[:1] + ours.key_id + sealed[9:]
    assert ours.open("org-a", forged) is None


@pytest.mark.parametrize("mutate", [
    lambda s: b"", lambda s: s[:29], lambda s: b"\x01" + s[1:], lambda s: b"\x03" + s[1:],
    lambda s: s[:-1],
    lambda s: s[:-1] + bytes([s[-1] ^ 1]), lambda s: s[:25] + bytes([s[25] ^ 1]) + s[26:],
    lambda s: s[:12] + bytes([s[12] ^ 1]) + s[13:],
    lambda s: s + b"\x00",
])
def test_tampered_or_malformed_envelope_is_none(mutate):
    envelope = KeyEnvelope(b"secret", b"cache-key")
    assert envelope.open("org-a", mutate(envelope.seal("org-a", KEY))) is None


def test_an_entry_opens_only_while_younger_than_the_age_its_reader_allows():
    now = [1_700_000_000.0]
    envelope = KeyEnvelope(b"secret", b"cache-key", clock=lambda: now[0])
    sealed = envelope.seal("org-a", KEY)
    now[0] += 600
    assert envelope.open("org-a", sealed, max_age=601) == KEY
    now[0] += 2
    assert envelope.open("org-a", sealed, max_age=601) is None
    assert envelope.open("org-a", sealed) == KEY  # no bound asked for


def test_a_tombstone_is_not_a_key_and_a_key_is_not_a_tombstone():
    envelope = KeyEnvelope(b"secret", b"cache-key")
    tombstone, sealed = envelope.tombstone("org-a"), envelope.seal("org-a", KEY)
    assert tombstone[:1] == b"\x03" and sealed[:1] == b"\x02"
    assert envelope.is_tombstone("org-a", tombstone)
    assert not envelope.is_tombstone("org-b", tombstone)
    assert envelope.open("org-a", tombstone) is None
    assert not envelope.is_tombstone("org-a", sealed)
    # A writer who flips the kind byte gets neither.
    assert not envelope.is_tombstone("org-a", b"\x03" + sealed[1:])


@pytest.mark.parametrize("secret", [b"", None])
def test_an_empty_secret_is_refused(secret):
    with pytest.raises((ValueError, TypeError)):
        KeyEnvelope(secret, b"account-key")

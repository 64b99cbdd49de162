"""Row encryption and project names that say which org they belong to."""

from __future__ import annotations

import pytest

from bff.registry import RowCipher, RowUnreadable
from bff.registry.naming import display_name, marker_for, marker_of, org_in_marker, project_name
from tests.support.secrets import secret

SECRET = secret("registry-secret-for-tests-0123456789")
OTHER_SECRET = secret("another-registry-secret-9876543210")

KEY = "ck_live_crypto_test_key"


def test_a_sealed_key_opens_for_its_context_only():
    cipher = RowCipher(SECRET)
    sealed = cipher.seal(KEY, "tenant-key:acme:p1")
    assert KEY not in sealed
    assert cipher.open(sealed, "tenant-key:acme:p1") == KEY
    with pytest.raises(RowUnreadable):
        cipher.open(sealed, "tenant-key:globex:p1")


@pytest.mark.parametrize("mangle", [
    lambda s: s[:-2] + ("A" if s[-2] != "A" else "B") + s[-1],   # tampered ciphertext
    lambda s: "v2" + s[2:],                                        # unknown format
    lambda s: s.split(".")[0] + ".00000000." + s.split(".", 2)[2],  # unknown key id
    lambda s: "garbage",
])
def test_tampered_or_foreign_values_are_unreadable(mangle):
    cipher = RowCipher(SECRET)
    with pytest.raises(RowUnreadable):
        cipher.open(mangle(cipher.seal(KEY, "c")), "c")


def test_another_secret_cannot_open_and_the_previous_one_can():
    old = RowCipher(SECRET).seal(KEY, "c")
    with pytest.raises(RowUnreadable):
        RowCipher(OTHER_SECRET).open(old, "c")
    rotating = RowCipher(OTHER_SECRET, previous=SECRET)
    assert rotating.open(old, "c") == KEY
    assert not rotating.is_current(old)
    assert rotating.is_current(rotating.seal(KEY, "c"))


@pytest.mark.parametrize("org_id", ["acme", "org-123", "a b c", "x" * 100])
def test_plain_org_ids_are_spelled_out_in_the_marker(org_id):
    name = project_name("Acme Corp", org_id)
    assert len(name) <= 200
    assert marker_of(name) == marker_for(org_id)
    assert org_in_marker(marker_of(name)) == org_id
    assert display_name(name) == "Acme Corp"


@pytest.mark.parametrize("org_id", ["x" * 101, "org[1]", "a]b", "z" * 200])
def test_long_or_bracketed_org_ids_get_a_hashed_marker(org_id):
    name = project_name("N" * 200, org_id)
    assert len(name) <= 200
    assert marker_of(name) == marker_for(org_id)
    assert org_in_marker(marker_of(name)) is None


def test_an_org_name_that_imitates_another_orgs_marker_does_not_pass_for_it():
    name = project_name(f"Evil{marker_for('acme')}", "evil")
    assert marker_of(name) == marker_for("evil")
    assert not name.endswith(marker_for("acme"))


def test_names_not_made_by_us_have_no_marker():
    assert marker_of("Acme Corp") is None
    assert marker_of("Acme [ckbff:x] more]") is None
    assert marker_of("[draft]") is None

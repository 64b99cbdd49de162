"""Display names as the BFF keeps them: whatever a host app's users typed, made storable."""

from __future__ import annotations

import pytest

from bff.identity import MAX_NAME_LENGTH, Identity, display_text


@pytest.mark.parametrize(("typed", "kept"), [
    ("Acme \ud800 Corp", "Acme Corp"), ("Acme\x00Corp", "AcmeCorp"),
    ("Acme\n\tCorp\u2028Ltd", "Acme Corp Ltd"), ("A" * 300, "A" * MAX_NAME_LENGTH),
    ("  Acme  Corp ", "Acme Corp"), ("Ünïcödé 👩\u200d💻", "Ünïcödé 👩\u200d💻"),
    ("Acme Corp", "Acme Corp"),
])
def test_a_display_name_loses_what_no_database_or_log_should_hold(typed, kept):
    assert display_text(typed) == kept


def test_org_names_are_normalised_when_the_identity_is_read():
    identity = Identity.from_claims({"sub": "u", "name": "Ada\x1b[2J", "orgs": [
        {"id": "acme", "name": "Acme\ud800\n"}, {"id": "blank", "name": "\x00"}]},
        via="header")
    assert identity.orgs == {"acme": "Acme", "blank": "blank"}
    assert identity.display_name == "Ada[2J"

"""Secret rotation through the real routes: seals made under the previous secret still open.

Who relies on it: every open builder. Its renew token is a seal; a deploy that changes the
seal secret (CRAFTKIT_SEAL_KEY, or the admin key it is derived from) without the previous
one would answer 409 to every refresh of the fleet, and each element would reload its iframe.
"""

import pytest

from bff import create_app
from tests.support.craftkit_mock import (
    ADMIN_KEY,
    BASE,
    expect_provision,
    post_json,
    session_payload,
)
from tests.support.secrets import secret

OLD = secret("seal-secret-old-0123456789abcdef")
NEW = secret("seal-secret-new-0123456789abcdef")


def host(config, **settings):
    return create_app({**config, **settings}).test_client()


def mint(client, upstream):
    expect_provision(upstream)
    upstream.post(BASE + "/v1/embed/sessions", json=session_payload())
    response = post_json(client, "/session", {"mode": "create"})
    assert response.status_code == 200
    return response.json["renew_token"]


def refresh(client, upstream, sealed, *, reaches_craftkit=True):
    if reaches_craftkit:
        expect_provision(upstream)
        upstream.post(BASE + "/v1/embed/sessions/refresh", json=session_payload())
    return post_json(client, "/refresh", {"renewToken": sealed})


def test_a_seal_of_the_previous_seal_key_refreshes_and_is_resealed_under_the_new(
        config, upstream):
    sealed = mint(host(config, CRAFTKIT_SEAL_KEY=OLD), upstream)
    rotated = host(config, CRAFTKIT_SEAL_KEY=NEW, CRAFTKIT_SEAL_KEY_PREVIOUS=OLD)
    answer = refresh(rotated, upstream, sealed)
    assert answer.status_code == 200, answer.json
    # The new seal is made under the new key only: a host that knows just the old one
    # cannot open it, a host that knows just the new one can.
    resealed = answer.json["renew_token"]
    assert refresh(host(config, CRAFTKIT_SEAL_KEY=OLD), upstream, resealed,
                   reaches_craftkit=False).status_code == 409
    assert refresh(host(config, CRAFTKIT_SEAL_KEY=NEW), upstream, resealed).status_code == 200


def test_without_the_previous_key_old_seals_are_refused(config, upstream):
    sealed = mint(host(config, CRAFTKIT_SEAL_KEY=OLD), upstream)
    answer = refresh(host(config, CRAFTKIT_SEAL_KEY=NEW), upstream, sealed,
                     reaches_craftkit=False)
    assert answer.status_code == 409


@pytest.mark.parametrize("new_settings", [
    # First explicit seal key: the old seals were derived from the admin key.
    {"CRAFTKIT_SEAL_KEY": NEW, "CRAFTKIT_SEAL_KEY_PREVIOUS": ADMIN_KEY},
    # The admin key itself rotated, with no seal key of its own.
    {"CRAFTKIT_ADMIN_KEY": "ck_admin_rotated_0123456789", "CRAFTKIT_SEAL_KEY_PREVIOUS": ADMIN_KEY},
])
def test_seals_derived_from_the_admin_key_open_when_it_is_the_previous(config, upstream,
                                                                       new_settings):
    sealed = mint(host(config), upstream)
    rotated = host(config, **new_settings)
    admin = new_settings.get("CRAFTKIT_ADMIN_KEY", ADMIN_KEY)
    upstream.post(BASE + "/v1/admin/provision", json={"apiKey": "ck_live_key_for_org_a"},
                  match=[_bearer(admin)])
    upstream.post(BASE + "/v1/embed/sessions/refresh", json=session_payload())
    assert post_json(rotated, "/refresh", {"renewToken": sealed}).status_code == 200


def _bearer(key):
    from responses import matchers
    return matchers.header_matcher({"Authorization": f"Bearer {key}"})

"""The iframe pages' own API, authenticated by the session token: context, submit, view."""

from __future__ import annotations

import jwt
import pytest

from .conftest import BUILDER_PERMS, FIELDS, FILL_PERMS, error_of
from .test_catalogs_api import SEED_CATALOG

CONTEXT = "/v1/embed/iframe/context"
SUBMIT = "/v1/embed/iframe/submissions"


@pytest.fixture
def token(emulator, org_key):
    return emulator.session(org_key)["session_token"]


def submit(emulator, token, values):
    return emulator.call("POST", SUBMIT, token, json={"values": values})


def test_context_describes_a_create_session(emulator, org_key):
    answer = emulator.session(org_key, name="Starter")
    body = emulator.call("GET", CONTEXT, answer["session_token"]).json()
    claims = jwt.decode(answer["session_token"], options={"verify_signature": False})
    assert body["mode"] == "create" and body["initialName"] == "Starter"
    assert body["session"] == {"jti": claims["jti"], "iat": claims["iat"], "exp": claims["exp"]}
    assert body["now"] == emulator.clock.now
    assert body["permissions"] == BUILDER_PERMS and body["template"] is None
    assert body["catalog"]["allowCustom"] is True and body["catalogName"] is None
    assert body["actor"] == {"externalId": "user-1", "displayName": "Ann"}


def test_context_uses_the_sessions_catalog(emulator, org_key):
    emulator.call("POST", "/v1/embed/catalogs", org_key, json=SEED_CATALOG)
    token = emulator.session(org_key, catalog="my-catalog-v1")["session_token"]
    body = emulator.call("GET", CONTEXT, token).json()
    assert body["catalog"] == SEED_CATALOG["catalog"] and body["catalogName"] == "my-catalog-v1"


def test_context_of_edit_session_has_the_template(emulator, org_key):
    template = emulator.template(org_key)
    token = emulator.session(org_key, mode="edit", template=template["id"])["session_token"]
    body = emulator.call("GET", CONTEXT, token).json()
    assert body["template"] == template and body["initialName"] == "Invoice"


def test_context_expired_session_is_401_session_expired(emulator, token):
    emulator.clock.advance(900)
    assert error_of(emulator.call("GET", CONTEXT, token)) == (401, "session_expired")


def test_context_refreshed_token_works_after_old_expiry(emulator, org_key):
    answer = emulator.session(org_key)
    emulator.clock.advance(850)
    fresh = emulator.call("POST", "/v1/embed/sessions/refresh", org_key,
                          json={"renewToken": answer["renew_token"]}).json()
    emulator.clock.advance(100)
    assert error_of(emulator.call("GET", CONTEXT, answer["session_token"]))[1] == (
        "session_expired")
    assert emulator.call("GET", CONTEXT, fresh["session_token"]).status_code == 200


def test_context_forged_tokens_are_401_invalid_session(emulator, org_key, token):
    other_key = emulator.provision("org-b")["apiKey"]
    other = emulator.session(other_key, "org-b")["session_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    # Another org's signature over this org's partner id, "none", and garbage.
    forged_sig = other.split(".")[2]
    header_payload = ".".join(token.split(".")[:2])
    unsigned = jwt.encode(claims, key=None, algorithm="none")
    for bad in (f"{header_payload}.{forged_sig}", unsigned, "not.a.jwt", org_key):
        assert error_of(emulator.call("GET", CONTEXT, bad)) == (401, "invalid_session")


def test_context_without_token_is_401(emulator):
    assert error_of(emulator.call("GET", CONTEXT)) == (401, "unauthorized")


def test_submit_creates_a_render_with_download_url(emulator, org_key):
    template = emulator.template(org_key)
    token = emulator.session(org_key, mode="fill", template=template["id"])["session_token"]
    response = submit(emulator, token, {"customer.name": " Jane ", "customer.email": "j@x.io"})
    assert response.status_code == 201
    body = response.json()
    assert body["downloadUrl"] == f"{emulator.url}/v1/embed/renders/{body['renderId']}/download"
    assert body["render"]["values"] == {"customer.name": "Jane", "customer.email": "j@x.io"}


@pytest.mark.parametrize("values,named", [
    ({}, "customer.name"), ({"customer.name": "  "}, "customer.name"),
    ({"customer.name": "A", "customer.email": "not-an-email"}, "customer.email"),
    ({"customer.name": "A", "extra": "x"}, "extra"), ({"customer.name": 5}, "customer.name"),
])
def test_submit_invalid_values_are_422_naming_the_field(emulator, org_key, values, named):
    template = emulator.template(org_key)
    token = emulator.session(org_key, mode="fill", template=template["id"])["session_token"]
    response = submit(emulator, token, values)
    assert error_of(response) == (422, "invalid_request")
    assert named in response.json()["error"]["message"]


def test_submit_checks_formats_and_required_booleans(emulator, org_key):
    fields = [
        {"key": "a.n", "label": "N", "dataType": "number", "required": False},
        {"key": "a.d", "label": "D", "dataType": "date", "required": False},
        {"key": "a.u", "label": "U", "dataType": "url", "required": False},
        {"key": "a.ok", "label": "OK", "dataType": "boolean", "required": True},
    ]
    create = emulator.session(org_key)["session_token"]
    template = emulator.publish(create, "Formats", fields).json()["template"]
    token = emulator.session(org_key, mode="fill", template=template["id"])["session_token"]
    good = {"a.n": "1.5", "a.d": "2026-11-21", "a.u": "https://x.io", "a.ok": True}
    assert submit(emulator, token, good).status_code == 201
    for bad in ({"a.n": "nan"}, {"a.d": "21/11/2026"}, {"a.u": "ftp://x"}, {"a.ok": False},
                {"a.ok": "true"}):
        assert submit(emulator, token, {**good, **bad}).status_code == 422


def test_submit_needs_fill_mode_and_submit_permission(emulator, org_key, token):
    template = emulator.template(org_key)
    values = {"customer.name": "A"}
    assert error_of(submit(emulator, token, values)) == (403, "forbidden")
    no_submit = emulator.session(org_key, mode="fill", template=template["id"],
                                 perms={**FILL_PERMS, "submitForm": False})["session_token"]
    assert error_of(submit(emulator, no_submit, values)) == (403, "forbidden")


def test_submit_render_keeps_the_version_it_was_filled_against(emulator, org_key):
    template = emulator.template(org_key)
    render = emulator.render(org_key, template["id"], {"customer.name": "A"})
    edit = emulator.session(org_key, mode="edit", template=template["id"])["session_token"]
    emulator.publish(edit, "Invoice", [FIELDS[1]])
    listed = emulator.call("GET", "/v1/embed/renders", org_key).json()["data"]
    assert listed[0]["id"] == render["renderId"] and listed[0]["templateVersion"] == 1


def test_view_lists_the_templates_renders_and_downloads_them(emulator, org_key):
    mine = emulator.template(org_key, name="Mine")
    other = emulator.template(org_key, name="Other")
    render = emulator.render(org_key, mine["id"], {"customer.name": "A"})
    other_render = emulator.render(org_key, other["id"], {"customer.name": "B"})
    token = emulator.session(org_key, mode="view", template=mine["id"])["session_token"]
    listed = emulator.call("GET", "/v1/embed/iframe/renders", token).json()["data"]
    assert [r["id"] for r in listed] == [render["renderId"]]
    pdf = emulator.call("GET", f"/v1/embed/iframe/renders/{render['renderId']}/download", token)
    assert pdf.content.startswith(b"%PDF")
    outside = emulator.call("GET", f"/v1/embed/iframe/renders/{other_render['renderId']}/download",
                            token)
    assert error_of(outside) == (404, "not_found")


def test_view_without_template_lists_all_renders(emulator, org_key):
    for name in ("A", "B"):
        template = emulator.template(org_key, name=name)
        emulator.render(org_key, template["id"], {"customer.name": "x"})
    token = emulator.session(org_key, mode="view")["session_token"]
    assert len(emulator.call("GET", "/v1/embed/iframe/renders", token).json()["data"]) == 2


def test_view_endpoints_refuse_other_modes(emulator, token):
    assert error_of(emulator.call("GET", "/v1/embed/iframe/renders", token)) == (
        403, "forbidden")

"""Publishing from the builder: create vs edit, permissions, and the session's catalog."""

from __future__ import annotations

import pytest

from .conftest import BUILDER_PERMS, FIELDS, error_of
from .test_catalogs_api import SEED_CATALOG


@pytest.fixture
def token(emulator, org_key):
    return emulator.session(org_key)["session_token"]


def test_publish_create_then_republish_same_session(emulator, token):
    first = emulator.publish(token, "Invoice")
    assert first.status_code == 201
    template = first.json()["template"]
    again = emulator.publish(token, "Invoice v2", templateId=template["id"])
    assert again.status_code == 200
    assert again.json()["template"]["id"] == template["id"]
    assert again.json()["template"]["version"] == 2


def test_publish_create_cannot_republish_another_sessions_template(emulator, org_key, token):
    theirs = emulator.template(org_key)
    response = emulator.publish(token, "Hijack", templateId=theirs["id"])
    assert error_of(response) == (403, "forbidden")


def test_publish_edit_makes_a_new_version_of_the_same_id(emulator, org_key):
    template = emulator.template(org_key)
    token = emulator.session(org_key, mode="edit", template=template["id"])["session_token"]
    fields = [*FIELDS, {"key": "order.total", "label": "Total", "dataType": "number",
                        "required": False}]
    response = emulator.publish(token, "Invoice", fields)
    assert response.status_code == 200
    published = response.json()["template"]
    assert (published["id"], published["version"]) == (template["id"], 2)
    listed = emulator.call("GET", "/v1/embed/builder/templates", org_key).json()["data"]
    assert listed == [published]


def test_publish_edit_rename_needs_the_rename_permission(emulator, org_key):
    template = emulator.template(org_key)
    token = emulator.session(org_key, mode="edit", template=template["id"])["session_token"]
    assert error_of(emulator.publish(token, "Other name")) == (403, "forbidden")
    allowed = emulator.session(org_key, mode="edit", template=template["id"],
                               perms={**BUILDER_PERMS, "rename": True})["session_token"]
    assert emulator.publish(allowed, "Other name").json()["template"]["name"] == "Other name"


def test_publish_without_publish_permission_is_403(emulator, org_key):
    token = emulator.session(org_key, perms={**BUILDER_PERMS, "publish": False})["session_token"]
    assert error_of(emulator.publish(token)) == (403, "forbidden")


def test_publish_from_fill_or_view_session_is_403(emulator, org_key):
    template = emulator.template(org_key)
    for mode in ("fill", "view"):
        token = emulator.session(org_key, mode=mode, template=template["id"])["session_token"]
        assert error_of(emulator.publish(token)) == (403, "forbidden")


@pytest.mark.parametrize("body", [
    {"fields": FIELDS}, {"name": "", "fields": FIELDS}, {"name": "x"}, {"name": "x", "fields": []},
    {"name": "x", "fields": [{"key": "a b", "label": "L", "dataType": "text", "required": True}]},
    {"name": "x", "fields": [FIELDS[0], FIELDS[0]]},
])
def test_publish_invalid_body_is_422(emulator, token, body):
    response = emulator.call("POST", "/v1/embed/iframe/templates", token, json=body)
    assert error_of(response) == (422, "invalid_request")


def test_publish_catalog_without_custom_rejects_other_fields(emulator, org_key):
    emulator.call("POST", "/v1/embed/catalogs", org_key, json=SEED_CATALOG)
    token = emulator.session(org_key, catalog="my-catalog-v1")["session_token"]
    custom = {"key": "custom.po", "label": "PO", "dataType": "text", "required": False}
    assert error_of(emulator.publish(token, "T", [FIELDS[0], custom])) == (
        422, "invalid_request")
    retyped = {**FIELDS[1], "dataType": "text"}
    assert error_of(emulator.publish(token, "T", [retyped])) == (422, "invalid_request")
    assert emulator.publish(token, "T", [{**FIELDS[0], "required": False}]).status_code == 201

"""The builder's publish rules: catalog fields, allowCustom, rename, who may republish."""

from __future__ import annotations

from typing import Any

from . import bodies, template_records
from .errors import Forbidden, InvalidRequest
from .fields import check_fields
from .store import Store


def publish_template(
    store: Store, claims: dict[str, Any], catalog: dict[str, Any], body: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    """Publish body's {name, fields[, templateId]}; return (template, created)."""
    name = bodies.string(body, "name").strip()
    fields = check_fields(body.get("fields"), "fields")
    _check_against_catalog(fields, catalog)
    with store.transaction():
        existing = _target(store, claims, body.get("templateId"))
        if existing is None:
            row = template_records.create(store, claims["prj"], name, fields, claims["sid"])
            return template_records.public(row), True
        if name != existing["name"] and claims["mode"] == "edit" and not claims["perms"].get(
            "rename"
        ):
            raise Forbidden("This session does not have the rename permission.")
        row = template_records.publish_version(store, existing, name, fields)
        return template_records.public(row), False


def _target(store: Store, claims: dict[str, Any], template_id: Any) -> dict | None:
    if claims["mode"] == "edit":
        return template_records.get(store, claims["prj"], claims["tpl"])
    if template_id is None:
        return None
    # A create session may republish only what it created itself, never another template.
    row = template_records.get(store, claims["prj"], str(template_id))
    if row["created_sid"] != claims["sid"]:
        raise Forbidden("A create session can only republish the template it created.")
    return row


def _check_against_catalog(fields: list[dict[str, Any]], catalog: dict[str, Any]) -> None:
    offered = {
        field["key"]: field
        for group in catalog.get("namespaces", [])
        for field in group["fields"]
    }
    for i, field in enumerate(fields):
        known = offered.get(field["key"])
        if known is None and not catalog.get("allowCustom"):
            raise InvalidRequest(f"fields[{i}].key {field['key']!r} is not in the session's "
                                 "catalog, which does not allow custom fields.")
        if known is not None and known["dataType"] != field["dataType"]:
            raise InvalidRequest(f"fields[{i}].dataType must be {known['dataType']!r}, as in "
                                 "the catalog.")

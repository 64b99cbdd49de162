"""The variable-catalog schema of POST /v1/embed/catalogs, checked strictly path by path."""

from __future__ import annotations

import re
from typing import Any

from . import bodies
from .errors import InvalidRequest
from .fields import check_fields

CATALOG_KEYS = ("allowCustom", "namespaces", "loops")
GROUP_KEYS = ("key", "label", "fields")
MAX_GROUPS = 50
GROUP_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def check_catalog_body(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Return (name, catalog) from a publish body, or 422 saying which path is wrong."""
    name = bodies.string(body, "name").strip()
    catalog = bodies.obj(body, "catalog")
    _no_extra(catalog, CATALOG_KEYS, "catalog")
    allow_custom = bodies.boolean(catalog, "allowCustom", "catalog.allowCustom")
    namespaces = _groups(catalog.get("namespaces"), "catalog.namespaces", required=True)
    loops = _groups(catalog.get("loops", []), "catalog.loops", required=False)
    _unique_field_keys(namespaces + loops)
    return name, {"allowCustom": allow_custom, "namespaces": namespaces, "loops": loops}


def _no_extra(holder: dict[str, Any], allowed: tuple[str, ...], path: str) -> None:
    extra = sorted(set(holder) - set(allowed))
    if extra:
        raise InvalidRequest(f"{path}.{extra[0]} is not allowed (expected {', '.join(allowed)}).")


def _groups(groups: Any, path: str, *, required: bool) -> list[dict[str, Any]]:
    if not isinstance(groups, list):
        raise InvalidRequest(f"{path} must be a list.")
    if required and not groups:
        raise InvalidRequest(f"{path} must have at least one namespace.")
    if len(groups) > MAX_GROUPS:
        raise InvalidRequest(f"{path} must have at most {MAX_GROUPS} entries.")
    checked = [_group(group, f"{path}[{i}]") for i, group in enumerate(groups)]
    keys = [group["key"] for group in checked]
    for i, key in enumerate(keys):
        if key in keys[:i]:
            raise InvalidRequest(f"{path}[{i}].key {key!r} is used twice.")
    return checked


def _group(group: Any, path: str) -> dict[str, Any]:
    if not isinstance(group, dict):
        raise InvalidRequest(f"{path} must be an object.")
    _no_extra(group, GROUP_KEYS, path)
    key = group.get("key")
    if not isinstance(key, str) or len(key) > 100 or not GROUP_KEY.match(key):
        raise InvalidRequest(f"{path}.key must be an identifier like 'customer'.")
    label = bodies.string(group, "label", f"{path}.label")
    fields = check_fields(group.get("fields"), f"{path}.fields")
    for i, field in enumerate(fields):
        # Field keys are addressed as <namespace>.<field>, as in the seed's example.
        if not field["key"].startswith(key + "."):
            raise InvalidRequest(f"{path}.fields[{i}].key must start with '{key}.'.")
    return {"key": key, "label": label, "fields": fields}


def _unique_field_keys(groups: list[dict[str, Any]]) -> None:
    seen: set[str] = set()
    for group in groups:
        for field in group["fields"]:
            if field["key"] in seen:
                raise InvalidRequest(f"catalog field key {field['key']!r} appears twice.")
            seen.add(field["key"])

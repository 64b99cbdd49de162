"""Field definitions ({key, label, dataType, required}) and the values a form fills them with."""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

from .errors import InvalidRequest

DATA_TYPES = ("text", "longtext", "email", "number", "date", "phone", "url", "boolean")
FIELD_KEYS = ("key", "label", "dataType", "required")
MAX_FIELDS = 100
MAX_VALUE_LENGTH = 2000
KEY_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_][A-Za-z0-9_-]*)*$")

# What the builder offers when a session has no catalog (custom fields are allowed too).
DEFAULT_CATALOG = {
    "allowCustom": True,
    "namespaces": [
        {"key": "customer", "label": "Customer", "fields": [
            {"key": "customer.name", "label": "Name", "dataType": "text", "required": True},
            {"key": "customer.email", "label": "Email", "dataType": "email", "required": False},
            {"key": "customer.phone", "label": "Phone", "dataType": "phone", "required": False},
        ]},
        {"key": "document", "label": "Document", "fields": [
            {"key": "document.date", "label": "Date", "dataType": "date", "required": False},
            {"key": "document.amount", "label": "Amount", "dataType": "number",
             "required": False},
            {"key": "document.notes", "label": "Notes", "dataType": "longtext",
             "required": False},
            {"key": "document.agree", "label": "Terms accepted", "dataType": "boolean",
             "required": False},
        ]},
    ],
    "loops": [],
}


def check_field(field: Any, path: str) -> dict[str, Any]:
    """Return a valid field definition, or 422 naming the wrong path."""
    if not isinstance(field, dict):
        raise InvalidRequest(f"{path} must be an object.")
    extra = sorted(set(field) - set(FIELD_KEYS))
    if extra:
        raise InvalidRequest(f"{path}.{extra[0]} is not a field property "
                             f"(expected {', '.join(FIELD_KEYS)}).")
    key = field.get("key")
    if not isinstance(key, str) or len(key) > 100 or not KEY_PATTERN.match(key):
        raise InvalidRequest(f"{path}.key must be a dotted identifier like 'customer.name'.")
    label = field.get("label")
    if not isinstance(label, str) or not label.strip() or len(label) > 200:
        raise InvalidRequest(f"{path}.label must be a non-empty string of at most 200 characters.")
    if field.get("dataType") not in DATA_TYPES:
        raise InvalidRequest(f"{path}.dataType must be one of {', '.join(DATA_TYPES)}.")
    if not isinstance(field.get("required"), bool):
        raise InvalidRequest(f"{path}.required must be true or false.")
    return {key_name: field[key_name] for key_name in FIELD_KEYS}


def check_fields(fields: Any, path: str, *, allow_empty: bool = False) -> list[dict[str, Any]]:
    """Return a valid list of field definitions with unique keys, or 422."""
    if not isinstance(fields, list):
        raise InvalidRequest(f"{path} must be a list.")
    if not fields and not allow_empty:
        raise InvalidRequest(f"{path} must have at least one field.")
    if len(fields) > MAX_FIELDS:
        raise InvalidRequest(f"{path} must have at most {MAX_FIELDS} fields.")
    checked = [check_field(field, f"{path}[{i}]") for i, field in enumerate(fields)]
    seen: set[str] = set()
    for i, field in enumerate(checked):
        if field["key"] in seen:
            raise InvalidRequest(f"{path}[{i}].key {field['key']!r} is used twice.")
        seen.add(field["key"])
    return checked


def check_values(fields: list[dict[str, Any]], values: Any) -> dict[str, Any]:
    """Return the submitted values for fields, enforcing required ones and simple formats."""
    if not isinstance(values, dict):
        raise InvalidRequest("values must be an object keyed by field key.")
    known = {field["key"] for field in fields}
    unknown = sorted(set(values) - known)
    if unknown:
        raise InvalidRequest(f"values.{unknown[0]} is not a field of this template.")
    return {field["key"]: _value(field, values.get(field["key"])) for field in fields}


def _value(field: dict[str, Any], value: Any) -> Any:
    path, kind = f"values.{field['key']}", field["dataType"]
    if kind == "boolean":
        if value is None:
            value = False
        if not isinstance(value, bool):
            raise InvalidRequest(f"{path} must be true or false.")
        if field["required"] and not value:
            raise InvalidRequest(f"{path} is required: '{field['label']}' must be ticked.")
        return value
    if value is None:
        value = ""
    if not isinstance(value, str) or len(value) > MAX_VALUE_LENGTH:
        raise InvalidRequest(f"{path} must be a string of at most {MAX_VALUE_LENGTH} characters.")
    value = value.strip()
    if not value:
        if field["required"]:
            raise InvalidRequest(f"{path} is required: fill in '{field['label']}'.")
        return ""
    if not _FORMATS.get(kind, lambda _: True)(value):
        raise InvalidRequest(f"{path} is not a valid {kind}.")
    return value


def _is_number(value: str) -> bool:
    try:
        return math.isfinite(float(value))
    except ValueError:
        return False


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


_FORMATS = {
    "email": lambda v: re.fullmatch(r"[^@\s]+@[^@\s]+", v) is not None,
    "number": _is_number,
    "date": _is_date,
    "url": lambda v: re.fullmatch(r"https?://\S+", v) is not None,
}

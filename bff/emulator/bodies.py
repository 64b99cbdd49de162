"""Request-body reading and the small checks every endpoint shares."""

from __future__ import annotations

import json
from typing import Any, Literal, overload

from flask import request

from .errors import InvalidJson, InvalidRequest

MAX_NAME_LENGTH = 200


def json_object() -> dict[str, Any]:
    """Return the body as a JSON object: 400 if it is not JSON, 422 if it is not an object."""
    raw = request.get_data(cache=True)
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise InvalidJson("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    return body


@overload
def string(body: dict[str, Any], key: str, path: str | None = None, *,
           required: Literal[True] = True, allow_empty: bool = False,
           max_length: int = MAX_NAME_LENGTH) -> str: ...
@overload
def string(body: dict[str, Any], key: str, path: str | None = None, *, required: bool,
           allow_empty: bool = False, max_length: int = MAX_NAME_LENGTH) -> str | None: ...
def string(
    body: dict[str, Any],
    key: str,
    path: str | None = None,
    *,
    required: bool = True,
    allow_empty: bool = False,
    max_length: int = MAX_NAME_LENGTH,
) -> str | None:
    """Return body[key] as a string, or raise 422 naming the path that is wrong."""
    path = path or key
    value = body.get(key)
    if value is None:
        if required:
            raise InvalidRequest(f"{path} is required.")
        return None
    if not isinstance(value, str):
        raise InvalidRequest(f"{path} must be a string.")
    if not allow_empty and not value.strip():
        raise InvalidRequest(f"{path} must not be empty.")
    if len(value) > max_length:
        raise InvalidRequest(f"{path} must be at most {max_length} characters.")
    return value


def name(body: dict[str, Any]) -> str:
    """Return the trimmed `name` of a /v1/projects* body (1..200 characters)."""
    return string(body, "name").strip()


@overload
def obj(body: dict[str, Any], key: str, path: str | None = None, *,
        required: Literal[True] = True) -> dict[str, Any]: ...
@overload
def obj(body: dict[str, Any], key: str, path: str | None = None, *,
        required: bool) -> dict[str, Any] | None: ...
def obj(
    body: dict[str, Any], key: str, path: str | None = None, *, required: bool = True
) -> dict[str, Any] | None:
    """Return body[key] as a dict (None when optional and absent), else 422."""
    path = path or key
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, dict):
        raise InvalidRequest(f"{path} must be an object.")
    return value


def boolean(body: dict[str, Any], key: str, path: str) -> bool:
    """Return body[key] when it is a real boolean, else 422."""
    value = body.get(key)
    if not isinstance(value, bool):
        raise InvalidRequest(f"{path} must be true or false.")
    return value

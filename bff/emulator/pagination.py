"""`limit` and opaque `cursor` query parameters shared by the list endpoints."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from flask import request

from .errors import InvalidRequest

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
_CURSOR_TAG = "seq:"


@dataclass(frozen=True)
class PageRequest:
    """The rows wanted: up to `limit` after position `after` (None: from the start)."""

    limit: int
    after: int | None


def page_request() -> PageRequest:
    """Read limit (1..100, default 20) and cursor from the query string, else 422."""
    raw_limit = request.args.get("limit", str(DEFAULT_LIMIT))
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_LIMIT:
        raise InvalidRequest(f"limit must be a whole number from 1 to {MAX_LIMIT}.")
    cursor = request.args.get("cursor")
    return PageRequest(int(raw_limit), _decode(cursor) if cursor else None)


def _decode(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor.encode("ascii") + b"==").decode("ascii")
    except (UnicodeError, binascii.Error, ValueError):
        text = ""
    position = text.removeprefix(_CURSOR_TAG)
    if not text.startswith(_CURSOR_TAG) or not position.isdigit():
        raise InvalidRequest("cursor is not valid: pass back a next_cursor unchanged.")
    return int(position)


def encode_cursor(seq: int) -> str:
    """Return the opaque cursor that resumes after the row with this seq."""
    return base64.urlsafe_b64encode(f"{_CURSOR_TAG}{seq}".encode("ascii")).decode().rstrip("=")


def page(rows: list[dict[str, Any]], limit: int) -> tuple[list[dict[str, Any]], str | None]:
    """Split rows fetched with limit + 1 into the page and the next cursor (None at the end)."""
    if len(rows) <= limit:
        return rows, None
    kept = rows[:limit]
    return kept, encode_cursor(kept[-1]["seq"])

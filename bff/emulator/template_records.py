"""Published templates: create, publish a new version, look up, list."""

from __future__ import annotations

import json
import uuid
from typing import Any

from .clock import iso, now
from .errors import NotFound
from .store import Store


def public(row: dict[str, Any]) -> dict[str, Any]:
    """Return a template as the API shows it."""
    return {
        "id": row["id"],
        "name": row["name"],
        "fields": json.loads(row["fields"]),
        "version": row["version"],
        "publishedAt": iso(row["published_at"]),
    }


def get(store: Store, project_id: str, template_id: str | None) -> dict[str, Any]:
    """Return a template of the project, or 404."""
    row = store.one(
        "SELECT * FROM templates WHERE id = ? AND project_id = ?", (template_id, project_id)
    )
    if row is None:
        raise NotFound("No such template in this project.")
    return row


def list_page(store: Store, project_id: str, after: int | None, limit: int) -> list[dict]:
    """Return up to limit templates, oldest first, after a cursor position."""
    return store.all(
        "SELECT * FROM templates WHERE project_id = ? AND seq > ? ORDER BY seq LIMIT ?",
        (project_id, after or 0, limit),
    )


def create(store: Store, project_id: str, name: str, fields: list, sid: str) -> dict[str, Any]:
    """Publish a new template at version 1, remembering the session that made it."""
    template_id = str(uuid.uuid4())
    store.execute(
        "INSERT INTO templates (id, project_id, name, fields, version, published_at,"
        " created_sid) VALUES (?, ?, ?, ?, 1, ?, ?)",
        (template_id, project_id, name, json.dumps(fields), now(), sid),
    )
    return get(store, project_id, template_id)


def publish_version(store: Store, row: dict[str, Any], name: str, fields: list) -> dict:
    """Publish the next version of an existing template under the same id."""
    store.execute(
        "UPDATE templates SET name = ?, fields = ?, version = version + 1, published_at = ?"
        " WHERE id = ?",
        (name, json.dumps(fields), now(), row["id"]),
    )
    return get(store, row["project_id"], row["id"])

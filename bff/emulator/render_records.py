"""Renders: a filled form frozen with the template version it was filled against."""

from __future__ import annotations

import json
import uuid
from typing import Any

from .clock import iso, now
from .errors import InvalidRequest, NotFound
from .store import Store

STATUSES = ("queued", "processing", "completed", "failed")


def download_path(render_id: str) -> str:
    """Return the API path of a render's PDF."""
    return f"/v1/embed/renders/{render_id}/download"


def public(row: dict[str, Any]) -> dict[str, Any]:
    """Return a render as the API shows it."""
    return {
        "id": row["id"],
        "templateId": row["template_id"],
        "templateName": row["template_name"],
        "templateVersion": row["template_version"],
        "status": row["status"],
        "createdAt": iso(row["created_at"]),
        "values": json.loads(row["field_values"]),
    }


def get(store: Store, project_id: str, render_id: str) -> dict[str, Any]:
    """Return a render of the project, or 404 (another project's render included)."""
    row = store.one(
        "SELECT * FROM renders WHERE id = ? AND project_id = ?", (render_id, project_id)
    )
    if row is None:
        raise NotFound("No such render in this project.")
    return row


def list_page(
    store: Store,
    project_id: str,
    before: int | None,
    limit: int,
    status: str | None = None,
    template_id: str | None = None,
) -> list[dict[str, Any]]:
    """Return up to limit renders, newest first, before a cursor position, filtered."""
    if status is not None and status not in STATUSES:
        raise InvalidRequest(f"status must be one of {', '.join(STATUSES)}.")
    sql = "SELECT * FROM renders WHERE project_id = ?"
    params: list[Any] = [project_id]
    for column, value in (("status", status), ("template_id", template_id)):
        if value is not None:
            sql += f" AND {column} = ?"
            params.append(value)
    if before is not None:
        sql += " AND seq < ?"
        params.append(before)
    return store.all(sql + " ORDER BY seq DESC LIMIT ?", (*params, limit))


def create(
    store: Store, template: dict[str, Any], values: dict[str, Any], actor_id: str
) -> dict[str, Any]:
    """Store a completed render of template with values."""
    render_id = str(uuid.uuid4())
    store.execute(
        "INSERT INTO renders (id, project_id, template_id, template_name, template_version,"
        " fields, field_values, actor_id, status, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'completed', ?)",
        (render_id, template["project_id"], template["id"], template["name"],
         template["version"], template["fields"], json.dumps(values), actor_id, now()),
    )
    return get(store, template["project_id"], render_id)

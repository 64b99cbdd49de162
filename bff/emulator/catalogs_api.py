"""POST /v1/embed/catalogs: publish (or replace by name) a variable catalog for the builder."""

from __future__ import annotations

import json

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

from . import bodies
from .auth import require_project
from .catalog_schema import check_catalog_body
from .clock import iso, now
from .store import get_store

bp = Blueprint("emulator_catalogs", __name__, url_prefix="/v1/embed/catalogs")


@bp.post("")
def publish_catalog() -> ResponseReturnValue:
    """Store the catalog under its name: 201 when new, 200 when it replaces one."""
    caller = require_project()
    name, catalog = check_catalog_body(bodies.json_object())
    store = get_store()
    stamp = now()
    with store.transaction():
        replaced = store.execute(
            "UPDATE catalogs SET body = ?, updated_at = ? WHERE project_id = ? AND name = ?",
            (json.dumps(catalog), stamp, caller.project_id, name),
        )
        if not replaced:
            store.execute(
                "INSERT INTO catalogs (project_id, name, body, updated_at) VALUES (?, ?, ?, ?)",
                (caller.project_id, name, json.dumps(catalog), stamp),
            )
        # Counted for the test knob GET /emulator/catalogs (Counter updates under the lock).
        current_app.extensions["craftkit_emulator"]["publishes"][(caller.project_id, name)] += 1
    answer = {"name": name, "catalog": catalog, "updatedAt": iso(stamp)}
    return jsonify(answer), 200 if replaced else 201

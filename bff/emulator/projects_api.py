"""The account-scoped API, /v1/projects*, authenticated by account keys only."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

from . import bodies
from . import project_records as records
from .auth import require_account
from .embed_mode import enable_embed
from .pagination import page, page_request
from .store import get_store

bp = Blueprint("emulator_projects", __name__, url_prefix="/v1/projects")


@bp.post("")
def create_project() -> ResponseReturnValue:
    """Create a project; not idempotent, a repeated name gets a suffixed slug."""
    account_id = require_account()
    name = bodies.name(bodies.json_object())
    limit = int(current_app.config["SLUG_MAX_SUFFIX"])
    project = records.create_project(get_store(), account_id, name, limit)
    if current_app.config["ACCOUNT_EMBED"]:
        # The dashboard's "embed mode on for new projects", for offline end-to-end runs.
        enable_embed(get_store(), current_app.extensions["craftkit_emulator"]["sealer"],
                     project["id"])
    return jsonify(project), 201


@bp.get("")
def list_projects() -> ResponseReturnValue:
    """List the account's live projects, oldest first."""
    account_id = require_account()
    wanted = page_request()
    rows = records.list_owned(get_store(), account_id, wanted.after or 0, wanted.limit + 1)
    kept, cursor = page(rows, wanted.limit)
    return jsonify({"data": [records.public(row) for row in kept], "next_cursor": cursor})


@bp.get("/<project_id>")
def get_project(project_id: str) -> ResponseReturnValue:
    """Show one project of the account."""
    account_id = require_account()
    return jsonify(records.public(records.get_owned(get_store(), account_id, project_id)))


@bp.patch("/<project_id>")
def rename_project(project_id: str) -> ResponseReturnValue:
    """Rename a project of the account."""
    account_id = require_account()
    store = get_store()
    records.get_owned(store, account_id, project_id)
    name = bodies.name(bodies.json_object())
    return jsonify(records.rename(store, account_id, project_id, name))


@bp.delete("/<project_id>")
def delete_project(project_id: str) -> ResponseReturnValue:
    """Soft-delete a project of the account."""
    account_id = require_account()
    records.soft_delete(get_store(), account_id, project_id)
    return "", 204


@bp.post("/<project_id>/keys")
def mint_project_key(project_id: str) -> ResponseReturnValue:
    """Mint a ck_live_ key for a project; the plaintext is shown only in this answer."""
    account_id = require_account()
    store = get_store()
    records.get_owned(store, account_id, project_id)
    key_name = bodies.name(bodies.json_object())
    with store.transaction():
        records.get_owned(store, account_id, project_id)
        minted = records.mint_key(store, project_id, key_name)
    return jsonify(minted), 201

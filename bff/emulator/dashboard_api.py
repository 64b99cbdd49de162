"""The dashboard's embed switch for account projects, outside /v1 (no such API in the seeds).

``POST /dashboard/projects/<id>/embed`` turns embed mode on (``DELETE`` turns it off) for a
project of the account whose key is the bearer: the account owner, as signed in to the
dashboard. With ``ACCOUNT_EMBED`` set, every new account project starts with it on.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

from . import project_records as records
from .auth import require_account
from .embed_mode import disable_embed, enable_embed
from .store import get_store

bp = Blueprint("emulator_dashboard", __name__, url_prefix="/dashboard/projects")


@bp.post("/<project_id>/embed")
def enable(project_id: str) -> ResponseReturnValue:
    """Enable embed mode for a project of the account."""
    account_id = require_account()
    store = get_store()
    records.get_owned(store, account_id, project_id)
    sealer = current_app.extensions["craftkit_emulator"]["sealer"]
    return jsonify({"projectId": project_id, "embed": True,
                    "partnerId": enable_embed(store, sealer, project_id)})


@bp.delete("/<project_id>/embed")
def disable(project_id: str) -> ResponseReturnValue:
    """Disable embed mode for a project of the account."""
    account_id = require_account()
    store = get_store()
    records.get_owned(store, account_id, project_id)
    disable_embed(store, project_id)
    return jsonify({"projectId": project_id, "embed": False})

"""Published templates of the caller's org."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from .guards import choose_org, require_identity
from .proxy import call_json, forwarded_params

bp = Blueprint("templates", __name__)


@bp.get("/templates")
def list_templates():
    """List the org's published templates (limit, cursor pass through)."""
    org_id, org_name = choose_org(require_identity(), request.args.get("tenantExternalId"))
    data = call_json(org_id, org_name, "GET", "/v1/embed/builder/templates",
                     "craftkit_templates_failed", params=forwarded_params())
    return jsonify(data)

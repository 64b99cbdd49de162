"""Published templates of the caller's org."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from .guards import requested_org
from .routes import declare

bp = Blueprint("templates", __name__)
LIST_TEMPLATES = declare("templates", "GET", "/templates", upstream="/v1/embed/builder/templates",
                         query=("limit", "cursor"))


@LIST_TEMPLATES.view(bp)
def list_templates() -> Response:
    """List the org's published templates (limit and cursor pass through)."""
    return jsonify(LIST_TEMPLATES.fetch_json(requested_org()))

"""Published templates of the caller's org."""

from __future__ import annotations

from flask import Blueprint, jsonify

from ..errors import TEMPLATES_FAILED
from .guards import requested_org
from .routes import declare

bp = Blueprint("templates", __name__)
LIST_TEMPLATES = declare("GET", "/templates", upstream="/v1/embed/builder/templates",
                         failure_code=TEMPLATES_FAILED, query=("limit", "cursor"))


@bp.get(LIST_TEMPLATES.rule)
def list_templates():
    """List the org's published templates (limit and cursor pass through)."""
    return jsonify(LIST_TEMPLATES.fetch_json(requested_org()))
